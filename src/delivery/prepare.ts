/**
 * Lines → records that fit the stream's maximum record size, gzip-compressed first when the
 * endpoint asks (`compression = gzip`).
 *
 * Kinesis counts data plus partition key against the stream's maximum record size (1 MiB by
 * default, up to 10 MiB when raised; reference/kinesis.md §3.1). A line that would not fit is
 * never sent to fail: with `oversize = truncate` it is cut at a UTF-8 character boundary and ends
 * with TRUNCATION_MARKER; with `oversize = drop` it is left out. Both are counted and reported by
 * report.ts, and dropped lines go to the fallback log endpoint.
 *
 * Compression (gzip, RFC 1952) uses the runtime's native CompressionStream (js-compute and Node
 * both have it; verified inside the Wasm in Viceroy by test/e2e/compression.test.ts), one gzip
 * member per record, so a consumer gunzips each record's data on its own. It comes before the
 * size check, so the limit applies to what is sent, and before aggregation (send-units.ts packs
 * compressed records). A compressed line that is still too large is truncated as text, with the
 * marker, before compressing again: cutting compressed bytes would leave data nobody can read.
 *
 * Owns: encoding, compression, the size rule for one record, truncation. Does not own: packing
 * records into calls (batcher.ts) or the partition keys (the router picks them later, so room for
 * the longest key is kept: PARTITION_KEY_RESERVE_BYTES).
 */
import type { DeliveryLimits } from '../config/index.js';
import { bytesToBase64, utf8ToBase64 } from '../kinesis/base64.js';
import { MAX_PARTITION_KEY_LENGTH } from '../kinesis/index.js';
import type { Attempt } from './attempt.js';

/**
 * The most gzip can add to `inputBytes` of incompressible input: zlib's compressBound (deflate
 * falls back to stored blocks) plus gzip's 18-byte header and trailer (RFC 1952).
 */
function gzipGrowthBytes(inputBytes: number): number {
  return (inputBytes >> 12) + (inputBytes >> 14) + (inputBytes >> 25) + 13 + 18;
}

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
  /** The bytes sent: the line, or its truncated form (gzip-compressed when the endpoint compresses). */
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

export async function prepareRecords(lines: readonly string[], limits: DeliveryLimits): Promise<Prepared> {
  const maxData = maxDataBytes(limits);
  const records: DeliveryRecord[] = [];
  const dropped: DroppedLine[] = [];
  const gzip = limits.compression === 'gzip';
  const encoded = lines.map((line) => encoder.encode(line));
  const compressed = gzip ? await Promise.all(encoded.map(gzipBytes)) : undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const data = compressed ? compressed[index] : encoded[index];
    if (data.length <= maxData) {
      const base64 = compressed ? bytesToBase64(data) : utf8ToBase64(line, data);
      records.push({ index, line, data, base64, truncated: false, attempts: [] });
    } else if (limits.oversize === 'drop') {
      dropped.push({ index, line, bytes: data.length });
    } else {
      // Cut as text, leaving room for gzip's growth, so that even incompressible text fits compressed.
      const text = truncateUtf8(encoded[index], gzip ? maxData - gzipGrowthBytes(maxData) : maxData);
      const cut = gzip ? await gzipBytes(text) : text;
      // Never expected within zlib's bound; kept because an oversize record would fail its whole call.
      if (cut.length > maxData) dropped.push({ index, line, bytes: data.length });
      else records.push({ index, line, data: cut, base64: bytesToBase64(cut), truncated: true, attempts: [] });
    }
  }
  return { records, dropped, maxDataBytes: maxData };
}

/** One gzip member holding `bytes`, from the runtime's CompressionStream. */
async function gzipBytes(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new CompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // Not awaited before reading: the writes resolve only as the readable side is drained.
  const written = Promise.all([writer.write(bytes as Uint8Array<ArrayBuffer>), writer.close()]);
  const [output] = await Promise.all([new Response(stream.readable).arrayBuffer(), written]);
  return new Uint8Array(output);
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
