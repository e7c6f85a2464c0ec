/**
 * The kinesis folder's public names: the Kinesis Data Streams JSON protocol and its facts.
 *
 * Owns: PutRecords, ListShards and DescribeStreamSummary over a signed fetch (api.ts), their wire
 * shapes, how an answer is read (put-records.ts, stream-summary.ts) and a listing paged
 * (list-shards.ts), the classification of every AWS error and which outcomes are ambiguous (errors.ts), record ids, partition and hash keys (keys.ts), the
 * KPL aggregated-record format (kpl-record.ts), and the API's limits (limits.ts). Does not own:
 * retries, routing or batching (delivery/, shards/).
 */
export {
  createKinesisApi,
  type DescribeStreamSummaryInput,
  type DescribeStreamSummaryOutput,
  type KinesisApi,
  type ListShardsInput,
  type ListShardsOutput,
  type PutRecordsInput,
  type PutRecordsOutput,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
  type Shard,
} from './api.js';
export { AwsCallError, classifyErrorCode, isAmbiguousOutcome, isShardThrottle, type ErrorClass } from './errors.js';
export { fitPartitionKey, hashKeyOfPartitionKey, parseHashKey, recordId } from './keys.js';
export { RecordAggregator, type AggregatedRecord } from './kpl-record.js';
export * from './limits.js';
export { listShardsRound } from './list-shards.js';
export { putRecordsInput, readPutRecordsResults, RECORD_COUNT_MISMATCH, type EntryResult } from './put-records.js';
export { maxRecordBytesOf, readStreamMaxRecordBytes } from './stream-summary.js';
