/** A stream's maximum record size from DescribeStreamSummary (src/kinesis/stream-summary.ts). */
import { describe, expect, it } from 'vitest';
import { maxRecordBytesOf, readStreamMaxRecordBytes } from '../../../src/kinesis/stream-summary.js';

const MIB = 1024 * 1024;

describe('maxRecordBytesOf', () => {
  it('reads MaxRecordSizeInKiB, from 1 MiB to 10 MiB', () => {
    expect(maxRecordBytesOf({ StreamDescriptionSummary: { MaxRecordSizeInKiB: 10240 } })).toBe(10 * MIB);
    expect(maxRecordBytesOf({ StreamDescriptionSummary: { MaxRecordSizeInKiB: 2048 } })).toBe(2 * MIB);
    expect(maxRecordBytesOf({ StreamDescriptionSummary: { MaxRecordSizeInKiB: 1024 } })).toBe(MIB);
  });

  it('is 1 MiB for an answer without it (kinesalite 3.3.3, servers that predate it), and for a value Kinesis does not allow', () => {
    expect(maxRecordBytesOf({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 2 } })).toBe(MIB);
    expect(maxRecordBytesOf({})).toBe(MIB);
    expect(maxRecordBytesOf(undefined)).toBe(MIB);
    for (const kib of [0, 512, 10241, 2048.5, Number.NaN]) expect(maxRecordBytesOf({ StreamDescriptionSummary: { MaxRecordSizeInKiB: kib } })).toBe(MIB);
    expect(maxRecordBytesOf({ StreamDescriptionSummary: { MaxRecordSizeInKiB: '10240' as unknown as number } })).toBe(MIB);
  });

  it('asks for the stream by name', async () => {
    const asked: unknown[] = [];
    const bytes = await readStreamMaxRecordBytes({ describeStreamSummary: async (input) => (asked.push(input), { StreamDescriptionSummary: { MaxRecordSizeInKiB: 4096 } }) }, 'logs');
    expect(bytes).toBe(4 * MIB);
    expect(asked).toEqual([{ StreamName: 'logs' }]);
  });
});
