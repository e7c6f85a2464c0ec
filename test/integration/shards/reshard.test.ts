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
} from '../../../src/testing/local-kinesis.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { countBy, fleetOf, lines } from '../../support/fleet.js';

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
    const [instance] = fleetOf(1, kinesis.url, stream);
    const listShardsCalls = () => instance.streamStats().shardMap.listShardsCalls;
    const sent: string[] = [];
    let request = 0;

    /** One request of 20 lines: how many landed off the shard they were planned for, and the shards they landed on. */
    async function sendRequest(): Promise<{ misrouted: number; landedOn: Set<string> }> {
      const batch = lines(`r${request++}`, 20);
      sent.push(...batch);
      const { outcome } = await instance.deliver(batch);
      expect(outcome.delivered).toBe(batch.length);
      const mine = new Set(batch);
      const landedOn = new Set((await readStream(kinesis.url, stream)).filter((r) => mine.has(r.data)).map((r) => r.shardId));
      return { misrouted: outcome.misrouted, landedOn };
    }

    /**
     * Requests until the new layout is in use: every record landed on the shard it was planned for
     * (a map that misses the reshard plans for a closed shard), and every open shard got records.
     */
    async function requestsUntilFollowed(): Promise<number> {
      const open = (await openShards(kinesis.url, stream)).map((s) => s.ShardId);
      for (let n = 1; n <= 10; n++) {
        const { misrouted, landedOn } = await sendRequest();
        if (misrouted === 0 && open.every((id) => landedOn.has(id)) && landedOn.size === open.length) return n;
      }
      return Infinity;
    }

    for (let i = 0; i < 3; i++) expect((await sendRequest()).misrouted).toBe(0);
    expect(listShardsCalls()).toBe(1);

    // Uneven split of shard 0 (→ 2 and 3) while traffic flows.
    await splitShard(kinesis.url, stream, 'shardId-000000000000', SPACE / 8n);
    const afterSplit = await requestsUntilFollowed();
    expect(afterSplit).toBeGreaterThan(1); // the first request after the split still used the old map
    expect(afterSplit).toBeLessThanOrEqual(MAX_REQUESTS_TO_FOLLOW);
    expect(instance.streamStats().shardMap.invalidations).toBe(1);
    expect(listShardsCalls()).toBe(2);

    // Merge the two children back (→ 4).
    await mergeShards(kinesis.url, stream, 'shardId-000000000002', 'shardId-000000000003');
    const afterMerge = await requestsUntilFollowed();
    expect(afterMerge).toBeLessThanOrEqual(MAX_REQUESTS_TO_FOLLOW);
    expect(listShardsCalls()).toBe(3);

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
    const [a, b] = fleetOf(2, kinesis.url, stream, { kv: new FakeKvStore(Date.now) });
    const listShardsCalls = () => a.streamStats().shardMap.listShardsCalls + b.streamStats().shardMap.listShardsCalls;
    await a.deliver(lines('a0', 4));
    await b.deliver(lines('b0', 4));
    expect(listShardsCalls()).toBe(1);
    await splitShard(kinesis.url, stream, 'shardId-000000000001', (SPACE * 3n) / 4n);
    let lastOfB;
    for (let r = 1; r <= 3; r++) {
      await a.deliver(lines(`a${r}`, 4));
      lastOfB = await b.deliver(lines(`b${r}`, 4));
    }
    expect(listShardsCalls()).toBe(2);
    expect(b.streamStats().shardMap).toMatchObject({ adoptedFromKv: 2, listShardsRounds: 0, shards: 3, state: 'ready' });
    // b routes with a's new map: its last request landed exactly where it was planned.
    expect(lastOfB!.outcome.misrouted).toBe(0);
  });
});
