import { beforeEach, describe, expect, it } from 'vitest';
import type { Shard } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';
import { encodeShardMap, fromShards } from '../../../src/shards/shard-map.js';
import type { KvStoreLike } from '../../../src/platform/types.js';
import { kvShardMapStore, LEASE_KEY_PREFIX, mapKey } from '../../../src/shards/map-store.js';
import { MAX_MAP_CLOCK_SKEW_MS, SharedShardMap, type SharedShardMapOptions } from '../../../src/shards/shared-map.js';
import { CountingKinesisMetadata, CountingListShards, equalShards, PagingListShards } from '../../support/shards.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { FakeClock } from '../../support/fake-clock.js';

const STREAM = 'logs';
const SCOPE = `123456789012/us-east-1/kinesis.us-east-1.amazonaws.com/${STREAM}`;
const PERIOD_MS = 60_000;
/** A shard id no test layout has (where an evidence record landed). */
const ELSEWHERE = 'shardId-000000000777';

let clock: FakeClock;
let kv: FakeKvStore;
let layout: Shard[];
let api: CountingListShards;
let reports: string[];

beforeEach(() => {
  clock = new FakeClock();
  kv = new FakeKvStore(clock.now);
  layout = equalShards(4);
  api = new CountingListShards(() => layout);
  reports = [];
});

/**
 * One instance's map over the fleet's KV store as shards/index.ts wires it (kvShardMapStore);
 * `openKv: undefined` = no KV store, one that throws = a store that cannot be opened.
 */
function instance(overrides: Partial<SharedShardMapOptions> & { openKv?: () => KvStoreLike; leaseSlotMs?: number; holderId?: string } = {}): SharedShardMap {
  const { openKv = () => kv, leaseSlotMs, holderId = 'holder', ...options } = overrides;
  const hasKv = !('openKv' in overrides) || overrides.openKv !== undefined;
  const report = (line: string) => reports.push(line);
  return new SharedShardMap({
    streamName: STREAM,
    periodMs: PERIOD_MS,
    openStore: hasKv ? () => kvShardMapStore(openKv(), { scope: SCOPE, holderId, now: clock.now, leaseSlotMs, report }) : undefined,
    report,
    now: clock.now,
    ...options,
  });
}

function ids(map: { shards: readonly { shardId: string }[] } | undefined): string[] {
  return map?.shards.map((s) => s.shardId) ?? [];
}

describe('SharedShardMap: memory, then KV, then ListShards', () => {
  it('lists on first use, keeps the map in memory and shares it in KV', async () => {
    const a = instance();
    expect(a.state).toBe('invalid');
    const map = await a.current(api);
    expect(ids(map)).toEqual(ids({ shards: equalShards(4).map((s) => ({ shardId: s.ShardId })) }));
    expect(a.state).toBe('ready');
    expect(map!.listedAtMs).toBe(clock.ms);
    expect(JSON.parse((await kv.get(mapKey(SCOPE)))!)).toMatchObject({ v: 2, scope: SCOPE, listedAtMs: clock.ms });
    clock.advance(PERIOD_MS - 1);
    const gets = kv.gets;
    expect(await a.current(api)).toBe(map);
    expect(api.calls).toHaveLength(1);
    expect(kv.gets).toBe(gets); // a ready map costs no KV read
  });

  it('a second instance takes the map from KV without listing', async () => {
    await instance().current(api);
    clock.advance(5_000);
    const b = instance();
    const map = await b.current(api);
    expect(map?.shards).toHaveLength(4);
    expect(api.calls).toHaveLength(1);
    expect(b.stats.adoptedFromKv).toBe(1);
    expect(b.state).toBe('ready');
  });

  it('refreshes once the period has passed: one instance lists, the others read its map', async () => {
    const fleet = Array.from({ length: 20 }, () => instance());
    const first = await Promise.all(fleet.map((i) => i.current(api)));
    expect(api.calls).toHaveLength(1);
    // Cold instances that lost the lease wait (polling KV) for the winner's map instead of routing
    // their first records with random keys.
    expect(first.filter((m) => m === undefined)).toHaveLength(0);
    expect(fleet.reduce((sum, i) => sum + i.stats.adoptedFromKv, 0)).toBe(19);
    expect(fleet.every((i) => i.state === 'ready')).toBe(true);
    clock.advance(PERIOD_MS);
    layout = equalShards(8, 10);
    await Promise.all(fleet.map((i) => i.current(api)));
    expect(api.calls).toHaveLength(2);
    // Losers keep routing with the old map and look again after leaseRecheckMs.
    const losers = fleet.filter((i) => i.map!.shards.length === 4);
    expect(losers.length).toBe(19);
    expect(losers.every((i) => i.state === 'invalid')).toBe(true);
    clock.advance(1_000);
    await Promise.all(fleet.map((i) => i.current(api)));
    expect(fleet.every((i) => i.map!.shards.length === 8 && i.state === 'ready')).toBe(true);
    expect(api.calls).toHaveLength(2);
  });

  it('concurrent plans in one instance share a single refresh', async () => {
    const a = instance();
    const maps = await Promise.all([a.current(api), a.current(api), a.current(api)]);
    expect(new Set(maps).size).toBe(1);
    expect(maps[0]).toBeDefined();
    expect(api.calls).toHaveLength(1);
  });
});

describe('SharedShardMap: the lease', () => {
  it('is written with insert-if-absent and a short TTL, named after the map it replaces', async () => {
    const puts: Array<{ key: string; mode?: string; ttl?: number }> = [];
    const spy = new FakeKvStore(clock.now);
    const put = spy.put.bind(spy);
    spy.put = async (key, value, options) => {
      puts.push({ key, mode: options?.mode, ttl: options?.ttl });
      return put(key, value, options);
    };
    await instance({ openKv: () => spy }).current(api);
    const slot = Math.floor(clock.ms / 10_000);
    // This slot's key and the next one's: the lease outlasts the slot boundary.
    expect(puts[0]).toEqual({ key: `${LEASE_KEY_PREFIX}/${SCOPE}/0/${slot}`, mode: 'add', ttl: 20 });
    expect(puts[1]).toEqual({ key: `${LEASE_KEY_PREFIX}/${SCOPE}/0/${slot + 1}`, mode: 'add', ttl: 20 });
    expect(puts[2]).toMatchObject({ key: mapKey(SCOPE), mode: undefined });
    expect(puts).toHaveLength(3);
  });

  it('protects the holder for its full length even when taken just before a slot boundary', async () => {
    // The holder's ListShards is still running when the contenders come.
    let finishListing!: (shards: Shard[]) => void;
    let holderLists = 0;
    const holder = instance({
      listShards: () => {
        holderLists++;
        return new Promise<Shard[]>((resolve) => (finishListing = resolve));
      },
    });
    let contenderLists = 0;
    const contender = () =>
      instance({
        coldStartWaitMs: 0,
        listShards: async () => {
          contenderLists++;
          return layout;
        },
      });
    const boundary = (Math.floor(clock.ms / 10_000) + 1) * 10_000;
    const takenAt = boundary - 1;
    clock.ms = takenAt;
    const holding = holder.current(api);
    await new Promise((r) => setTimeout(r, 0));
    expect(holderLists).toBe(1);

    // Just after the boundary, and until a whole lease length has passed: the holder keeps it.
    for (const after of [2, 5_000, 10_000 - 1]) {
      clock.ms = takenAt + after;
      const c = contender();
      expect(await c.current(api)).toBeUndefined();
      expect(c.stats.leaseHeldElsewhere).toBe(1);
    }
    expect(contenderLists).toBe(0);
    // Two slots on, a holder that has not written a map by now is presumed dead.
    clock.ms = boundary + 10_000;
    expect(await contender().current(api)).toBeDefined();
    expect(contenderLists).toBe(1);

    finishListing(layout);
    expect(await holding).toBeDefined();
    expect(holder.state).toBe('ready');
  });

  it('when another instance holds it: no ListShards, the current map stays in use', async () => {
    const a = instance();
    await a.current(api);
    clock.advance(PERIOD_MS);
    const generation = a.map!.listedAtMs;
    await kv.put(`${LEASE_KEY_PREFIX}/${SCOPE}/${generation}/${Math.floor(clock.ms / 10_000)}`, 'x', { mode: 'add', ttl: 20 });
    const before = a.map;
    expect(await a.current(api)).toBe(before);
    expect(api.calls).toHaveLength(1);
    expect(a.stats.leaseHeldElsewhere).toBe(1);
    expect(a.state).toBe('invalid');
    // Within the recheck delay nothing is tried again.
    clock.advance(999);
    await a.current(api);
    expect(kv.gets).toBe(2);
  });

  it('a holder that died blocks the others until the end of the slot after its own, no longer', async () => {
    const a = instance();
    await a.current(api);
    clock.advance(PERIOD_MS);
    // The dead holder's lease, taken in this slot (both keys); it never writes a map.
    const slot = Math.floor(clock.ms / 10_000);
    for (const s of [slot, slot + 1]) await kv.put(`${LEASE_KEY_PREFIX}/${SCOPE}/${a.map!.listedAtMs}/${s}`, 'dead', { mode: 'add', ttl: 20 });
    while (Math.floor(clock.ms / 10_000) <= slot + 1) {
      await a.current(api);
      clock.advance(1_000);
    }
    expect(api.calls).toHaveLength(1);
    await a.current(api);
    expect(api.calls).toHaveLength(2);
    expect(a.state).toBe('ready');
  });

  it('a map that was just replaced does not block the next refresh (staleness right after a listing)', async () => {
    const a = instance();
    await a.current(api);
    clock.advance(10);
    layout = equalShards(5, 20);
    expect(a.invalidate({ seenAtMs: clock.ms, predictedShardId: a.map!.shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: a.map!.listedAtMs })).toBe(true);
    clock.advance(10);
    await a.current(api);
    expect(api.calls).toHaveLength(2);
    expect(a.map!.shards).toHaveLength(5);
  });

  it('the holder retries within its own slot after a failure without locking itself out', async () => {
    const a = instance();
    api.fail = new AwsCallError('InternalFailure', 'boom', 500);
    await a.current(api);
    expect(a.map).toBeUndefined();
    api.fail = undefined;
    clock.advance(1_000);
    expect(await a.current(api)).toBeDefined();
    expect(api.calls).toHaveLength(2);
  });
});

describe('SharedShardMap: failures keep the old map and back off', () => {
  it('backs off 1 s ×1.5 up to 30 s and resets after a success', async () => {
    const a = instance({ openKv: undefined });
    await a.current(api);
    clock.advance(PERIOD_MS);
    api.fail = new AwsCallError('LimitExceededException', 'Rate exceeded', 400);
    const old = a.map;
    const waits: number[] = [];
    await a.current(api);
    let lastCall = api.calls.length;
    let lastAt = clock.ms;
    while (waits.length < 12) {
      clock.advance(50);
      expect(await a.current(api)).toBe(old);
      if (api.calls.length !== lastCall) {
        waits.push(clock.ms - lastAt);
        lastCall = api.calls.length;
        lastAt = clock.ms;
      }
    }
    expect(waits.slice(0, 5)).toEqual([1000, 1500, 2250, 3400, 5100]);
    expect(waits.slice(-2)).toEqual([30_000, 30_000]);
    expect(a.stats.refreshFailures).toBe(13);
    expect(reports[0]).toMatch(/ListShards failed: LimitExceededException Rate exceeded; keeping the previous shard map/);
    api.fail = undefined;
    clock.advance(30_000);
    await a.current(api);
    expect(a.state).toBe('ready');
    // Backoff is back at its minimum.
    clock.advance(PERIOD_MS);
    api.fail = new Error('down');
    await a.current(api);
    const at = api.calls.length;
    clock.advance(999);
    await a.current(api);
    expect(api.calls.length).toBe(at);
    clock.advance(1);
    await a.current(api);
    expect(api.calls.length).toBe(at + 1);
  });

  it.each([
    ['a gap', () => equalShards(4).filter((_, i) => i !== 2)],
    ['an overlap', () => [...equalShards(4), ...equalShards(2, 50)]],
    ['an empty list', () => []],
  ])('an answer with %s keeps the previous map', async (_, broken) => {
    const a = instance();
    await a.current(api);
    const old = a.map;
    clock.advance(PERIOD_MS);
    layout = broken();
    expect(await a.current(api)).toBe(old);
    expect(a.state).toBe('invalid');
    expect(reports.at(-1)).toMatch(/inconsistent layout/);
    expect(JSON.parse((await kv.get(mapKey(SCOPE)))!).listedAtMs).toBe(old!.listedAtMs);
  });

  it('reports a refused signature without the signing material AWS echoes', async () => {
    const token = 'IQoJb3JpZ2luX2VjEXAMPLE-shard-map-token';
    const echo =
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\n' +
      `The Canonical String for this request should have been\n'POST\n/\n\nx-amz-security-token:${token}\nx-amz-target:Kinesis_20131202.ListShards\n'`;
    // An AwsCallError (gated where it is made) and any other error (gated where the report is written).
    for (const fail of [new AwsCallError('InvalidSignatureException', echo, 400), new Error(`InvalidSignatureException ${echo}`)]) {
      api.fail = fail;
      reports = [];
      const a = instance({ openKv: undefined });
      await a.current(api);
      expect(reports).toEqual([
        'ListShards failed: InvalidSignatureException The request signature we calculated does not match the signature you provided.; keeping the previous shard map',
      ]);
    }
  });

  it('with no map at all and ListShards failing, it answers undefined (the router falls back)', async () => {
    api.fail = new Error('no route');
    const a = instance();
    expect(await a.current(api)).toBeUndefined();
    expect(a.state).toBe('invalid');
  });
});

describe('SharedShardMap: the requests a refresh may spend', () => {
  /** 12 shards in pages of 4: a round costs 3 requests. */
  function threePages() {
    layout = equalShards(12);
    return new PagingListShards(() => layout, 4);
  }

  it('does not start a refresh whose pages do not fit: no lease, no ListShards, the old map keeps routing', async () => {
    const paging = threePages();
    const a = instance();
    await a.current(paging);
    expect(paging.calls).toHaveLength(3);
    const old = a.map;
    clock.advance(PERIOD_MS);
    const puts = kv.puts;
    expect(await a.current(paging, { maxRequests: 2 })).toBe(old);
    expect(paging.calls).toHaveLength(3);
    expect(kv.puts).toBe(puts); // no lease taken that would hold up the others
    expect(a.state).toBe('invalid');
    expect(a.stats).toMatchObject({ refreshesDeferred: 1, refreshFailures: 0 });
    expect(reports).toEqual([]);
    // Not a failure: no backoff. The next call with room lists at once.
    expect(await a.current(paging, { maxRequests: 3 })).not.toBe(old);
    expect(paging.calls).toHaveLength(6);
    expect(a.state).toBe('ready');
  });

  it('stops a round that needs more pages than allowed, and asks for more room next time', async () => {
    const paging = threePages();
    // Cold, knowing nothing of the stream: one page expected, two allowed.
    const a = instance({ openKv: undefined });
    expect(await a.current(paging, { maxRequests: 2 })).toBeUndefined();
    expect(paging.calls).toHaveLength(2);
    expect(a.stats).toMatchObject({ refreshesDeferred: 1, refreshFailures: 0 });
    // Now it knows the round needs at least 3: with 2 allowed it does not even start.
    await a.current(paging, { maxRequests: 2 });
    expect(paging.calls).toHaveLength(2);
    expect(ids(await a.current(paging, { maxRequests: 3 }))).toHaveLength(12);
    expect(paging.calls).toHaveLength(5);
  });

  it('still adopts a map from KV when no request can be spared (reading KV costs none)', async () => {
    await instance().current(api);
    clock.advance(5_000);
    const b = instance();
    expect(await b.current(api, { maxRequests: 0 })).toBeDefined();
    expect(b.stats.adoptedFromKv).toBe(1);
    expect(api.calls).toHaveLength(1);
  });

  it('a map in hand tells how many pages to expect (a map from KV of 2,500 shards: 3 pages)', async () => {
    layout = equalShards(2500);
    await instance().current(api);
    const b = instance();
    await b.current(api);
    clock.advance(PERIOD_MS);
    expect(await b.current(api, { maxRequests: 2 })).toBe(b.map);
    expect(b.stats.refreshesDeferred).toBe(1);
    expect(api.calls).toHaveLength(1);
  });
});

describe('SharedShardMap: without KV', () => {
  it('a missing store means memory-only maps, reported once', async () => {
    const a = instance({
      openKv: () => {
        throw new TypeError("KVStore constructor: No KVStore named 'kinesis_logger_state' exists");
      },
    });
    expect(await a.current(api)).toBeDefined();
    clock.advance(PERIOD_MS);
    await a.current(api);
    expect(api.calls).toHaveLength(2);
    expect(reports).toEqual([expect.stringMatching(/KV store cannot be opened .*No KVStore named/)]);
  });

  it('a failing or rate-limited store: the instance lists on its own', async () => {
    kv.failWith = new TypeError('KVStore insert: Too many requests.');
    const a = instance();
    expect(await a.current(api)).toBeDefined();
    expect(api.calls).toHaveLength(1);
    expect(a.stats.kvFailures).toBe(1);
    expect(reports[0]).toMatch(/KV store failed reading the shard map \(KVStore insert: Too many requests.\)/);
  });

  it('a store that reads but refuses the lease write for another reason: lists on its own', async () => {
    const a = instance();
    const put = kv.put.bind(kv);
    kv.put = async (key, value, options) => {
      if (options?.mode === 'add') throw new TypeError('KVStore insert: Too many requests.');
      return put(key, value, options);
    };
    expect(await a.current(api)).toBeDefined();
    expect(api.calls).toHaveLength(1);
    expect(reports[0]).toMatch(/taking the refresh lease/);
  });

  it('ignores a damaged KV entry and replaces it', async () => {
    await kv.put(mapKey(SCOPE), '{"v":1,"streamName":"logs"');
    const a = instance();
    expect(await a.current(api)).toBeDefined();
    expect(api.calls).toHaveLength(1);
    expect(reports[0]).toMatch(/ignored \(not JSON\)/);
    expect(JSON.parse((await kv.get(mapKey(SCOPE)))!).v).toBe(2);
  });
});

describe('SharedShardMap: staleness evidence', () => {
  async function readyInstance(): Promise<SharedShardMap> {
    const a = instance();
    await a.current(api);
    return a;
  }

  it('counts only evidence from calls sent after the map was listed', async () => {
    const a = await readyInstance();
    const { listedAtMs, shards } = a.map!;
    expect(a.invalidate({ seenAtMs: listedAtMs - 1, predictedShardId: shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: listedAtMs })).toBe(false);
    expect(a.invalidate({ seenAtMs: listedAtMs, predictedShardId: shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: listedAtMs })).toBe(false);
    expect(a.state).toBe('ready');
    expect(a.invalidate({ seenAtMs: listedAtMs + 1, predictedShardId: shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: listedAtMs })).toBe(true);
    expect(a.state).toBe('invalid');
    // Once invalid, further evidence does nothing more.
    expect(a.invalidate({ seenAtMs: listedAtMs + 2, predictedShardId: shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: listedAtMs })).toBe(false);
    expect(a.stats.invalidations).toBe(1);
  });

  it('ignores evidence about a shard the map does not have, or a record planned with another map', async () => {
    const a = await readyInstance();
    const { listedAtMs, shards } = a.map!;
    expect(a.invalidate({ seenAtMs: listedAtMs + 1, predictedShardId: 'shardId-000000000999', landedShardId: ELSEWHERE, plannedWithListedAtMs: listedAtMs })).toBe(false);
    expect(a.invalidate({ seenAtMs: listedAtMs + 1, predictedShardId: shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: listedAtMs - 5 })).toBe(false);
    expect(a.state).toBe('ready');
  });

  it('stale map → the next current() refreshes through KV first, then the lease', async () => {
    const a = await readyInstance();
    const b = instance();
    await b.current(api);
    clock.advance(100);
    layout = equalShards(6, 10);
    // b sees the evidence first and lists; a, stale later, finds b's newer map in KV.
    b.invalidate({ seenAtMs: clock.ms, predictedShardId: b.map!.shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: b.map!.listedAtMs });
    await b.current(api);
    expect(api.calls).toHaveLength(2);
    clock.advance(100);
    a.invalidate({ seenAtMs: clock.ms - 150, predictedShardId: a.map!.shards[0].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: a.map!.listedAtMs });
    await a.current(api);
    expect(api.calls).toHaveLength(2);
    expect(a.map!.shards).toHaveLength(6);
    expect(a.stats.adoptedFromKv).toBe(0 + 1);
  });

  it('a KV map listed a little before the evidence answers it when it holds the shard the record landed on', async () => {
    const a = await readyInstance();
    const b = instance();
    await b.current(api);
    clock.advance(100);
    layout = equalShards(6, 10);
    b.invalidate({ seenAtMs: clock.ms, predictedShardId: b.map!.shards[0].shardId, landedShardId: 'shardId-000000000010', plannedWithListedAtMs: b.map!.listedAtMs });
    await b.current(api); // b lists at this time
    clock.advance(50);
    // a's record was sent after b started listing, and landed on one of the new shards.
    a.invalidate({ seenAtMs: clock.ms, predictedShardId: a.map!.shards[0].shardId, landedShardId: 'shardId-000000000011', plannedWithListedAtMs: a.map!.listedAtMs });
    await a.current(api);
    expect(api.calls).toHaveLength(2);
    expect(a.map!.shards).toHaveLength(6);
    // Landing on a shard that KV's map does not have either: that map does not answer the evidence.
    clock.advance(50);
    layout = equalShards(2, 40);
    a.invalidate({ seenAtMs: clock.ms, predictedShardId: a.map!.shards[0].shardId, landedShardId: 'shardId-000000000040', plannedWithListedAtMs: a.map!.listedAtMs });
    await a.current(api);
    expect(api.calls).toHaveLength(3);
    expect(a.map!.shards).toHaveLength(2);
  });

  it('a KV map listed before the evidence does not answer it', async () => {
    const a = await readyInstance();
    clock.advance(100);
    layout = equalShards(3, 30);
    a.invalidate({ seenAtMs: clock.ms, predictedShardId: a.map!.shards[1].shardId, landedShardId: ELSEWHERE, plannedWithListedAtMs: a.map!.listedAtMs });
    clock.advance(1);
    await a.current(api);
    expect(api.calls).toHaveLength(2);
    expect(a.map!.shards).toHaveLength(3);
  });

  it('a fresh instance routes with an expired KV map while another instance holds the lease', async () => {
    await instance().current(api);
    clock.advance(PERIOD_MS + 5);
    const slot = Math.floor(clock.ms / 10_000);
    const listedAtMs = JSON.parse((await kv.get(mapKey(SCOPE)))!).listedAtMs as number;
    await kv.put(`${LEASE_KEY_PREFIX}/${SCOPE}/${listedAtMs}/${slot}`, 'busy', { mode: 'add', ttl: 20 });
    const fresh = instance();
    expect((await fresh.current(api))?.listedAtMs).toBe(listedAtMs);
    expect(fresh.state).toBe('invalid');
    expect(api.calls).toHaveLength(1);
  });

  it('does not go back to an older KV map than its own', async () => {
    const a = await readyInstance();
    const mine = a.map!;
    const older = fromShards([{ shardId: 'old', start: 0n, end: (1n << 128n) - 1n }], mine.listedAtMs - 10);
    if (!older.ok) throw new Error(older.reason);
    await kv.put(mapKey(SCOPE), encodeShardMap(older.map, SCOPE));
    clock.advance(PERIOD_MS - 5);
    // Age-expired later; KV's entry is older than ours, so it lists instead of adopting.
    clock.advance(10);
    await a.current(api);
    expect(a.map!.shards.map((s) => s.shardId)).not.toContain('old');
  });
});

describe('SharedShardMap: maps dated ahead of the clock', () => {
  const plant = async (listedAtMs: number) => {
    const map = fromShards([{ shardId: 'planted', start: 0n, end: (1n << 128n) - 1n }], listedAtMs);
    if (!map.ok) throw new Error(map.reason);
    await kv.put(mapKey(SCOPE), encodeShardMap(map.map, SCOPE));
  };

  it('refuses a map dated more than the skew ahead, reports it, lists and overwrites it', async () => {
    await plant(Date.UTC(2100, 0, 1));
    const a = instance();
    const map = await a.current(api);
    expect(ids(map)).not.toContain('planted');
    expect(api.calls).toHaveLength(1);
    expect(reports).toEqual([expect.stringMatching(/^KV shard map listed at 2100-01-01T00:00:00\.000Z is dated more than 30 s ahead/)]);
    expect(JSON.parse((await kv.get(mapKey(SCOPE)))!).listedAtMs).toBe(clock.ms);
  });

  it('takes a map dated a little ahead (clock skew), but trusts it for the period from when it took it, not from its date', async () => {
    await plant(clock.ms + MAX_MAP_CLOCK_SKEW_MS);
    const a = instance();
    expect(ids(await a.current(api))).toEqual(['planted']);
    expect(api.calls).toHaveLength(0);
    clock.advance(PERIOD_MS - 1);
    expect(ids(await a.current(api))).toEqual(['planted']);
    // One period after taking it, whatever its date says: listed again (the KV copy is no fresher).
    clock.advance(1);
    expect(ids(await a.current(api))).not.toContain('planted');
    expect(api.calls).toHaveLength(1);
  });

  it('never stays on a map dated ahead for more than a period: every period it lists again', async () => {
    await plant(clock.ms + MAX_MAP_CLOCK_SKEW_MS);
    const a = instance();
    await a.current(api);
    let listings = api.calls.length;
    for (let period = 0; period < 5; period++) {
      clock.advance(PERIOD_MS);
      await a.current(api);
      expect(api.calls.length).toBeGreaterThan(listings);
      listings = api.calls.length;
    }
  });
});

describe("SharedShardMap: the stream's maximum record size, read with each listing", () => {
  const MIB = 1024 * 1024;
  const raised = () => ({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', MaxRecordSizeInKiB: 10240 } });

  it('asks DescribeStreamSummary once per listing, keeps the answer in the map and in KV; the fleet learns it from KV', async () => {
    const metadata = new CountingKinesisMetadata(() => layout, raised);
    const a = instance({ readStreamSummary: true });
    expect([a.refreshPages(), a.refreshExtraRequests()]).toEqual([1, 1]); // one ListShards page, one DescribeStreamSummary
    const map = await a.current(metadata);
    expect(map?.maxRecordBytes).toBe(10 * MIB);
    expect(metadata.summaryCalls).toEqual([{ StreamName: STREAM }]);
    expect(a.stats.streamSummaryCalls).toBe(1);
    expect(JSON.parse((await kv.get(mapKey(SCOPE)))!)).toMatchObject({ maxRecordBytes: 10 * MIB });
    const b = instance({ readStreamSummary: true });
    expect((await b.current(metadata))?.maxRecordBytes).toBe(10 * MIB);
    expect(metadata.summaryCalls).toHaveLength(1);
    expect(reports).toEqual([]);
  });

  it('is 1 MiB for an answer without MaxRecordSizeInKiB', async () => {
    const metadata = new CountingKinesisMetadata(() => layout, () => ({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE' } }));
    expect((await instance({ readStreamSummary: true }).current(metadata))?.maxRecordBytes).toBe(MIB);
  });

  it('denied (AccessDeniedException): the map is ready, the size not known, reported once and not asked again', async () => {
    const metadata = new CountingKinesisMetadata(() => layout, () => new AwsCallError('AccessDeniedException', 'not authorized to perform: kinesis:DescribeStreamSummary', 400));
    const a = instance({ readStreamSummary: true });
    const map = await a.current(metadata);
    expect(a.state).toBe('ready');
    expect(map?.shards).toHaveLength(4);
    expect(map?.maxRecordBytes).toBeUndefined();
    expect(reports).toEqual([
      "DescribeStreamSummary was denied (AccessDeniedException), so the stream's maximum record size is not known: records are limited to 1 MiB (or max_record_bytes). " +
        "Allow kinesis:DescribeStreamSummary (beside kinesis:PutRecords and kinesis:ListShards) to use the stream's own, up to 10 MiB",
    ]);
    clock.advance(PERIOD_MS);
    expect([a.refreshPages(), a.refreshExtraRequests()]).toEqual([1, 0]); // no longer counted
    await a.current(metadata);
    expect(api.calls.length + metadata.calls.length).toBe(2);
    expect(metadata.summaryCalls).toHaveLength(1);
    expect(reports).toHaveLength(1);
  });

  it('a failed call leaves the map as it is, with the size it had; a call the budget refused is not counted', async () => {
    let answer: () => ReturnType<typeof raised> | Error = raised;
    const metadata = new CountingKinesisMetadata(() => layout, () => answer());
    const a = instance({ readStreamSummary: true });
    await a.current(metadata);
    answer = () => new AwsCallError('LimitExceededException', 'Rate exceeded for stream logs', 400);
    clock.advance(PERIOD_MS);
    const relisted = await a.current(metadata);
    expect(relisted?.listedAtMs).toBe(clock.ms);
    expect(relisted?.maxRecordBytes).toBe(10 * MIB);
    expect(reports).toEqual([expect.stringMatching(/^DescribeStreamSummary failed: LimitExceededException/)]);
    answer = () => new AwsCallError('BudgetExhausted', 'backend request budget of this execution is spent', undefined, false);
    clock.advance(PERIOD_MS);
    expect((await a.current(metadata))?.maxRecordBytes).toBe(10 * MIB);
    expect(a.stats.streamSummaryCalls).toBe(2);
    expect(reports).toHaveLength(1);
  });

  it('is not asked when the refresh has no request left for it, and not at all unless asked for', async () => {
    const metadata = new CountingKinesisMetadata(() => layout, raised);
    expect((await instance({ readStreamSummary: true }).current(metadata, { maxRequests: 1 }))?.maxRecordBytes).toBeUndefined();
    kv.entries.delete(mapKey(SCOPE));
    const plain = instance();
    expect([plain.refreshPages(), plain.refreshExtraRequests()]).toEqual([1, 0]);
    clock.advance(PERIOD_MS);
    expect((await plain.current(metadata))?.maxRecordBytes).toBeUndefined();
    expect(metadata.summaryCalls).toHaveLength(0);
  });
});
