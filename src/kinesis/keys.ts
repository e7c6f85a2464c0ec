/**
 * Partition keys and hash keys as Kinesis defines them (reference/kinesis.md §1.3, §3.2).
 *
 * Owns: the decimal text form of a hash key (ExplicitHashKey, HashKeyRange ends) and its parse,
 * the record id every record carries as its partition key unless the endpoint sets one, fitting
 * any key into Kinesis's 1–256 characters, and the rule by which Kinesis turns a partition key into
 * a hash key (MD5). Does not own: choosing hash keys (shards/) or when ids are handed out
 * (delivery/).
 */
import { md5 } from '../hash/md5.js';
import { MAX_HASH_KEY, MAX_PARTITION_KEY_LENGTH } from './limits.js';

/**
 * Decimal, no sign or leading zero, at most 39 digits (`0|([1-9]\d{0,38})`, API_HashKeyRange). The
 * pattern admits 39-digit values above 2^128-1 that map to no shard, so `parseHashKey` checks both.
 */
const HASH_KEY_PATTERN = /^(0|[1-9]\d{0,38})$/;

/** The hash key `text` names, or undefined when it is not a decimal in 0…2^128−1. */
export function parseHashKey(text: unknown): bigint | undefined {
  if (typeof text !== 'string' || !HASH_KEY_PATTERN.test(text)) return undefined;
  const value = BigInt(text);
  return value <= MAX_HASH_KEY ? value : undefined;
}

const utf8 = new TextEncoder();

/** Room for `-<line number>` after the request id in a record id. */
const RECORD_ID_SUFFIX_BYTES = 16;

/**
 * A record's id, `<request id>-<n>`: n counts the lines of one execution from 0 (delivery/
 * execution.ts), so the id names one line of one request, stays the same on every retry of that
 * line, and differs between any two lines. Sent as the PartitionKey: consumers de-duplicate on it
 * without parsing the line (README "Duplicates"), while the ExplicitHashKey keeps the spread even.
 */
export function recordId(requestId: string, lineNumber: number): string {
  return `${fitPartitionKey(requestId, MAX_PARTITION_KEY_LENGTH - RECORD_ID_SUFFIX_BYTES)}-${lineNumber}`;
}

/**
 * `key` cut to at most `maxBytes` of UTF-8 (default 256) at a character boundary, so it is within
 * Kinesis's 256 characters and delivery's room for a partition key (prepare.ts reserves 256
 * bytes); '' when nothing is left. A lone surrogate counts as the 3 bytes its U+FFFD takes.
 */
export function fitPartitionKey(key: string, maxBytes: number = MAX_PARTITION_KEY_LENGTH): string {
  let bytes = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < key.length && (key.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) return key.slice(0, i);
    bytes += size;
    if (pair) i++;
  }
  return key;
}

/** The hash key Kinesis derives from a partition key: MD5 of its UTF-8 bytes, big-endian, in decimal. */
export function hashKeyOfPartitionKey(partitionKey: string | Uint8Array): string {
  const digest = md5(typeof partitionKey === 'string' ? utf8.encode(partitionKey) : partitionKey);
  let value = 0n;
  for (let i = 0; i < digest.length; i++) value = (value << 8n) | BigInt(digest[i]);
  return value.toString(10);
}
