/**
 * PutRecords on the wire: the request body from records already routed, and the answer read back
 * into one EntryResult per record sent, by index (reference/kinesis.md §3.3).
 *
 * Owns: the JSON field names and the count check. Does not own: sizes and batching
 * (delivery/batcher.ts) or what to do with a failed entry (delivery/retrier.ts).
 *
 * An answer whose `Records` count differs from the count sent fails every record of that call
 * with `RecordCountMismatch` (KPL retrier.cc "Record Count Mismatch"): with the order lost, no
 * entry can be matched to its record, so none is assumed delivered and none is retried.
 *
 * Entry messages are AWS's text and pass `sanitizeAwsMessage` on the way in, like whole-call errors.
 */
import { sanitizeAwsMessage } from '../aws/error-message.js';
import type { PutRecordsInput, PutRecordsOutput, PutRecordsRequestEntry } from './api.js';
import { classifyErrorCode, type ErrorClass } from './errors.js';

/** A failed entry carries its error's class, decided here once (errors.ts), like a whole-call AwsCallError. */
export type EntryResult =
  | { index: number; ok: true; shardId: string; sequenceNumber: string }
  | { index: number; ok: false; errorCode: string; errorMessage: string; errorClass: ErrorClass };

export const RECORD_COUNT_MISMATCH = 'RecordCountMismatch';

export interface RoutedData {
  /** base64 of the record's bytes */
  data: string;
  partitionKey: string;
  explicitHashKey?: string;
}

export function putRecordsInput(streamName: string, records: readonly RoutedData[]): PutRecordsInput {
  return {
    StreamName: streamName,
    Records: records.map((r) => {
      const entry: PutRecordsRequestEntry = { Data: r.data, PartitionKey: r.partitionKey };
      if (r.explicitHashKey !== undefined) entry.ExplicitHashKey = r.explicitHashKey;
      return entry;
    }),
  };
}

export function readPutRecordsResults(output: PutRecordsOutput, sentCount: number): EntryResult[] {
  const records = Array.isArray(output?.Records) ? output.Records : undefined;
  if (!records || records.length !== sentCount) {
    const message = `sent ${sentCount} records, the answer has ${records ? records.length : 'no'} entries`;
    return Array.from({ length: sentCount }, (_, index) => ({
      index,
      ok: false as const,
      errorCode: RECORD_COUNT_MISMATCH,
      errorMessage: message,
      errorClass: classifyErrorCode(RECORD_COUNT_MISMATCH),
    }));
  }
  return records.map((entry, index) => {
    // Kinesis marks a failed entry by ErrorCode alone; anything else was written.
    if (entry && typeof entry.ErrorCode === 'string' && entry.ErrorCode) {
      const errorCode = entry.ErrorCode;
      return { index, ok: false as const, errorCode, errorMessage: sanitizeAwsMessage(entry.ErrorMessage), errorClass: classifyErrorCode(errorCode) };
    }
    return { index, ok: true as const, shardId: entry?.ShardId ?? '', sequenceNumber: entry?.SequenceNumber ?? '' };
  });
}
