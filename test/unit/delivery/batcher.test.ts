import { describe, expect, it } from 'vitest';
import { packBatches, recordBytes } from '../../../src/delivery/batcher.js';
import type { ShardTarget } from '../../../src/shards/index.js';

const rec = (bytes: number) => ({ data: new Uint8Array(bytes) });
const key = (partitionKey = 'a'): ShardTarget => ({ partitionKey });

describe('packBatches', () => {
  it('puts at most 500 records in a call, in order', () => {
    const records = Array.from({ length: 1201 }, () => rec(10));
    const batches = packBatches(records, records.map(() => key()), { maxRequestBytes: 5 * 1024 * 1024 });
    expect(batches.map((b) => b.records.length)).toEqual([500, 500, 201]);
    expect(batches.flatMap((b) => b.records)).toEqual(records);
  });

  it('closes a call before the bytes limit, counting data plus partition key', () => {
    const records = [rec(40), rec(40), rec(40)];
    // 40 + 10-byte key = 50 per record; a 100-byte limit holds two.
    const targets = records.map(() => key('k'.repeat(10)));
    expect(recordBytes(records[0].data, targets[0])).toBe(50);
    expect(packBatches(records, targets, { maxRequestBytes: 100 }).map((b) => [b.records.length, b.bytes])).toEqual([
      [2, 100],
      [1, 50],
    ]);
    expect(packBatches(records, targets, { maxRequestBytes: 99 }).map((b) => b.records.length)).toEqual([1, 1, 1]);
  });

  it('counts partition keys in UTF-8 bytes', () => {
    expect(recordBytes(new Uint8Array(1), key('é'))).toBe(3);
  });

  it('respects a smaller record count per call, never above 500', () => {
    const records = Array.from({ length: 7 }, () => rec(1));
    expect(packBatches(records, records.map(() => key()), { maxRequestBytes: 1000, maxRecordsPerCall: 3 }).map((b) => b.records.length)).toEqual([3, 3, 1]);
    const many = Array.from({ length: 600 }, () => rec(1));
    expect(packBatches(many, many.map(() => key()), { maxRequestBytes: 1e9, maxRecordsPerCall: 1000 })[0].records).toHaveLength(500);
  });

  it('sends a record larger than a whole call alone rather than losing it', () => {
    const batches = packBatches([rec(10), rec(500), rec(10)], [key(), key(), key()], { maxRequestBytes: 100 });
    expect(batches.map((b) => b.records.length)).toEqual([1, 1, 1]);
  });

  it('returns no call for no records', () => {
    expect(packBatches([], [], { maxRequestBytes: 100 })).toEqual([]);
  });
});
