/**
 * KPL record aggregation: many user records (log lines) packed into one Kinesis record.
 *
 * Owns: the KPL aggregated record format, exact byte accounting while packing, and the outer
 * record's PartitionKey/ExplicitHashKey. Does not own: choosing shards or hash keys (shards/),
 * deadlines or when to flush (delivery/), batching Kinesis records into PutRecords calls, or
 * sending records that are too large to aggregate (the caller sends those on their own).
 *
 * Format (reference/kinesis.md §1.5; KPL aggregation-format.md, kinesis_record.cc):
 *   4-byte magic F3 89 9A C2
 *   protobuf (proto2) AggregatedRecord {
 *     repeated string partition_key_table = 1;      de-duplicated, zero-indexed
 *     repeated string explicit_hash_key_table = 2;  de-duplicated, zero-indexed
 *     repeated Record records = 3;
 *   }
 *   Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *            required bytes data = 3; }              (KPL's `repeated Tag tags = 4` is never written)
 *   16-byte MD5 of the protobuf bytes
 * Consumers de-aggregate with KCL or the awslabs kinesis-aggregation libraries; a consumer that
 * does not would see the raw bytes above.
 *
 * Contract:
 * - Every user record added to one aggregator between two flushes is meant for ONE shard: the
 *   caller guarantees each record's ExplicitHashKey (or, without one, the MD5 of its partition
 *   key) lies in the same shard's HashKeyRange, and flushes before switching shards. Kinesis routes
 *   the whole aggregate by its outer ExplicitHashKey only; nothing here can check the map. (KPL
 *   keeps one aggregator per predicted shard, aggregator.h, and never aggregates a record whose
 *   shard it cannot predict.)
 * - `add` returns false when the record does not fit: flush, then add again. A record that does not
 *   fit even in an empty aggregator (`isTooLarge`) is refused; send it unaggregated.
 * - `maxAggregateBytes` bounds the Kinesis record as the service counts it: data plus the outer
 *   partition key (API_PutRecordsRequestEntry). So the stream's max record size can be passed as is,
 *   and at the default 51200 (= 2 × 25 KiB) an aggregate costs at most 2 payload units.
 * - `data` is kept by reference, not copied, until `flush`; do not mutate it in between.
 * - Keys are encoded as UTF-8. A string with a lone surrogate is encoded with U+FFFD in its place
 *   (TextEncoder), so it comes back changed; the record ids delivery/ aggregates are ASCII.
 * - Invalid keys (partition key of 0 or more than 256 characters; an ExplicitHashKey that is not a
 *   decimal in 0..2^128-1) throw RangeError: they are bugs in the caller, and one bad key would make
 *   Kinesis reject the whole aggregate.
 */
import { md5 } from '../hash/md5.js';
import { hashKeyOfPartitionKey, parseHashKey } from './keys.js';
import { DEFAULT_MAX_AGGREGATE_BYTES, MAX_PARTITION_KEY_LENGTH, MAX_RECORD_BYTES_API } from './limits.js';
import { ProtobufWriter, lengthDelimitedFieldSize, varintFieldSize } from './protobuf.js';

export { DEFAULT_MAX_AGGREGATE_BYTES } from './limits.js';
export const AGGREGATION_MAGIC = new Uint8Array([0xf3, 0x89, 0x9a, 0xc2]);
export const AGGREGATION_CHECKSUM_BYTES = 16;
/** Magic plus MD5 trailer; KPL `kFixedOverhead`. */
export const AGGREGATION_FIXED_OVERHEAD_BYTES = AGGREGATION_MAGIC.length + AGGREGATION_CHECKSUM_BYTES;

/**
 * The outer PartitionKey of every aggregate: the outer record always carries an ExplicitHashKey,
 * which overrides it for routing, yet Kinesis requires one and counts its bytes, so one ASCII byte,
 * the literal KPL uses (`KinesisRecord::partition_key()`, kinesis_record.cc). Each user record
 * keeps its own key inside the aggregate (the partition key table): de-aggregated, every line
 * comes back with its record id, the key consumers de-duplicate on. (The awslabs Node library
 * uses the first user record's key instead; that buys nothing once an ExplicitHashKey is always
 * sent, and costs up to 256 characters per record.)
 */
export const AGGREGATE_PARTITION_KEY = 'a';
const AGGREGATE_PARTITION_KEY_BYTES = 1;

/** Smallest useful limit: one record with a 1-byte key and empty data (30 bytes). */
const MIN_MAX_AGGREGATE_BYTES = 30;

const FIELD_PARTITION_KEY_TABLE = 1;
const FIELD_EXPLICIT_HASH_KEY_TABLE = 2;
const FIELD_RECORDS = 3;
const FIELD_RECORD_PARTITION_KEY_INDEX = 1;
const FIELD_RECORD_EXPLICIT_HASH_KEY_INDEX = 2;
const FIELD_RECORD_DATA = 3;

const NO_INDEX = -1;

export interface UserRecord {
  data: Uint8Array;
  partitionKey: string;
  explicitHashKey?: string;
}

/** One Kinesis record ready for PutRecords (Data still raw; base64 is the caller's). */
export interface AggregatedRecord {
  data: Uint8Array;
  partitionKey: string;
  /** Always set: see `flush`. */
  explicitHashKey: string;
  userRecords: number;
}

export interface RecordAggregatorOptions {
  /** Largest Kinesis record to produce, data plus outer partition key. Default 51200. */
  maxAggregateBytes?: number;
}

/** A key table: strings in first-seen order, their UTF-8 bytes, and a lookup by string. */
class KeyTable {
  readonly keys: string[] = [];
  readonly encoded: Uint8Array[] = [];
  private readonly indexByKey = new Map<string, number>();

  indexOf(key: string): number {
    return this.indexByKey.get(key) ?? NO_INDEX;
  }

  add(key: string, bytes: Uint8Array): number {
    const index = this.encoded.length;
    this.indexByKey.set(key, index);
    this.keys.push(key);
    this.encoded.push(bytes);
    return index;
  }

  get size(): number {
    return this.encoded.length;
  }
}

const utf8 = new TextEncoder();

export class RecordAggregator {
  readonly maxAggregateBytes: number;

  private partitionKeys = new KeyTable();
  private explicitHashKeys = new KeyTable();
  private datas: Uint8Array[] = [];
  private partitionKeyIndexes: number[] = [];
  private explicitHashKeyIndexes: number[] = [];
  private recordMessageBytes: number[] = [];
  /** Exact size of the protobuf AggregatedRecord built so far. */
  private protobufBytes = 0;

  constructor(options: RecordAggregatorOptions = {}) {
    const max = options.maxAggregateBytes ?? DEFAULT_MAX_AGGREGATE_BYTES;
    if (!Number.isInteger(max) || max < MIN_MAX_AGGREGATE_BYTES || max > MAX_RECORD_BYTES_API) {
      throw new RangeError(
        `maxAggregateBytes: ${max} is not an integer in ${MIN_MAX_AGGREGATE_BYTES}..${MAX_RECORD_BYTES_API}`,
      );
    }
    this.maxAggregateBytes = max;
  }

  /** User records added since the last flush. */
  get count(): number {
    return this.datas.length;
  }

  /** Exact length of `flush().data` if flushed now (magic + protobuf + MD5); 0 when empty. */
  get sizeBytes(): number {
    return this.count === 0 ? 0 : AGGREGATION_FIXED_OVERHEAD_BYTES + this.protobufBytes;
  }

  /** The Kinesis record's size as the service counts it (data + outer partition key); 0 when empty. */
  get recordBytes(): number {
    return this.count === 0 ? 0 : this.sizeBytes + AGGREGATE_PARTITION_KEY_BYTES;
  }

  /**
   * True when this record would exceed `maxAggregateBytes` even alone in an aggregate: `add` will
   * always refuse it, so send it as a plain Kinesis record.
   */
  isTooLarge(data: Uint8Array, partitionKey: string, explicitHashKey?: string): boolean {
    validatePartitionKey(partitionKey);
    if (explicitHashKey !== undefined) validateExplicitHashKey(explicitHashKey);
    const pkBytes = utf8.encode(partitionKey).length;
    const ehkBytes = explicitHashKey === undefined ? 0 : explicitHashKey.length;
    const recordMessage = recordMessageSize(0, explicitHashKey === undefined ? NO_INDEX : 0, data.length);
    const protobuf =
      lengthDelimitedFieldSize(pkBytes) +
      (explicitHashKey === undefined ? 0 : lengthDelimitedFieldSize(ehkBytes)) +
      lengthDelimitedFieldSize(recordMessage);
    return AGGREGATION_FIXED_OVERHEAD_BYTES + protobuf + AGGREGATE_PARTITION_KEY_BYTES > this.maxAggregateBytes;
  }

  /**
   * Adds one user record if the aggregate stays within `maxAggregateBytes`; returns false and
   * changes nothing otherwise. False on an empty aggregator means the record is too large to
   * aggregate at all.
   */
  add(data: Uint8Array, partitionKey: string, explicitHashKey?: string): boolean {
    // Keys are looked up first; only a key new to this aggregate is validated and encoded.
    let pkIndex = this.partitionKeys.indexOf(partitionKey);
    let newPkBytes: Uint8Array | undefined;
    let addedBytes = 0;
    if (pkIndex === NO_INDEX) {
      validatePartitionKey(partitionKey);
      newPkBytes = utf8.encode(partitionKey);
      pkIndex = this.partitionKeys.size;
      addedBytes += lengthDelimitedFieldSize(newPkBytes.length);
    }

    let ehkIndex = NO_INDEX;
    let newEhkBytes: Uint8Array | undefined;
    if (explicitHashKey !== undefined) {
      ehkIndex = this.explicitHashKeys.indexOf(explicitHashKey);
      if (ehkIndex === NO_INDEX) {
        validateExplicitHashKey(explicitHashKey);
        newEhkBytes = utf8.encode(explicitHashKey);
        ehkIndex = this.explicitHashKeys.size;
        addedBytes += lengthDelimitedFieldSize(newEhkBytes.length);
      }
    }

    const recordMessage = recordMessageSize(pkIndex, ehkIndex, data.length);
    addedBytes += lengthDelimitedFieldSize(recordMessage);

    const recordBytesAfter =
      AGGREGATION_FIXED_OVERHEAD_BYTES + this.protobufBytes + addedBytes + AGGREGATE_PARTITION_KEY_BYTES;
    if (recordBytesAfter > this.maxAggregateBytes) return false;

    if (newPkBytes !== undefined) this.partitionKeys.add(partitionKey, newPkBytes);
    if (newEhkBytes !== undefined && explicitHashKey !== undefined) {
      this.explicitHashKeys.add(explicitHashKey, newEhkBytes);
    }
    this.datas.push(data);
    this.partitionKeyIndexes.push(pkIndex);
    this.explicitHashKeyIndexes.push(ehkIndex);
    this.recordMessageBytes.push(recordMessage);
    this.protobufBytes += addedBytes;
    return true;
  }

  /**
   * Encodes the aggregate as one Kinesis record and empties the aggregator; undefined when empty.
   *
   * The outer ExplicitHashKey is the first user record's hash key in decimal, as KPL does
   * (kinesis_record.cc `explicit_hash_key()`): its EHK if it had one, else the MD5 of its partition
   * key read as a big-endian 128-bit integer, which is where Kinesis would have put that record
   * alone (user_record.cc). It is always set, because the outer partition key is the constant "a"
   * and would otherwise send every aggregate to the same shard.
   */
  flush(): AggregatedRecord | undefined {
    const count = this.count;
    if (count === 0) return undefined;

    const size = this.sizeBytes;
    const writer = new ProtobufWriter(size);
    writer.raw(AGGREGATION_MAGIC);
    for (const key of this.partitionKeys.encoded) writer.bytesField(FIELD_PARTITION_KEY_TABLE, key);
    for (const key of this.explicitHashKeys.encoded) writer.bytesField(FIELD_EXPLICIT_HASH_KEY_TABLE, key);
    for (let i = 0; i < count; i++) {
      writer.messageHeader(FIELD_RECORDS, this.recordMessageBytes[i]);
      writer.varintField(FIELD_RECORD_PARTITION_KEY_INDEX, this.partitionKeyIndexes[i]);
      const ehkIndex = this.explicitHashKeyIndexes[i];
      if (ehkIndex !== NO_INDEX) writer.varintField(FIELD_RECORD_EXPLICIT_HASH_KEY_INDEX, ehkIndex);
      writer.bytesField(FIELD_RECORD_DATA, this.datas[i]);
    }
    const protobufEnd = writer.position;
    writer.raw(md5(writer.bytes.subarray(AGGREGATION_MAGIC.length, protobufEnd)));
    const data = writer.finish();

    const firstEhkIndex = this.explicitHashKeyIndexes[0];
    const explicitHashKey =
      firstEhkIndex !== NO_INDEX
        ? this.explicitHashKeys.keys[firstEhkIndex]
        : hashKeyOfPartitionKey(this.partitionKeys.encoded[this.partitionKeyIndexes[0]]);

    this.reset();
    return { data, partitionKey: AGGREGATE_PARTITION_KEY, explicitHashKey, userRecords: count };
  }

  private reset(): void {
    this.partitionKeys = new KeyTable();
    this.explicitHashKeys = new KeyTable();
    this.datas = [];
    this.partitionKeyIndexes = [];
    this.explicitHashKeyIndexes = [];
    this.recordMessageBytes = [];
    this.protobufBytes = 0;
  }
}

/** Size of an embedded Record message (without its own field key and length). */
function recordMessageSize(pkIndex: number, ehkIndex: number, dataBytes: number): number {
  return (
    varintFieldSize(pkIndex) +
    (ehkIndex === NO_INDEX ? 0 : varintFieldSize(ehkIndex)) +
    lengthDelimitedFieldSize(dataBytes)
  );
}

function validatePartitionKey(partitionKey: string): void {
  const characters = countCodePoints(partitionKey);
  if (characters < 1 || characters > MAX_PARTITION_KEY_LENGTH) {
    throw new RangeError(
      `partition key has ${characters} characters; Kinesis accepts 1..${MAX_PARTITION_KEY_LENGTH}`,
    );
  }
}

function validateExplicitHashKey(explicitHashKey: string): void {
  if (parseHashKey(explicitHashKey) === undefined) {
    throw new RangeError(`explicit hash key "${explicitHashKey}" is not a decimal in 0..2^128-1`);
  }
}

function countCodePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
