/**
 * Fleet-wide metrics inside the compiled Wasm: with `metrics_log_endpoint` set, sandboxes write
 * CloudWatch Embedded Metric Format lines from their requests' waitUntil — the stream and the POP
 * as dimensions (Viceroy's FASTLY_POP is "XXX"), deltas that never count a record twice — and none
 * when the key is absent (the other e2e files run without it).
 *
 *  - Complete (the default): 300 requests from 4 clients on a build whose sandboxes serve at most
 *    5 requests and end after 500 ms idle (CKL_SANDBOX_*), while a fault proxy makes every 4th
 *    PutRecords call's record fail (max_attempts 1): the lines account for every record Kinesis
 *    stored and every record that failed (issue 19: at least 99 %), however short the sandboxes.
 *  - metrics_interval_s 1, on the default build: at most a line per second per sandbox, each with
 *    the span it covers.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { parseTimingLine, requestsBySandbox, type TimingLine } from '../support/timing-lines.js';
import { REPO_ROOT, setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
/** Short-lived sandboxes: the reuse options a build takes from its environment (webpack.config.js). */
const SHORT_SANDBOXES = { CKL_SANDBOX_MAX_REQUESTS: '5', CKL_SANDBOX_BETWEEN_REQUEST_TIMEOUT_MS: '500' };
const SHORT_WASM = path.join(REPO_ROOT, 'bin/metrics-short.wasm');

/** An EMF line read as plain JSON: its members differ from line to line. */
type MetricsLine = Record<string, any>;

const metricsLines = (app: ViceroyApp): MetricsLine[] => app.logLines('metrics').map((l) => JSON.parse(l));
const sum = (lines: readonly MetricsLine[], name: string) => lines.reduce((total, l) => total + (l[name] ?? 0), 0);

/** Sends `count` requests from `clients` concurrent clients; a pause every 50 lets idle sandboxes end. */
async function drive(app: ViceroyApp, count: number, clients: number, prefix: string): Promise<void> {
  let next = 0;
  const client = async () => {
    while (next < count) {
      const i = next++;
      await (await app.fetch(`/${prefix}/${i}`)).arrayBuffer();
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 700));
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
}

/** The timing lines once every request's has been written: each comes after its request's metrics call. */
async function timingsOf(app: ViceroyApp, count: number): Promise<TimingLine[]> {
  const until = Date.now() + 30_000;
  while (app.logLines('timing').length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  const timings = app.logLines('timing').map(parseTimingLine);
  expect(timings).toHaveLength(count);
  return timings;
}

/** Every line's shape: the directive, the dimensions, and members that are all declared, counts only when not zero. */
function expectWellFormed(lines: readonly MetricsLine[]): void {
  for (const line of lines) {
    const [directive] = line._aws.CloudWatchMetrics;
    expect(directive).toMatchObject({ Namespace: 'ComputeKinesisLogger', Dimensions: [['Stream', 'POP']] });
    expect(line).toMatchObject({ Stream: `us-east-1/${STREAM}`, POP: 'XXX' });
    const declared = directive.Metrics.map((m: { Name: string }) => m.Name).sort();
    const members = Object.keys(line).filter((k) => !['_aws', 'Stream', 'POP', 'RecordsDeliveredByShard', 'SinceTimestamp'].includes(k));
    expect(members.sort()).toEqual(declared);
    // Counts only when they moved; the shard map's age is a gauge, 0 for a map just listed.
    for (const name of members) if (name !== 'ShardMapAgeSeconds') expect(line[name]).not.toBe(0);
  }
}

describe('metrics lines in Viceroy, complete (the default), with short-lived sandboxes', () => {
  const REQUESTS = 300;
  let kinesis: LocalKinesis | undefined;
  let proxy: FaultProxy | undefined;
  let origin: DemoOrigin | undefined;
  let app: ViceroyApp | undefined;

  beforeAll(async () => {
    const env = { ...process.env, ...SHORT_SANDBOXES };
    execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/webpack'), ['--config-name', 'compute', '--output-filename', 'metrics-short.cjs'], { cwd: REPO_ROOT, env, stdio: 'pipe' });
    execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/js-compute-runtime'), ['bin/metrics-short.cjs', SHORT_WASM], { cwd: REPO_ROOT, stdio: 'pipe' });
    kinesis = await startLocalKinesis();
    await createStream(kinesis.url, STREAM, 2);
    // Every 4th PutRecords call: its record is throttled, and with one attempt it fails for good.
    proxy = await startFaultProxy({ target: kinesis.url, faults: (call) => (call.n % 4 === 0 ? { kind: 'partial', errorCode: 'ProvisionedThroughputExceededException' } : undefined) });
    origin = await startDemoOrigin();
    app = await startViceroy({
      ports: { origin: origin.port, kinesis: proxy.port },
      wasm: SHORT_WASM,
      editManifest(toml) {
        let out = setConfigItem(toml, 'metrics_log_endpoint', 'metrics');
        out = setConfigItem(out, 'timing_log_endpoint', 'timing');
        out = setConfigItem(out, 'main.format', '%U');
        out = setConfigItem(out, 'main.max_attempts', '1');
        return setConfigItem(out, 'main.retry_window_ms', '0');
      },
    });
  });

  afterAll(async () => {
    await app?.shutdown();
    await origin?.stop();
    await proxy?.stop();
    await kinesis?.stop();
  });

  it('account for every record stored and every record failed, at most one line per request', async () => {
    await drive(app!, REQUESTS, 4, 'complete');
    const timings = await timingsOf(app!, REQUESTS);
    // The sandboxes were short-lived indeed: many, none past 5 requests.
    const sandboxes = requestsBySandbox(timings);
    expect(Math.max(...timings.map((t) => t.request))).toBeLessThanOrEqual(5);
    expect(sandboxes.size).toBeGreaterThanOrEqual(REQUESTS / 5);

    const stored = (await readStream(kinesis!.url, STREAM)).length;
    const failed = proxy!.stats.entriesFailedByInjection;
    expect(failed).toBeGreaterThan(0);
    expect(stored + failed).toBe(REQUESTS);

    const lines = metricsLines(app!);
    expectWellFormed(lines);
    expect(lines.length).toBeLessThanOrEqual(REQUESTS);
    const delivered = sum(lines, 'RecordsDelivered');
    const reportedFailed = sum(lines, 'RecordsFailed');
    if (process.env.DEBUG_E2E) {
      const bytes = lines.map((l) => Buffer.byteLength(JSON.stringify(l)));
      console.log(`${sandboxes.size} sandboxes; ${lines.length} lines for ${REQUESTS} requests, ${Math.round(bytes.reduce((a, b) => a + b) / bytes.length)} bytes on average`);
      console.log(`delivered ${delivered} of ${stored} (${((100 * delivered) / stored).toFixed(1)} %), failed ${reportedFailed} of ${failed} (${((100 * reportedFailed) / failed).toFixed(1)} %)`);
    }
    expect(delivered).toBeGreaterThanOrEqual(0.99 * stored);
    expect(delivered).toBeLessThanOrEqual(stored);
    expect(reportedFailed).toBeGreaterThanOrEqual(0.99 * failed);
    expect(reportedFailed).toBeLessThanOrEqual(failed);
    expect(sum(lines, 'RecordsFailed.ProvisionedThroughputExceededException')).toBe(reportedFailed);
    expect(sum(lines, 'RecordsAttempted')).toBe(delivered + reportedFailed);
    // Records per shard name the shards the records landed on, and add up to the delivered count.
    const byShard = new Map<string, number>();
    for (const l of lines) for (const [shard, n] of Object.entries((l.RecordsDeliveredByShard ?? {}) as Record<string, number>)) byShard.set(shard, (byShard.get(shard) ?? 0) + n);
    expect([...byShard.keys()].sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect([...byShard.values()].reduce((a, b) => a + b, 0)).toBe(delivered);
  });
});

describe('metrics lines in Viceroy, metrics_interval_s 1', () => {
  const REQUESTS = 30;
  let local: LocalApp | undefined;

  beforeAll(async () => {
    local = await startLocalApp({
      streams: { [STREAM]: 2 },
      editManifest: (toml) => setConfigItem(setConfigItem(setConfigItem(toml, 'metrics_log_endpoint', 'metrics'), 'metrics_interval_s', '1'), 'timing_log_endpoint', 'timing'),
    });
  });

  afterAll(() => local?.stop());

  it('writes at most a line per second per sandbox, whose deltas add up to no more than was delivered', async () => {
    const { app, kinesis } = local!;
    for (let i = 0; i < REQUESTS; i++) {
      await (await app.fetch(`/metrics/${i}`)).arrayBuffer();
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1100)); // let an interval pass
    }
    const timings = await timingsOf(app, REQUESTS);
    const stored = await readStream(kinesis.url, STREAM);
    expect(stored).toHaveLength(REQUESTS);

    const lines = metricsLines(app);
    expectWellFormed(lines);
    // A sandbox writes its first line, then at most one per second of its life (from its first
    // request's start to its last one's logging, in its timing lines, read on the clock the
    // interval is kept with; 10 ms for its re-anchoring by up to 2 ms, sandbox-reuse.test.ts): an
    // upper bound whatever the machine's load, and well under a line per request on any but a
    // crawling machine.
    const lifetimes = [...requestsBySandbox(timings).values()].map((requests) => requests[requests.length - 1].loggedMs - requests[0].startedMs);
    const mostLines = lifetimes.reduce((total, ms) => total + Math.floor((ms + 10) / 1000) + 1, 0);
    if (process.env.DEBUG_E2E) console.log(`${lines.length} lines for ${REQUESTS} requests from ${lifetimes.length} sandboxes; at most ${mostLines} allowed`);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(mostLines);
    // Each line says where its span began: the sandbox's start or its previous line.
    for (const line of lines) expect(line.SinceTimestamp).toBeLessThanOrEqual(line._aws.Timestamp);
    const delivered = sum(lines, 'RecordsDelivered');
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThanOrEqual(REQUESTS);
    const byShard = new Map<string, number>();
    for (const l of lines) for (const [shard, n] of Object.entries((l.RecordsDeliveredByShard ?? {}) as Record<string, number>)) byShard.set(shard, (byShard.get(shard) ?? 0) + n);
    expect([...byShard.keys()].every((shard) => stored.some((r) => r.shardId === shard))).toBe(true);
    expect([...byShard.values()].reduce((a, b) => a + b, 0)).toBe(delivered);
    expect(sum(lines, 'RecordsFailed')).toBe(0);
  });
});
