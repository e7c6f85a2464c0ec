/**
 * Many instances of the product's delivery (each its own memory) sharing one KV store, against
 * kinesalite: the lease lets one of them list at a time, the others read its map from KV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, randomStreamName, readStream, splitShard, startLocalKinesis, type LocalKinesis } from '../../../src/testing/local-kinesis.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { fleetOf, lines } from '../../support/fleet.js';
import type { LoggingInstance } from '../../support/logging-instance.js';

const SPACE = 1n << 128n;
const INSTANCES = 40;
let kinesis: LocalKinesis;

const listShardsCalls = (fleet: LoggingInstance[]) => fleet.reduce((sum, i) => sum + i.streamStats().shardMap.listShardsCalls, 0);

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
    const fleet = fleetOf(INSTANCES, kinesis.url, stream, { kv: new FakeKvStore(Date.now), tuning: { shardMap: { leaseRecheckMs: 20 } } });
    const sent: string[] = [];
    const round = async (tag: string) => {
      await Promise.all(
        fleet.map(async (instance, i) => {
          const batch = lines(`${tag}-${i}`, 3);
          sent.push(...batch);
          const result = await instance.deliver(batch);
          expect(result.outcome.delivered).toBe(3);
          expect(result.reports).toEqual([]);
        }),
      );
    };

    // Cold start, all at once: one lists, the others route with random keys until its map is in KV.
    await round('cold');
    expect(listShardsCalls(fleet)).toBe(1);
    await new Promise((r) => setTimeout(r, 25));
    await round('warm');
    expect(fleet.every((i) => i.streamStats().shardMap.state === 'ready')).toBe(true);
    expect(listShardsCalls(fleet)).toBe(1);

    await splitShard(kinesis.url, stream, 'shardId-000000000002', (SPACE * 9n) / 10n);
    for (let r = 0; r < 4; r++) {
      await round(`split-${r}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(fleet.every((i) => i.streamStats().shardMap.shards === 4)).toBe(true);
    expect(listShardsCalls(fleet)).toBeLessThanOrEqual(3);
    expect(listShardsCalls(fleet)).toBeLessThan(INSTANCES / 10);

    const stored = await readStream(kinesis.url, stream);
    expect(stored.map((r) => r.data).sort()).toEqual([...sent].sort());
  });

  it('without KV every instance lists on its own (the fallback is per instance, never a lost record)', async () => {
    const stream = randomStreamName('fleet-nokv');
    await createStream(kinesis.url, stream, 2);
    const broken = new FakeKvStore();
    broken.failWith = new TypeError('KVStore insert: Too many requests.');
    const fleet = fleetOf(5, kinesis.url, stream, { kv: broken });
    await Promise.all(fleet.map((instance, i) => instance.deliver(lines(`n${i}`, 4))));
    expect(listShardsCalls(fleet)).toBe(5);
    expect(fleet.every((i) => i.streamStats().shardMap.state === 'ready')).toBe(true);
    expect(await readStream(kinesis.url, stream)).toHaveLength(20);
  });
});
