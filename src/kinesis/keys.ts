/**
 * Partition keys and hash keys as Kinesis defines them (reference/kinesis.md §1.3, §3.2).
 *
 * Owns: the decimal text form of a hash key (ExplicitHashKey, HashKeyRange ends) and its parse,
 * the partition key sent with every record that is routed by its ExplicitHashKey, and the rule by
 * which Kinesis turns a partition key into a hash key (MD5). Does not own: choosing keys (shards/).
 */
import { md5 } from '../hash/md5.js';
import { MAX_HASH_KEY } from './limits.js';

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

/**
 * The PartitionKey of a record that carries an ExplicitHashKey (and of every KPL aggregate). The
 * ExplicitHashKey overrides the partition key for routing, yet Kinesis requires one and counts its
 * bytes against the record size and shard throughput, so one ASCII byte. KPL uses the same literal
 * "a" for its aggregates (`KinesisRecord::partition_key()`, kinesis_record.cc).
 */
export const EHK_ROUTED_PARTITION_KEY = 'a';

const utf8 = new TextEncoder();

/** The hash key Kinesis derives from a partition key: MD5 of its UTF-8 bytes, big-endian, in decimal. */
export function hashKeyOfPartitionKey(partitionKey: string | Uint8Array): string {
  const digest = md5(typeof partitionKey === 'string' ? utf8.encode(partitionKey) : partitionKey);
  let value = 0n;
  for (let i = 0; i < digest.length; i++) value = (value << 8n) | BigInt(digest[i]);
  return value.toString(10);
}
