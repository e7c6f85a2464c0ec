/**
 * How the compiled Wasm's sandboxes take requests in Viceroy, under concurrent load, read from the
 * timing lines (timing_log_endpoint): sandboxes are reused (per-instance state such as the shard
 * map and credentials survives between requests), and a sandbox starts its next request only after
 * the previous request's logging has ended. The second fact is why records of different requests
 * never meet in one sandbox's memory, so they cannot be batched into one PutRecords call without
 * holding them past their own request (docs/architecture.md: Sandbox reuse). Should a runtime ever overlap
 * requests in a sandbox, this test fails, and cross-request batching becomes possible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import { setConfigItem, type ViceroyApp } from '../support/viceroy.js';
import { parsePhaseLine, parseTimingLine, requestsBySandbox } from '../support/timing-lines.js';

const STREAM = 'compute-logs';
const REQUESTS = 80;
const CONCURRENCY = 8;

let local: LocalApp | undefined;
let app: ViceroyApp;
let kinesis: LocalKinesis;

beforeAll(async () => {
  local = await startLocalApp({
    streams: { [STREAM]: 4 },
    editManifest: (toml) => setConfigItem(setConfigItem(setConfigItem(toml, 'timing_log_endpoint', 'timing'), 'phase_log_endpoint', 'phases'), 'main.format', '%U'),
  });
  ({ app, kinesis } = local);
});

afterAll(() => local?.stop());

describe('sandboxes in Viceroy', () => {
  it('are reused, and take their next request only once the previous one has been logged', async () => {
    let next = 0;
    const client = async () => {
      while (next < REQUESTS) {
        const i = next++;
        await (await app.fetch(`/reuse/${i}`)).arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));

    const until = Date.now() + 30_000;
    let timings = app.logLines('timing').map(parseTimingLine);
    while (timings.length < REQUESTS && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      timings = app.logLines('timing').map(parseTimingLine);
    }
    expect(timings).toHaveLength(REQUESTS);
    expect((await readStream(kinesis.url, STREAM)).filter((r) => r.data.startsWith('/reuse/'))).toHaveLength(REQUESTS);

    const bySandbox = requestsBySandbox(timings);
    if (process.env.DEBUG_E2E) console.log('requests per sandbox', [...bySandbox.values()].map((r) => r.length));
    // Reused: fewer sandboxes than requests, and more than one at a time under concurrent load.
    expect(bySandbox.size).toBeLessThan(REQUESTS);
    expect(bySandbox.size).toBeGreaterThan(1);
    for (const requests of bySandbox.values()) {
      for (let i = 1; i < requests.length; i++) {
        expect(requests[i].request).toBe(requests[i - 1].request + 1);
        // Never overlapping: each request starts after the previous one's logging ended. (2 ms of
        // slack: a request's clock is re-anchored on Date.now(), whole milliseconds; an overlap
        // would be the tens of milliseconds of an origin fetch and a PutRecords call.)
        expect(requests[i].startedMs).toBeGreaterThanOrEqual(requests[i - 1].loggedMs - 2);
      }
    }
  });

  it('count loading the configuration in each sandbox\'s first request (phase config), and in no later one', () => {
    const phases = app.logLines('phases').map(parsePhaseLine);
    expect(phases).toHaveLength(REQUESTS);
    const first = phases.filter((p) => p.request === 1);
    const later = phases.filter((p) => p.request > 1);
    expect(first.length).toBeGreaterThan(1);
    expect(later.length).toBeGreaterThan(0);
    for (const line of first) expect(line.phases.config).toBeGreaterThan(0);
    for (const line of later) expect(line.phases.config).toBe(0);
  });
});
