/**
 * What an instance takes from the fleet's KV store, and what it does when KV misbehaves, with the
 * product's delivery against kinesalite (issue 14, items 8–10):
 *   - a map dated in the future is refused: the instance lists the stream and spreads over its real shards;
 *   - the same stream name in another account or behind another Kinesis host is another stream:
 *     its own KV entry, its own listing, never another's map;
 *   - a KV call that never answers is given up within the logging deadline: the records go, the
 *     problem is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyAccount } from '../../../src/aws/identity.js';
import { streamScope } from '../../../src/delivery/index.js';
import { mapKey } from '../../../src/shards/map-store.js';
import { encodeShardMap, fromShards } from '../../../src/shards/shard-map.js';
import type { KvStoreLike } from '../../../src/platform/types.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { countBy, fleetOf, lines } from '../../support/fleet.js';
import { TEST_KEYS } from '../../support/logging-instance.js';
import { createStream, randomStreamName, readStream, startLocalKinesis, type LocalKinesis } from '../../../src/testing/local-kinesis.js';

const MAX_HASH_KEY = (1n << 128n) - 1n;
let kinesis: LocalKinesis;
let other: LocalKinesis;

beforeAll(async () => {
  [kinesis, other] = await Promise.all([startLocalKinesis(), startLocalKinesis()]);
});
afterAll(async () => {
  await Promise.all([kinesis?.stop(), other?.stop()]);
});

describe('maps from KV', () => {
  it('refuses a map dated in the future: lists the stream itself, spreads over every shard, and replaces the entry', async () => {
    const stream = randomStreamName('future');
    await createStream(kinesis.url, stream, 4);
    const kv = new FakeKvStore();
    const [instance] = fleetOf(1, kinesis.url, stream, { kv });
    // Someone who can write the store plants a one-shard map dated in 2100.
    const planted = fromShards([{ shardId: 'shardId-000000000000', start: 0n, end: MAX_HASH_KEY }], Date.UTC(2100, 0, 1));
    if (!planted.ok) throw new Error(planted.reason);
    const key = mapKey(streamScope(instance.endpoint, keyAccount(TEST_KEYS.accessKeyId)));
    await kv.put(key, encodeShardMap(planted.map, streamScope(instance.endpoint, keyAccount(TEST_KEYS.accessKeyId))));

    const sent = lines('f', 80);
    const result = await instance.deliver(sent);
    expect(result.outcome.delivered).toBe(80);
    expect(result.listShardsCalls).toBe(1);
    expect(result.notices).toEqual([expect.stringMatching(/shard map: KV shard map listed at 2100-01-01T00:00:00\.000Z is dated more than 30 s ahead of this instance's clock; ignored/)]);
    const perShard = countBy(await readStream(kinesis.url, stream), (r) => r.shardId);
    expect([...perShard.values()]).toEqual([20, 20, 20, 20]);
    expect(JSON.parse((await kv.get(key))!).listedAtMs).toBeLessThanOrEqual(Date.now());
  });

  it('keeps streams of one name apart by Kinesis host: each lists its own, neither takes the other\'s map', async () => {
    const stream = randomStreamName('same-name');
    await Promise.all([createStream(kinesis.url, stream, 4), createStream(other.url, stream, 16)]);
    const kv = new FakeKvStore();
    const [a] = fleetOf(1, kinesis.url, stream, { kv });
    const [b] = fleetOf(1, other.url, stream, { kv });
    expect((await a.deliver(lines('a', 40))).listShardsCalls).toBe(1);
    const fromB = await b.deliver(lines('b', 160));
    expect(fromB.listShardsCalls).toBe(1);
    expect(b.streamStats().shardMap).toMatchObject({ shards: 16, adoptedFromKv: 0 });
    expect([...countBy(await readStream(other.url, stream), (r) => r.shardId).values()]).toEqual(Array(16).fill(10));
    expect([...kv.entries.keys()].filter((k) => k.startsWith('shard-map/'))).toHaveLength(2);
  });

  it('keeps streams of one name apart by account (here: by access key): two entries, two listings', async () => {
    const stream = randomStreamName('two-keys');
    await createStream(kinesis.url, stream, 2);
    const kv = new FakeKvStore();
    const [a] = fleetOf(1, kinesis.url, stream, { kv });
    const [b] = fleetOf(1, kinesis.url, stream, { kv, secrets: { 'main.access_key_id': 'AKIDANOTHERACCOUNT01', 'main.secret_access_key': 'another-secret' } });
    expect((await a.deliver(lines('a', 4))).listShardsCalls).toBe(1);
    expect((await b.deliver(lines('b', 4))).listShardsCalls).toBe(1);
    const keys = [...kv.entries.keys()].filter((k) => k.startsWith('shard-map/')).sort();
    expect(keys).toEqual([mapKey(streamScope(a.endpoint, keyAccount(TEST_KEYS.accessKeyId))), mapKey(streamScope(b.endpoint, keyAccount('AKIDANOTHERACCOUNT01')))].sort());
  });
});

describe('a KV store that does not answer', () => {
  /** Every call hangs for ever (or only writes do). */
  function hangingKv(what: 'everything' | 'writes'): KvStoreLike {
    const store = new FakeKvStore();
    return {
      get: (key) => (what === 'everything' ? new Promise<string | null>(() => {}) : store.get(key)),
      put: () => new Promise<void>(() => {}),
    };
  }

  it.each(['everything', 'writes'] as const)('when %s hangs, the delivery still ends, every record delivered, the KV failure reported', async (what) => {
    const stream = randomStreamName('kv-hang');
    await createStream(kinesis.url, stream, 2);
    const [instance] = fleetOf(1, kinesis.url, stream, { kv: hangingKv(what) });
    const result = await instance.deliver(lines('h', 10));
    expect(result.outcome).toMatchObject({ delivered: 10, failed: 0 });
    expect(result.notices).toEqual([expect.stringMatching(/shard map: KV store failed (reading the shard map|taking the refresh lease) \(KV (get|insert) did not answer within 1000 ms\)/)]);
    expect((await readStream(kinesis.url, stream)).map((r) => r.data).sort()).toEqual(lines('h', 10));
  });
});
