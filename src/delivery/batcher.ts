/**
 * Packs routed records into PutRecords calls: at most MAX_RECORDS_PER_PUT (500) records and at
 * most `maxRequestBytes` per call, counting data plus partition key as Kinesis does (the base64
 * and JSON overhead on the wire is not part of the limit; reference/kinesis.md §3.1).
 *
 * Owns: the packing rule only. Records arrive already within the record-size limit
 * (prepare.ts); order is kept; a record is never split or left out.
 */
import { MAX_RECORDS_PER_PUT } from '../kinesis/index.js';
import type { ShardTarget } from '../shards/index.js';

export interface Batch<R> {
  records: R[];
  targets: ShardTarget[];
  /** Data plus partition key bytes, as Kinesis counts the call. */
  bytes: number;
}

export interface BatchLimits {
  maxRequestBytes: number;
  /** Defaults to the API's 500. */
  maxRecordsPerCall?: number;
}

const encoder = new TextEncoder();

export function recordBytes(data: Uint8Array, target: ShardTarget): number {
  return data.length + encoder.encode(target.partitionKey).length;
}

/** Greedy, in order: a call is closed when the next record would break either limit. */
export function packBatches<R extends { data: Uint8Array }>(records: readonly R[], targets: readonly ShardTarget[], limits: BatchLimits): Batch<R>[] {
  const maxRecords = Math.min(limits.maxRecordsPerCall ?? MAX_RECORDS_PER_PUT, MAX_RECORDS_PER_PUT);
  const batches: Batch<R>[] = [];
  let current: Batch<R> | undefined;
  records.forEach((record, i) => {
    const size = recordBytes(record.data, targets[i]);
    if (!current || current.records.length >= maxRecords || current.bytes + size > limits.maxRequestBytes) {
      // A record larger than a whole call still travels alone rather than being lost here; the
      // config check (max_record_bytes ≤ max_request_bytes) keeps this from happening.
      current = { records: [], targets: [], bytes: 0 };
      batches.push(current);
    }
    current.records.push(record);
    current.targets.push(targets[i]);
    current.bytes += size;
  });
  return batches;
}
