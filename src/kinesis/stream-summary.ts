/**
 * A stream's maximum record size, from DescribeStreamSummary (reference/kinesis.md §3.1).
 *
 * Since October 2025 a stream's maximum record size can be raised from 1 MiB up to 10 MiB
 * (`UpdateMaxRecordSize`, `MaxRecordSizeInKiB` 1024–10240); DescribeStreamSummary reports it as
 * `StreamDescriptionSummary.MaxRecordSizeInKiB`. An answer without it (a server that predates the
 * field: kinesalite 3.3.3 answers DescribeStreamSummary without it) means the default, 1 MiB. A
 * value outside the documented range is not believed either: 1 MiB is what every stream accepts.
 *
 * Owns: the request and reading the answer. Does not own: when it is read or where the result is
 * kept (shards/shared-map.ts reads it with each listing and keeps it in the shared map), or what a
 * delivery makes of it (delivery/record-limits.ts). IAM: the call needs
 * `kinesis:DescribeStreamSummary` on the stream.
 */
import type { DescribeStreamSummaryOutput, KinesisApi } from './api.js';
import { DEFAULT_STREAM_MAX_RECORD_BYTES, MAX_RECORD_BYTES_API } from './limits.js';

/** The stream's maximum record size in bytes (data + partition key) as the answer states it; 1 MiB when it does not. */
export function maxRecordBytesOf(output: DescribeStreamSummaryOutput | undefined): number {
  const kib = output?.StreamDescriptionSummary?.MaxRecordSizeInKiB;
  if (typeof kib !== 'number' || !Number.isInteger(kib)) return DEFAULT_STREAM_MAX_RECORD_BYTES;
  const bytes = kib * 1024;
  return bytes >= DEFAULT_STREAM_MAX_RECORD_BYTES && bytes <= MAX_RECORD_BYTES_API ? bytes : DEFAULT_STREAM_MAX_RECORD_BYTES;
}

/** One DescribeStreamSummary call; rejects with AwsCallError like every call of the api. */
export async function readStreamMaxRecordBytes(api: Pick<KinesisApi, 'describeStreamSummary'>, streamName: string): Promise<number> {
  return maxRecordBytesOf(await api.describeStreamSummary({ StreamName: streamName }));
}
