/**
 * KPL aggregation (`aggregation = kpl`) through the product's delivery, signed, against kinesalite:
 * the records read back from the stream de-aggregate (with the independent aws-kinesis-agg
 * library, checksums verified) into exactly the lines sent, each user record on the shard whose
 * range holds its ExplicitHashKey, in far fewer Kinesis records than lines.
 */
import agg from 'aws-kinesis-agg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisCall, listAllShards, type ShardDescription } from '../../../src/testing/local-kinesis.js';
import { deliver, newStream, startStack, type Stack } from '../../support/delivery-stack.js';

interface UserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  data: string;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The Kinesis records of a stream as stored (still aggregated), from kinesalite at `url`. */
async function readRaw(url: string, streamName: string) {
  const out: { shardId: string; data: string; partitionKey: string }[] = [];
  for (const shard of await listAllShards(url, streamName)) {
    const { ShardIterator } = await kinesisCall<{ ShardIterator: string }>(url, 'GetShardIterator', {
      StreamName: streamName,
      ShardId: shard.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const { Records } = await kinesisCall<{ Records: { Data: string; PartitionKey: string }[] }>(url, 'GetRecords', { ShardIterator, Limit: 10000 });
    for (const r of Records) out.push({ shardId: shard.ShardId, data: r.Data, partitionKey: r.PartitionKey });
  }
  return out;
}

function deaggregate(record: { data: string; partitionKey: string }): UserRecord[] {
  let result: UserRecord[] | undefined;
  let failure: unknown;
  agg.deaggregateSync(
    { data: record.data, partitionKey: record.partitionKey, sequenceNumber: '1', kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: 0 } as never,
    true,
    (error: unknown, users?: UserRecord[]) => {
      failure = error;
      result = users;
    },
  );
  if (failure) throw failure;
  return result!;
}

function shardOf(shards: ShardDescription[], hashKey: bigint): string {
  return shards.find((s) => BigInt(s.HashKeyRange.StartingHashKey) <= hashKey && hashKey <= BigInt(s.HashKeyRange.EndingHashKey))!.ShardId;
}

describe('KPL aggregation', () => {
  it('delivers every line inside aggregated records that consumers de-aggregate', async () => {
    const stream = await newStream(stack, 3, 'agg');
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, path: `/p/${i}`, pad: 'x'.repeat(400) }));
    const result = await deliver(stack, stream, lines, { fields: { aggregation: 'kpl', aggregation_max_bytes: '51200' }, requestId: 'agg-request' });
    expect(result.reports).toEqual([]);
    expect(result.outcome.delivered).toBe(300);

    const raw = await readRaw(stack.kinesis.url, stream);
    expect(raw.length).toBeLessThan(20); // 300 lines of ~430 B in ≤50 KiB aggregates
    const shards = await listAllShards(stack.kinesis.url, stream);
    const users: string[] = [];
    const keys = new Map<string, string>();
    for (const record of raw) {
      for (const user of deaggregate(record)) {
        users.push(Buffer.from(user.data, 'base64').toString('utf8'));
        keys.set(Buffer.from(user.data, 'base64').toString('utf8'), user.partitionKey);
        // Every user record belongs on the shard its aggregate landed on.
        expect(shardOf(shards, BigInt(user.explicitPartitionKey!))).toBe(record.shardId);
      }
    }
    expect(users.sort()).toEqual([...lines].sort());
    // De-aggregated, every line comes back with its own record id: the key consumers de-duplicate on.
    expect(lines.map((line) => keys.get(line))).toEqual(lines.map((_, i) => `agg-request-${i}`));
    // Every shard got its share of user records.
    expect(new Set(raw.map((r) => r.shardId)).size).toBe(3);
  });

  it('keeps plain records plain when aggregation is off', async () => {
    const stream = await newStream(stack, 2, 'noagg');
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    await deliver(stack, stream, lines);
    const raw = await readRaw(stack.kinesis.url, stream);
    expect(raw.map((r) => Buffer.from(r.data, 'base64').toString('utf8')).sort()).toEqual([...lines].sort());
  });

  it('retries a throttled aggregate as a whole, without duplicates or losses', async () => {
    const throttled = await startStack({ recordsPerSecondPerShard: 2, burstSeconds: 1 });
    try {
      const stream = await newStream(throttled, 1, 'aggthrottle');
      const lines = Array.from({ length: 200 }, (_, i) => `line-${i}-${'y'.repeat(300)}`);
      const result = await deliver(throttled, stream, lines, { fields: { aggregation: 'kpl', aggregation_max_bytes: '8192', max_attempts: '5' }, tuning: { baseRetryBackoffMs: 300, maxRetryBackoffMs: 600 } });
      const users = (await readRaw(throttled.kinesis.url, stream)).flatMap((record) =>
        deaggregate(record).map((user) => Buffer.from(user.data, 'base64').toString('utf8')),
      );
      expect(new Set(users).size).toBe(users.length); // no duplicates
      expect(users.length + result.outcome.failed).toBe(200); // none lost silently
      expect(result.outcome.retried).toBeGreaterThan(0);
    } finally {
      await throttled.stop();
    }
  });
});
