/**
 * Shard-aware spreading inside the compiled Wasm: records of real requests land evenly on a
 * 4-shard stream (ExplicitHashKey routing, partition key "a"), the shard map is listed once and
 * shared through the KV store, and after a split the new layout is used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createStream, openShards, readStream, splitShard, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { parseTimingLine } from '../support/timing-lines.js';
import { setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
const REQUESTS = 120;

let kinesis: LocalKinesis;
let proxy: FaultProxy;
let origin: DemoOrigin;
let app: ViceroyApp;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  proxy = await startFaultProxy({ target: kinesis.url, recordsPerSecondPerShard: 1e9 });
  origin = await startDemoOrigin();
  await createStream(kinesis.url, STREAM, 4);
  app = await startViceroy({
    ports: { origin: origin.port, kinesis: proxy.port },
    // The start time in each line ties it to its sandbox's timing line (started_ms).
    editManifest: (toml) => setConfigItem(setConfigItem(toml, 'timing_log_endpoint', 'timing'), 'main.format', '%U %{time.start.msec}V'),
  });
});

afterAll(async () => {
  await app?.shutdown();
  await proxy?.stop();
  await origin?.stop();
  await kinesis?.stop();
});

async function send(prefix: string, count: number) {
  for (let i = 0; i < count; i++) await (await app.fetch(`/${prefix}/${i}`)).arrayBuffer();
}

async function recordsOf(prefix: string, count: number) {
  const until = Date.now() + 30_000;
  for (;;) {
    const records = (await readStream(kinesis.url, STREAM)).filter((r) => r.data.startsWith(`/${prefix}/`));
    if (records.length >= count || Date.now() > until) return records;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('spread over shards, in Viceroy', () => {
  it('lands records of real requests evenly on the open shards, with one ListShards for all sandboxes', async () => {
    await send('even', REQUESTS);
    const records = await recordsOf('even', REQUESTS);
    expect(records).toHaveLength(REQUESTS);
    // Each record's key is its record id (the request's id, line 0): all different, none steering the shard.
    expect(new Set(records.map((r) => r.partitionKey)).size).toBe(REQUESTS);
    for (const r of records) expect(r.partitionKey).toMatch(/^[0-9a-zA-Z]+-0$/);
    const perShard = new Map<string, number>();
    for (const r of records) perShard.set(r.shardId, (perShard.get(r.shardId) ?? 0) + 1);
    if (process.env.DEBUG_E2E) console.log('per shard', [...perShard.entries()]);
    expect(perShard.size).toBe(4);
    // Every record was aimed at a shard: it carried an ExplicitHashKey, and landed on the shard
    // whose range holds it (random partition keys would carry none).
    const shards = await openShards(kinesis.url, STREAM);
    const sent = proxy.forwarded.filter((e) => e.data.startsWith('/even/'));
    expect(sent).toHaveLength(REQUESTS);
    for (const entry of sent) {
      expect(entry.explicitHashKey).toMatch(/^\d+$/);
      const key = BigInt(entry.explicitHashKey!);
      const holder = shards.find((s) => BigInt(s.HashKeyRange.StartingHashKey) <= key && key <= BigInt(s.HashKeyRange.EndingHashKey));
      expect(entry.shardId).toBe(holder!.ShardId);
    }
    // Each sandbox takes the shards in rotation: the shards it wrote to differ by at most one record.
    const sandboxOf = new Map(app.logLines('timing').map((line) => parseTimingLine(line)).map((t) => [t.startedMs, t.sandbox]));
    const bySandbox = new Map<string, Map<string, number>>();
    for (const r of records) {
      const startedMs = Number(r.data.split(' ')[1]);
      const sandbox = sandboxOf.get(startedMs) ?? sandboxOf.get(startedMs + 1) ?? sandboxOf.get(startedMs - 1);
      expect(sandbox, `no timing line for ${r.data}`).toBeDefined();
      const counts = bySandbox.get(sandbox!) ?? new Map(shards.map((s) => [s.ShardId, 0]));
      counts.set(r.shardId, counts.get(r.shardId)! + 1);
      bySandbox.set(sandbox!, counts);
    }
    if (process.env.DEBUG_E2E) console.log('sandboxes', [...bySandbox.values()].map((c) => [...c.values()].join('/')));
    for (const counts of bySandbox.values()) expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    // Several records per sandbox, or the check above says little.
    expect(REQUESTS / bySandbox.size).toBeGreaterThan(2);
    // Every sandbox after the first found the map in KV (or memory): the fleet listed shards once.
    expect(proxy.stats.calls.ListShards).toBe(1);
  });

  it('follows a split: records reach the new child shards', async () => {
    const [first] = await openShards(kinesis.url, STREAM);
    const start = BigInt(first.HashKeyRange.StartingHashKey);
    const end = BigInt(first.HashKeyRange.EndingHashKey);
    await splitShard(kinesis.url, STREAM, first.ShardId, start + (end - start) / 16n);
    const open = await openShards(kinesis.url, STREAM);
    const children = new Set(open.map((s) => s.ShardId).filter((id) => id > 'shardId-000000000003'));
    expect(children.size).toBe(2);
    // The narrow child holds 1/64 of the hash space: random keys would give it ~1 record of 60.
    const narrow = open.find((s) => children.has(s.ShardId) && BigInt(s.HashKeyRange.StartingHashKey) === start)!.ShardId;

    await send('split', 60);
    const records = await recordsOf('split', 60);
    expect(records).toHaveLength(60);
    const landedOnChildren = records.filter((r) => children.has(r.shardId)).length;
    expect(landedOnChildren).toBeGreaterThan(0);
    // Following the split: the map is listed again (a record landed off its target) and the
    // narrow child then gets an equal share, ~12 of 60.
    if (process.env.DEBUG_E2E) console.log('narrow child', records.filter((r) => r.shardId === narrow).length, 'ListShards', proxy.stats.calls.ListShards);
    expect(proxy.stats.calls.ListShards).toBeGreaterThanOrEqual(2);
    expect(records.filter((r) => r.shardId === narrow).length).toBeGreaterThanOrEqual(4);
  });
});
