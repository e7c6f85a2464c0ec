/**
 * SplitShard and MergeShards while traffic flows (kinesalite): records that land off their
 * target mark the map stale, the next request lists again under the lease, the new layout is
 * used within a few requests, and no record is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStream,
  mergeShards,
  openShards,
  randomStreamName,
  readStream,
  splitShard,
  startLocalKinesis,
  type LocalKinesis,
} from '../../support/local-kinesis.js';
import { AtomicFakeKvStore } from '../../unit/shards/helpers.js';
import { countBy, countingApi, deliver, lines, SimulatedInstance } from './helpers.js';

const SPACE = 1n << 128n;
/** The bound: the new layout is in use within this many requests after a reshard. */
const MAX_REQUESTS_TO_FOLLOW = 3;
let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.stop();
});

describe('resharding under traffic', () => {
  it('follows a split and then a merge within a few requests, losing nothing', async () => {
    const stream = randomStreamName('reshard');
    await createStream(kinesis.url, stream, 2);
    const api = countingApi(kinesis.url);
    const instance = new SimulatedInstance(stream, new AtomicFakeKvStore(Date.now));
    const sent: string[] = [];
    let request = 0;

    async function sendRequest(): Promise<Set<string>> {
      const batch = lines(`r${request++}`, 20);
      sent.push(...batch);
      const outcome = await deliver(instance, api, stream, batch);
      expect(outcome.delivered).toBe(batch.length);
      return new Set(instance.plans.at(-1)!.map((t) => t.shardId!));
    }

    /** Requests until every planned target is an open shard of the new layout, and all of them are used. */
    async function requestsUntilFollowed(): Promise<number> {
      const open = new Set((await openShards(kinesis.url, stream)).map((s) => s.ShardId));
      for (let n = 1; n <= 10; n++) {
        const targeted = await sendRequest();
        if ([...targeted].every((id) => open.has(id)) && targeted.size === open.size) return n;
      }
      return Infinity;
    }

    for (let i = 0; i < 3; i++) await sendRequest();
    expect(api.listShardsCalls).toBe(1);

    // Uneven split of shard 0 (→ 2 and 3) while traffic flows.
    await splitShard(kinesis.url, stream, 'shardId-000000000000', SPACE / 8n);
    const afterSplit = await requestsUntilFollowed();
    expect(afterSplit).toBeLessThanOrEqual(MAX_REQUESTS_TO_FOLLOW);
    expect(instance.shared.stats.invalidations).toBe(1);
    expect(api.listShardsCalls).toBe(2);

    // Merge the two children back (→ 4).
    await mergeShards(kinesis.url, stream, 'shardId-000000000002', 'shardId-000000000003');
    const afterMerge = await requestsUntilFollowed();
    expect(afterMerge).toBeLessThanOrEqual(MAX_REQUESTS_TO_FOLLOW);
    expect(api.listShardsCalls).toBe(3);

    // Traffic on the final layout is even again: shard 1 and shard 4 get equal shares.
    const mark = sent.length;
    for (let i = 0; i < 5; i++) await sendRequest();
    const stored = await readStream(kinesis.url, stream);
    expect(stored.map((r) => r.data).sort()).toEqual([...sent].sort());
    const late = new Set(sent.slice(mark));
    const perShard = countBy(stored.filter((r) => late.has(r.data)), (r) => r.shardId);
    expect(Object.fromEntries(perShard)).toEqual({ 'shardId-000000000001': 50, 'shardId-000000000004': 50 });
  });

  it('two instances sharing KV: the second adopts the first one\'s new map instead of listing', async () => {
    const stream = randomStreamName('reshard-kv');
    await createStream(kinesis.url, stream, 2);
    const kv = new AtomicFakeKvStore(Date.now);
    const api = countingApi(kinesis.url);
    const a = new SimulatedInstance(stream, kv);
    const b = new SimulatedInstance(stream, kv);
    await deliver(a, api, stream, lines('a0', 4));
    await deliver(b, api, stream, lines('b0', 4));
    expect(api.listShardsCalls).toBe(1);
    await splitShard(kinesis.url, stream, 'shardId-000000000001', (SPACE * 3n) / 4n);
    for (let r = 1; r <= 3; r++) {
      await deliver(a, api, stream, lines(`a${r}`, 4));
      await deliver(b, api, stream, lines(`b${r}`, 4));
    }
    expect(api.listShardsCalls).toBe(2);
    expect(b.shared.stats.adoptedFromKv).toBe(2);
    expect(b.shared.map!.shards.map((s) => s.shardId)).toEqual(['shardId-000000000000', 'shardId-000000000002', 'shardId-000000000003']);
  });
});
