/**
 * Many simulated instances (each its own memory) sharing one KV store, against kinesalite: the
 * lease lets one of them list at a time, the others read its map from KV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, randomStreamName, readStream, splitShard, startLocalKinesis, type LocalKinesis } from '../../support/local-kinesis.js';
import { FakeKvStore } from '../../support/fakes/platform.js';
import { AtomicFakeKvStore } from '../../unit/shards/helpers.js';
import { countingApi, deliver, lines, SimulatedInstance } from './helpers.js';

const SPACE = 1n << 128n;
const INSTANCES = 40;
let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.stop();
});

describe('a fleet sharing one KV store', () => {
  it(`${INSTANCES} instances list far fewer times than there are instances, through a cold start and a split`, async () => {
    const stream = randomStreamName('fleet');
    await createStream(kinesis.url, stream, 3);
    const kv = new AtomicFakeKvStore(Date.now);
    const api = countingApi(kinesis.url);
    const fleet = Array.from({ length: INSTANCES }, () => new SimulatedInstance(stream, kv, { leaseRecheckMs: 20 }));
    const sent: string[] = [];
    const round = async (tag: string) => {
      await Promise.all(
        fleet.map(async (instance, i) => {
          const batch = lines(`${tag}-${i}`, 3);
          sent.push(...batch);
          expect((await deliver(instance, api, stream, batch)).delivered).toBe(3);
        }),
      );
    };

    // Cold start, all at once: one lists, the others route with random keys until its map is in KV.
    await round('cold');
    expect(api.listShardsCalls).toBe(1);
    await new Promise((r) => setTimeout(r, 25));
    await round('warm');
    expect(fleet.every((i) => i.shared.state === 'ready')).toBe(true);
    expect(api.listShardsCalls).toBe(1);

    await splitShard(kinesis.url, stream, 'shardId-000000000002', (SPACE * 9n) / 10n);
    for (let r = 0; r < 4; r++) {
      await round(`split-${r}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(fleet.every((i) => i.shared.map!.shards.length === 4)).toBe(true);
    expect(api.listShardsCalls).toBeLessThanOrEqual(3);
    expect(api.listShardsCalls).toBeLessThan(INSTANCES / 10);

    const stored = await readStream(kinesis.url, stream);
    expect(stored.map((r) => r.data).sort()).toEqual([...sent].sort());
  });

  it('without KV every instance lists on its own (the fallback is per instance, never a lost record)', async () => {
    const stream = randomStreamName('fleet-nokv');
    await createStream(kinesis.url, stream, 2);
    const broken = new FakeKvStore();
    broken.failWith = new TypeError('KVStore insert: Too many requests.');
    const api = countingApi(kinesis.url);
    const fleet = Array.from({ length: 5 }, () => new SimulatedInstance(stream, broken));
    await Promise.all(fleet.map((instance, i) => deliver(instance, api, stream, lines(`n${i}`, 4))));
    expect(api.listShardsCalls).toBe(5);
    expect(fleet.every((i) => i.shared.state === 'ready')).toBe(true);
    expect(await readStream(kinesis.url, stream)).toHaveLength(20);
  });
});
