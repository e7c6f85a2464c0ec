/**
 * Shard-aware spreading inside the compiled Wasm: records of real requests land evenly on a
 * 4-shard stream (ExplicitHashKey routing, partition key "a"), the shard map is listed once and
 * shared through the KV store, and after a split the new layout is used; on a new stream, cold
 * sandboxes that start together race for the KV refresh lease, and only its winner lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createStream, openShards, readStream, splitShard, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { parseTimingLine } from '../support/timing-lines.js';
import { addSecret, setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
const REQUESTS = 120;
/** A stream only /race/ requests log to, so that its shard map is in no sandbox and not in KV. */
const RACE_STREAM = 'lease-race';
const RACERS = 4;

let kinesis: LocalKinesis;
let proxy: FaultProxy;
let origin: DemoOrigin;
let app: ViceroyApp;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  proxy = await startFaultProxy({ target: kinesis.url, recordsPerSecondPerShard: 1e9 });
  origin = await startDemoOrigin();
  await createStream(kinesis.url, STREAM, 4);
  await createStream(kinesis.url, RACE_STREAM, 2);
  app = await startViceroy({
    ports: { origin: origin.port, kinesis: proxy.port },
    editManifest(toml) {
      // The start time in each line ties it to its sandbox's timing line (started_ms).
      let out = setConfigItem(setConfigItem(toml, 'timing_log_endpoint', 'timing'), 'main.format', '%U %{time.start.msec}V');
      out = setConfigItem(out, 'endpoints', 'main,race');
      const race = { stream_name: RACE_STREAM, region: 'us-east-1', endpoint_url: `http://127.0.0.1:${proxy.port}/`, format: '%U', response_condition: 'req.url ~ "^/race/"' };
      for (const [field, value] of Object.entries(race)) out = setConfigItem(out, `race.${field}`, value);
      out = setConfigItem(out, 'main.response_condition', '!(req.url ~ "^/race/")');
      out = addSecret(out, 'race.access_key_id', 'AKIDLOCALDEVELOPMENT');
      return addSecret(out, 'race.secret_access_key', 'local-development-secret-not-a-real-key');
    },
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

async function recordsOfStream(stream: string, count: number) {
  const until = Date.now() + 30_000;
  for (;;) {
    const records = await readStream(kinesis.url, stream);
    if (records.length >= count || Date.now() > until) return records;
    await new Promise((r) => setTimeout(r, 250));
  }
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

  it('cold sandboxes that start together race for the KV lease: the winner lists, the others neither list nor wait past the cold-start wait', async () => {
    // The winner's ListShards is held until the others have sent their records: while it is held
    // no map can be in KV, so every other sandbox that needs one meets the winner's lease. Were the
    // lease not honoured, each would list on its own (counted here, and not held).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let listings = 0;
    let putsWhileHeld = 0;
    let holding = true;
    proxy.setFaults(({ operation, body }) => {
      if ((body as { StreamName?: string } | undefined)?.StreamName !== RACE_STREAM) return undefined;
      if (operation === 'ListShards') return ++listings === 1 ? { kind: 'hold', until: held } : undefined;
      if (holding) putsWhileHeld++;
      return undefined;
    }, ['ListShards', 'PutRecords']);
    try {
      await Promise.all(Array.from({ length: RACERS }, async (_, i) => (await app.fetch(`/race/${i}`)).arrayBuffer()));
      // The losers wait for the winner's map (up to 1.5 s, polling KV), then send by random hash keys.
      for (const until = Date.now() + 30_000; putsWhileHeld < RACERS - 1 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
      expect(putsWhileHeld).toBe(RACERS - 1);
      expect(listings).toBe(1);
    } finally {
      holding = false;
      release();
    }
    const raced = await recordsOfStream(RACE_STREAM, RACERS);
    expect(raced.map((r) => r.data).sort()).toEqual(Array.from({ length: RACERS }, (_, i) => `/race/${i}`).sort());
    expect(listings).toBe(1);
    proxy.setFaults(undefined, ['PutRecords']);
  });
});
