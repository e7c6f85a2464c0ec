import { describe, expect, it } from 'vitest';
import type { KinesisApi } from '../../../src/kinesis/api.js';
import { createEndpointRouter } from '../../../src/shards/index.js';
import { ShardPicker } from '../../../src/shards/picker.js';
import { mapRouter, randomKeyRouter, type ShardMapSource } from '../../../src/shards/router.js';
import { SharedShardMap, type StalenessEvidence } from '../../../src/shards/shared-map.js';
import { FakeKvStore } from '../../support/fakes/platform.js';
import { CountingListShards, equalShards } from '../../support/shards.js';
import { FakeClock } from '../../support/fake-clock.js';
import { seededRandom } from '../../support/seeded-random.js';

function setup(list = new CountingListShards(() => equalShards(4))) {
  const clock = new FakeClock();
  const shared = new SharedShardMap({
    streamName: 's',
    region: 'us-east-1',
    periodMs: 3_600_000,
    openKv: () => new FakeKvStore(clock.now),
    now: clock.now,
  });
  const router = mapRouter(shared, new ShardPicker({ random: seededRandom(9) }), list, randomKeyRouter(seededRandom(10)));
  return { clock, shared, router, list };
}

describe('mapRouter', () => {
  it('routes with the map: EHK, short key, shard id and map time on every target', async () => {
    const { router, shared } = setup();
    const targets = await router.plan(8);
    expect(targets).toHaveLength(8);
    for (const t of targets) {
      expect(t.partitionKey).toBe('a');
      expect(t.explicitHashKey).toBeDefined();
      expect(t.mapListedAtMs).toBe(shared.map!.listedAtMs);
    }
    expect(new Set(targets.map((t) => t.shardId)).size).toBe(4);
  });

  it('falls back to random partition keys when there is no map at all', async () => {
    const list = new CountingListShards(() => equalShards(4));
    list.fail = new Error('ListShards unreachable');
    const { router } = setup(list);
    const targets = await router.plan(3);
    expect(targets).toHaveLength(3);
    for (const t of targets) {
      expect(t.explicitHashKey).toBeUndefined();
      expect(t.shardId).toBeUndefined();
      expect(t.partitionKey).toMatch(/^[0-9a-f]{13}$/);
    }
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
    const router = mapRouter(source, new ShardPicker(), new CountingListShards(() => equalShards(2)), randomKeyRouter(seededRandom(11)));
    const [fallback] = await router.plan(1);
    // A random-key record has no predicted shard: wherever it lands says nothing about the map.
    router.observe(fallback, 'shardId-000000000001', 1_000);
    const predicted = { partitionKey: 'a', explicitHashKey: '5', shardId: 'shardId-000000000000', mapListedAtMs: 900 };
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

  it('passes avoid through to the picker', async () => {
    const { router } = setup();
    const first = await router.plan(1);
    const avoided = first[0].shardId!;
    for (let i = 0; i < 20; i++) expect((await router.plan(1, [avoided]))[0].shardId).not.toBe(avoided);
  });
});

describe('createEndpointRouter', () => {
  it('keeps state across executions and opens KV once, lazily', async () => {
    const clock = new FakeClock();
    const kv = new FakeKvStore(clock.now);
    let opened = 0;
    const routerFor = createEndpointRouter({
      streamName: 's',
      region: 'eu-west-1',
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
    await routerFor(api).plan(1);
    await routerFor(api).plan(1);
    expect(opened).toBe(1);
    expect(list.calls).toHaveLength(1);
  });
});
