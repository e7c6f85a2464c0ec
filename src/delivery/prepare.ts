/**
 * Lines → records that fit the stream's maximum record size.
 *
 * Kinesis counts data plus partition key against the stream's maximum record size (1 MiB by
 * default, up to 10 MiB when raised; reference/kinesis.md §3.1). A line that would not fit is
 * never sent to fail: with `oversize = truncate` it is cut at a UTF-8 character boundary and ends
 * with TRUNCATION_MARKER; with `oversize = drop` it is left out. Both are counted and reported by
 * report.ts, and dropped lines go to the fallback log endpoint.
 *
 * Owns: encoding, the size rule for one record, truncation. Does not own: packing records into
 * calls (batcher.ts) or the partition keys (the router picks them later, so room for the longest
 * key is kept: PARTITION_KEY_RESERVE_BYTES).
 */
import type { DeliveryLimits } from '../config/index.js';
import { bytesToBase64, utf8ToBase64 } from '../kinesis/base64.js';
import { MAX_PARTITION_KEY_LENGTH } from '../kinesis/index.js';
import type { Attempt } from './attempt.js';

/** Appended to a truncated line, so a reader sees that the record is not whole. */
export const TRUNCATION_MARKER = '…[truncated]';

/**
 * Room kept for the partition key when deciding whether data fits. Keys are up to 256 characters;
 * our routers send ASCII keys, so 256 bytes is the most a key can take.
 */
export const PARTITION_KEY_RESERVE_BYTES = MAX_PARTITION_KEY_LENGTH;

export interface DeliveryRecord {
  /** Position of the line in the delivery's input. */
  readonly index: number;
  /** The line as rendered (the fallback endpoint gets this, whole). */
  readonly line: string;
  /** The bytes sent: the line, or its truncated form. */
  readonly data: Uint8Array;
  readonly base64: string;
  readonly truncated: boolean;
  readonly attempts: Attempt[];
  /** A shard that throttled this record: the next try should go elsewhere. */
  avoidShard?: string;
}

export interface DroppedLine {
  index: number;
  line: string;
  bytes: number;
}

export interface Prepared {
  records: DeliveryRecord[];
  dropped: DroppedLine[];
  /** The most data bytes one record may carry here. */
  maxDataBytes: number;
}

const encoder = new TextEncoder();
const MARKER_BYTES = encoder.encode(TRUNCATION_MARKER);

export function maxDataBytes(limits: Pick<DeliveryLimits, 'maxRecordBytes' | 'maxRequestBytes'>): number {
  // A record must also fit in a call on its own.
  return Math.min(limits.maxRecordBytes, limits.maxRequestBytes) - PARTITION_KEY_RESERVE_BYTES;
}

export function prepareRecords(lines: readonly string[], limits: DeliveryLimits): Prepared {
  const maxData = maxDataBytes(limits);
  const records: DeliveryRecord[] = [];
  const dropped: DroppedLine[] = [];
  lines.forEach((line, index) => {
    const bytes = encoder.encode(line);
    if (bytes.length <= maxData) {
      records.push({ index, line, data: bytes, base64: utf8ToBase64(line, bytes), truncated: false, attempts: [] });
    } else if (limits.oversize === 'drop') {
      dropped.push({ index, line, bytes: bytes.length });
    } else {
      const data = truncateUtf8(bytes, maxData);
      records.push({ index, line, data, base64: bytesToBase64(data), truncated: true, attempts: [] });
    }
  });
  return { records, dropped, maxDataBytes: maxData };
}

/**
 * The longest prefix of `bytes` that, followed by TRUNCATION_MARKER, fits in `maxBytes`, cut
 * before a character's first byte so no character is split (UTF-8 continuation bytes are
 * 0b10xxxxxx). Input that already fits is returned as is.
 */
export function truncateUtf8(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (bytes.length <= maxBytes) return bytes;
  if (maxBytes < MARKER_BYTES.length) return new Uint8Array(0);
  let cut = maxBytes - MARKER_BYTES.length;
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  const out = new Uint8Array(cut + MARKER_BYTES.length);
  out.set(bytes.subarray(0, cut), 0);
  out.set(MARKER_BYTES, cut);
  return out;
}
