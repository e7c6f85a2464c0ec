/**
 * Kinesis Data Streams API limits, and the KPL default this product adopts for aggregates (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html,
 * reference/kinesis.md §3.1). Sizes count data bytes (before base64) plus partition key bytes,
 * as the service counts them. A stream's own maximum record size is read from the stream
 * (stream-summary.ts).
 */
export const MAX_RECORDS_PER_PUT = 500;
/** Hard API cap on one PutRecords request since late 2025 (was 5 MiB). */
export const MAX_REQUEST_BYTES_API = 10 * 1024 * 1024;
/** The largest record any stream accepts; a stream's own maximum defaults to 1 MiB. */
export const MAX_RECORD_BYTES_API = 10 * 1024 * 1024;
/**
 * A stream's maximum record size unless raised (UpdateMaxRecordSize, since October 2025), and what
 * a DescribeStreamSummary answer without `MaxRecordSizeInKiB` means.
 */
export const DEFAULT_STREAM_MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_PARTITION_KEY_LENGTH = 256;
/** ListShards returns at most this many shards per page. */
export const MAX_LIST_SHARDS_RESULTS = 1000;
/** Largest hash key: 2^128 - 1. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;
/** Kinesis bills writes in 25 KiB payload units. */
export const PAYLOAD_UNIT_BYTES = 25 * 1024;
/** KPL AggregationMaxSize default (KinesisProducerConfiguration, reference/kinesis.md §1.5): 2 × 25 KiB units. */
export const DEFAULT_MAX_AGGREGATE_BYTES = 51_200;
