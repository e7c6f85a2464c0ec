/**
 * Even spread against kinesalite: the product's delivery with its shard-aware router, and the
 * stream read back shard by shard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, openShards, randomStreamName, readStream, splitShard, startLocalKinesis, type LocalKinesis } from '../../../src/testing/local-kinesis.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { countBy, fleetOf, lines } from '../../support/fleet.js';
import type { LoggingInstance } from '../../support/logging-instance.js';

const SPACE = 1n << 128n;
let kinesis: LocalKinesis;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.stop();
});

async function sendAll(instances: LoggingInstance[], requests: number, linesPerRequest: number): Promise<string[]> {
  const sent: string[] = [];
  for (let r = 0; r < requests; r++) {
    await Promise.all(
      instances.map(async (instance, i) => {
        const batch = lines(`i${i}-r${r}`, linesPerRequest);
        sent.push(...batch);
        const { outcome } = await instance.deliver(batch);
        expect(outcome.delivered).toBe(batch.length);
      }),
    );
  }
  return sent;
}

describe('even spread over open shards', () => {
  it('4 equal shards, 4 instances sharing KV: equal counts, nothing lost', async () => {
    const stream = randomStreamName('spread-eq');
    await createStream(kinesis.url, stream, 4);
    const instances = fleetOf(4, kinesis.url, stream, { kv: new FakeKvStore(Date.now), tuning: { shardMap: { leaseRecheckMs: 0 } } });
    // A first request each, so every instance has the map (losers of the first lease use random keys).
    await sendAll(instances, 1, 1);
    const before = await readStream(kinesis.url, stream);
    const sent = await sendAll(instances, 10, 25);
    const stored = (await readStream(kinesis.url, stream)).filter((r) => !before.some((b) => b.sequenceNumber === r.sequenceNumber));
    expect(stored.map((r) => r.data).sort()).toEqual([...sent].sort());
    const perShard = [...countBy(stored, (r) => r.shardId).values()];
    expect(perShard).toHaveLength(4);
    // Each instance rotates (±1 per shard), so four instances differ by at most 4.
    expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(4);
    expect(Math.max(...perShard) / (sent.length / 4)).toBeLessThanOrEqual(1.02);
  });

  it('5 very unequal shards made with SplitShard: equal counts whatever the range widths', async () => {
    const stream = randomStreamName('spread-uneven');
    await createStream(kinesis.url, stream, 1);
    // Widths after these splits: 1/1024, 15/1024, 31/64, 7/16, 1/16 of the hash-key space.
    await splitShard(kinesis.url, stream, 'shardId-000000000000', SPACE / 64n); // → 1 [0, 1/64), 2 [1/64, 1)
    await splitShard(kinesis.url, stream, 'shardId-000000000002', SPACE / 2n); // → 3, 4
    await splitShard(kinesis.url, stream, 'shardId-000000000004', (SPACE * 15n) / 16n); // → 5, 6
    await splitShard(kinesis.url, stream, 'shardId-000000000001', SPACE / 1024n); // → 7, 8
    const open = await openShards(kinesis.url, stream);
    expect(open).toHaveLength(5);

    const sent = await sendAll(fleetOf(1, kinesis.url, stream), 20, 100);
    const stored = await readStream(kinesis.url, stream);
    expect(stored.map((r) => r.data).sort()).toEqual([...sent].sort());
    const perShard = countBy(stored, (r) => r.shardId);
    expect([...perShard.keys()].sort()).toEqual(open.map((s) => s.ShardId).sort());
    for (const count of perShard.values()) expect(Math.abs(count - sent.length / 5)).toBeLessThanOrEqual(1);
    // Every record carried its own record id as partition key: the spread comes from the ExplicitHashKey alone.
    expect(new Set(stored.map((r) => r.partitionKey)).size).toBe(stored.length);
    for (const r of stored) expect(r.partitionKey).toMatch(/^test-request-\d+-\d+$/);
  });
});
