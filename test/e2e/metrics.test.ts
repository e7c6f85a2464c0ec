/**
 * Fleet-wide metrics inside the compiled Wasm: with `metrics_log_endpoint` set, sandboxes write
 * CloudWatch Embedded Metric Format lines from their requests' waitUntil — the stream and the POP
 * as dimensions (Viceroy's FASTLY_POP is "XXX"), deltas that never count a record twice — and none
 * when the key is absent (the other e2e files run without it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import { setConfigItem, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
const REQUESTS = 30;

let local: LocalApp | undefined;
let app: ViceroyApp;
let kinesis: LocalKinesis;

beforeAll(async () => {
  local = await startLocalApp({
    streams: { [STREAM]: 2 },
    editManifest: (toml) => setConfigItem(setConfigItem(toml, 'metrics_log_endpoint', 'metrics'), 'metrics_interval_s', '1'),
  });
  ({ app, kinesis } = local);
});

afterAll(() => local?.stop());

describe('metrics lines, in Viceroy', () => {
  it('writes EMF lines whose deltas add up to no more than was delivered, per stream, POP and shard', async () => {
    for (let i = 0; i < REQUESTS; i++) {
      await (await app.fetch(`/metrics/${i}`)).arrayBuffer();
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1100)); // let an interval pass
    }
    const until = Date.now() + 30_000;
    while ((await readStream(kinesis.url, STREAM)).length < REQUESTS && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    const stored = await readStream(kinesis.url, STREAM);
    expect(stored).toHaveLength(REQUESTS);

    const lines = app.logLines('metrics').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const [directive] = line._aws.CloudWatchMetrics;
      expect(directive).toMatchObject({ Namespace: 'ComputeKinesisLogger', Dimensions: [['Stream', 'POP']] });
      for (const { Name } of directive.Metrics) expect(typeof line[Name]).toBe('number');
      expect(line).toMatchObject({ Stream: `us-east-1/${STREAM}`, POP: 'XXX' });
    }
    const delivered = lines.reduce((sum, l) => sum + l.RecordsDelivered, 0);
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThanOrEqual(REQUESTS);
    // Records per shard name the shards the records landed on, and add up to the delivered count.
    const byShard = new Map<string, number>();
    for (const l of lines) for (const [shard, n] of Object.entries(l.RecordsDeliveredByShard as Record<string, number>)) byShard.set(shard, (byShard.get(shard) ?? 0) + n);
    expect([...byShard.keys()].every((shard) => stored.some((r) => r.shardId === shard))).toBe(true);
    expect([...byShard.values()].reduce((a, b) => a + b, 0)).toBe(delivered);
    expect(lines.reduce((sum, l) => sum + l.RecordsFailed, 0)).toBe(0);
  });
});
