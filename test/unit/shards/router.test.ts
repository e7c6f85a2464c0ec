import { describe, expect, it } from 'vitest';
import type { KinesisApi } from '../../../src/kinesis/api.js';
import { createStreamRouter } from '../../../src/shards/index.js';
import { kvShardMapStore } from '../../../src/shards/map-store.js';
import { ShardPicker } from '../../../src/shards/picker.js';
import { mapRouter, type ShardMapSource } from '../../../src/shards/router.js';
import { SharedShardMap } from '../../../src/shards/shared-map.js';
import type { StalenessEvidence } from '../../../src/shards/types.js';
import { parseHashKey } from '../../../src/kinesis/keys.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { countBy } from '../../support/fleet.js';
import { CountingListShards, equalShards } from '../../support/shards.js';
import { FakeClock } from '../../support/fake-clock.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

const noReports = (problem: string) => {
  throw new Error(`unexpected report: ${problem}`);
};

function setup(list = new CountingListShards(() => equalShards(4)), report: (problem: string) => void = () => {}) {
  const clock = new FakeClock();
  const shared = new SharedShardMap({
    streamName: 's',
    periodMs: 3_600_000,
    openStore: () => kvShardMapStore(new FakeKvStore(clock.now), { scope: '123456789012/us-east-1/kinesis.us-east-1.amazonaws.com/s', holderId: 'h', now: clock.now, report: noReports }),
    now: clock.now,
  });
  const router = mapRouter({ source: shared, picker: new ShardPicker({ random: seededRandom(9) }), random: seededRandom(10), report }, list);
  return { clock, shared, router, list };
}

describe('mapRouter', () => {
  it('routes with the map: EHK, shard id and map time on every route (the partition key is the record\'s)', async () => {
    const { router, shared } = setup();
    const targets = await router.plan(8);
    expect(targets).toHaveLength(8);
    for (const t of targets) {
      expect(t).not.toHaveProperty('partitionKey');
      expect(t.explicitHashKey).toBeDefined();
      expect(t.mapListedAtMs).toBe(shared.map!.listedAtMs);
    }
    expect(new Set(targets.map((t) => t.shardId)).size).toBe(4);
  });

  it('falls back to random hash keys over the whole space when there is no map at all', async () => {
    const list = new CountingListShards(() => equalShards(4));
    list.fail = new Error('ListShards unreachable');
    const { router } = setup(list);
    const targets = await router.plan(400);
    expect(targets).toHaveLength(400);
    for (const t of targets) {
      expect(t.shardId).toBeUndefined();
      expect(parseHashKey(t.explicitHashKey)).toBeDefined();
    }
    // Spread over the space as MD5 of random keys would be: each quarter gets a share.
    const quarters = countBy(targets, (t) => String(BigInt(t.explicitHashKey) >> 126n));
    expect([...quarters.keys()].sort()).toEqual(['0', '1', '2', '3']);
    for (const n of quarters.values()) expect(n).toBeGreaterThan(60);
  });

  it('learns nothing from records without a prediction or that landed where predicted; passes on the rest as evidence', async () => {
    const evidence: StalenessEvidence[] = [];
    const source: ShardMapSource = {
      current: async () => undefined,
      invalidate: (e) => {
        evidence.push(e);
        return true;
      },
    };
    const router = mapRouter({ source, picker: new ShardPicker(), random: seededRandom(11), report: noReports }, new CountingListShards(() => equalShards(2)));
    const [fallback] = await router.plan(1);
    // A random-key record has no predicted shard: wherever it lands says nothing about the map.
    router.observe(fallback, 'shardId-000000000001', 1_000);
    const predicted = { explicitHashKey: '5', shardId: 'shardId-000000000000', mapListedAtMs: 900 };
    router.observe(predicted, 'shardId-000000000000', 1_000);
    expect(evidence).toEqual([]);
    router.observe(predicted, 'shardId-000000000003', 1_000);
    expect(evidence).toEqual([{ seenAtMs: 1_000, predictedShardId: 'shardId-000000000000', landedShardId: 'shardId-000000000003', plannedWithListedAtMs: 900 }]);
  });

  it('a record landing off its target marks the map stale; the next plan refreshes', async () => {
    let layout = equalShards(2);
    const { router, shared, clock, list } = setup(new CountingListShards(() => layout));
    const [target] = await router.plan(1);
    clock.advance(5);
    layout = equalShards(3, 2);
    router.observe(target, target.shardId!, clock.ms); // landed where targeted: nothing learned
    expect(shared.state).toBe('ready');
    router.observe(target, 'shardId-000000000002', clock.ms - 10); // sent before the listing: ignored
    expect(shared.state).toBe('ready');
    router.observe(target, 'shardId-000000000002', clock.ms);
    expect(shared.state).toBe('invalid');
    expect(list.calls).toHaveLength(1);
    const next = await router.plan(3);
    expect(list.calls).toHaveLength(2);
    expect(next.map((t) => t.shardId).sort()).toEqual(['shardId-000000000002', 'shardId-000000000003', 'shardId-000000000004']);
  });

  it('a map source or picker that fails is a bug it reports; the records still get routes, by random hash keys', async () => {
    const reports: string[] = [];
    const failing: ShardMapSource = { current: () => Promise.reject(new Error('boom')), invalidate: () => false };
    const router = mapRouter({ source: failing, picker: new ShardPicker(), random: seededRandom(12), report: (p) => reports.push(p) }, new CountingListShards(() => []));
    const targets = await router.plan(3);
    expect(targets.map((t) => t.shardId)).toEqual([undefined, undefined, undefined]);
    expect(new Set(targets.map((t) => t.explicitHashKey)).size).toBe(3);
    expect(reports).toEqual(['shard router failed (boom); sending with random hash keys']);

    // A picker answering the wrong number of targets breaks the contract just the same.
    const { shared } = setup();
    const short = mapRouter({ source: shared, picker: { pick: () => [] }, random: seededRandom(13), report: (p) => reports.push(p) }, new CountingListShards(() => equalShards(2)));
    expect(await short.plan(2)).toHaveLength(2);
    expect(reports.at(-1)).toBe('shard router failed (picked 0 routes for 2 records); sending with random hash keys');
  });

  it('passes avoid through to the picker', async () => {
    const { router } = setup();
    const first = await router.plan(1);
    const avoided = first[0].shardId!;
    for (let i = 0; i < 20; i++) expect((await router.plan(1, [avoided]))[0].shardId).not.toBe(avoided);
  });
});

describe('createStreamRouter', () => {
  it('keeps state across executions and opens KV once, lazily', async () => {
    const clock = new FakeClock();
    const kv = new FakeKvStore(clock.now);
    let opened = 0;
    const stream = createStreamRouter({
      scope: '123456789012/eu-west-1/kinesis.eu-west-1.amazonaws.com/s',
      streamName: 's',
      periodSeconds: 3600,
      openKv: () => {
        opened++;
        return kv;
      },
      report: () => {},
      now: clock.now,
    });
    expect(opened).toBe(0);
    const list = new CountingListShards(() => equalShards(4));
    const api = { ...list, listShards: list.listShards.bind(list) } as unknown as KinesisApi;
    await stream.routerFor(api).plan(1);
    await stream.routerFor(api).plan(1);
    expect(opened).toBe(1);
    expect(list.calls).toHaveLength(1);
    expect(stream.stats()).toMatchObject({ state: 'ready', shards: 4, listedAtMs: clock.ms, mapAgeMs: 0, listShardsRounds: 1, listShardsCalls: 1 });
  });
});
