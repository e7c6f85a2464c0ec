import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import agg from 'aws-kinesis-agg';
import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_PARTITION_KEY,
  DEFAULT_MAX_AGGREGATE_BYTES,
  RecordAggregator,
  type AggregatedRecord,
  type UserRecord,
} from '../../../src/kinesis/kpl-record.js';
import { hashKeyOfPartitionKey } from '../../../src/kinesis/keys.js';
import { MAX_HASH_KEY } from '../../../src/kinesis/limits.js';
import { pick, randomBytes, randomInt, seededRandom } from '../../../src/testing/seeded-random.js';

/** The library's own protobufjs model of the KPL format: an independent encoder/decoder to compare with. */
interface ProtobufType {
  decode(bytes: Uint8Array): unknown;
  fromObject(value: object): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}
const common = createRequire(import.meta.url)('aws-kinesis-agg/lib/common.js') as { AggregatedRecord: ProtobufType };

const MAGIC_HEX = 'f3899ac2';
const utf8 = (s: string) => new TextEncoder().encode(s);
const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');

interface DeaggregatedRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  data: string; // base64
}

/** De-aggregates with aws-kinesis-agg, checksums verified, from a Lambda-shaped Kinesis record. */
function deaggregate(record: AggregatedRecord): DeaggregatedRecord[] {
  let result: DeaggregatedRecord[] | undefined;
  let error: unknown;
  agg.deaggregateSync(
    {
      data: base64(record.data),
      partitionKey: record.partitionKey,
      explicitHashKey: record.explicitHashKey,
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      kinesisSchemaVersion: '1.0',
      approximateArrivalTimestamp: 0,
    } as never,
    true,
    (err: unknown, userRecords?: DeaggregatedRecord[]) => {
      error = err;
      result = userRecords;
    },
  );
  if (error) throw error;
  if (!result) throw new Error('deaggregateSync did not call back');
  return result;
}

interface DecodedAggregate {
  partition_key_table: string[];
  explicit_hash_key_table: string[];
  records: Array<{ partition_key_index: unknown; explicit_hash_key_index?: unknown; data: Uint8Array }>;
}

/** Decodes the protobuf part with the library's protobufjs model, after checking magic and MD5. */
function decodeRaw(record: AggregatedRecord): DecodedAggregate {
  const bytes = Buffer.from(record.data);
  expect(bytes.subarray(0, 4).toString('hex')).toBe(MAGIC_HEX);
  const protobuf = bytes.subarray(4, bytes.length - 16);
  expect(bytes.subarray(bytes.length - 16).toString('hex')).toBe(createHash('md5').update(protobuf).digest('hex'));
  return common.AggregatedRecord.decode(protobuf) as unknown as DecodedAggregate;
}

/** The same aggregate encoded by protobufjs from plain objects: tables de-duplicated in first-seen order. */
function encodeIndependently(records: readonly UserRecord[]): Uint8Array {
  const pks: string[] = [];
  const ehks: string[] = [];
  const message = {
    partition_key_table: pks,
    explicit_hash_key_table: ehks,
    records: records.map((r) => {
      if (!pks.includes(r.partitionKey)) pks.push(r.partitionKey);
      if (r.explicitHashKey !== undefined && !ehks.includes(r.explicitHashKey)) ehks.push(r.explicitHashKey);
      return {
        partition_key_index: pks.indexOf(r.partitionKey),
        ...(r.explicitHashKey === undefined ? {} : { explicit_hash_key_index: ehks.indexOf(r.explicitHashKey) }),
        data: r.data,
      };
    }),
  };
  return common.AggregatedRecord.encode(common.AggregatedRecord.fromObject(message)).finish();
}

/** Asserts an aggregate carries exactly `expected`, in order, through both decoders. */
function expectRoundTrip(record: AggregatedRecord, expected: readonly UserRecord[]): void {
  expect(record.userRecords).toBe(expected.length);
  const users = deaggregate(record);
  expect(users.map((u) => u.partitionKey)).toEqual(expected.map((r) => r.partitionKey));
  expect(users.map((u) => u.data)).toEqual(expected.map((r) => base64(r.data)));
  // aws-kinesis-agg reports explicit_hash_key_table[0] for a record with no EHK index, because
  // protobufjs fills absent optionals with 0; so EHKs are compared where present, and absence is
  // checked on the wire below.
  users.forEach((u, i) => {
    if (expected[i].explicitHashKey !== undefined) expect(u.explicitPartitionKey).toBe(expected[i].explicitHashKey);
  });
  const decoded = decodeRaw(record);
  decoded.records.forEach((r, i) => {
    expect(Object.hasOwn(r, 'explicit_hash_key_index'), `record ${i} EHK index on the wire`).toBe(
      expected[i].explicitHashKey !== undefined,
    );
  });
}

const hashKeyViaNode = (pk: string) => BigInt('0x' + createHash('md5').update(pk, 'utf8').digest('hex')).toString(10);

const KEY_ALPHABETS = ['abcdefghijklmnopqrstuvwxyz0123456789-_', 'éüßçñøå', '日本語中文한국어', '😀🚀🎉👍🏽', 'Ωπφ'];

function randomKey(random: () => number): string {
  const length = random() < 0.05 ? 256 : randomInt(random, 1, 24);
  let key = '';
  for (let i = 0; i < length; i++) key += pick(random, [...pick(random, KEY_ALPHABETS)]);
  return key;
}

function randomHashKey(random: () => number): string {
  const roll = random();
  if (roll < 0.05) return '0';
  if (roll < 0.1) return MAX_HASH_KEY.toString();
  let value = 0n;
  for (let i = 0; i < 4; i++) value = (value << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  return (value >> BigInt(randomInt(random, 0, 127))).toString();
}

function randomData(random: () => number, maxBytes: number): Uint8Array {
  const roll = random();
  const length =
    roll < 0.1 ? 0 : roll < 0.7 ? randomInt(random, 1, 600) : roll < 0.95 ? randomInt(random, 100, 8_000) : randomInt(random, 0, maxBytes);
  return randomBytes(random, length);
}

/** A random stream of user records with repeated keys (so tables de-duplicate). */
function randomRecords(random: () => number, count: number, maxDataBytes: number): UserRecord[] {
  const pkPool = Array.from({ length: randomInt(random, 1, 400) }, () => randomKey(random));
  const ehkPool = Array.from({ length: randomInt(random, 1, 400) }, () => randomHashKey(random));
  const ehkShare = random();
  return Array.from({ length: count }, () => ({
    data: randomData(random, maxDataBytes),
    partitionKey: pick(random, pkPool),
    ...(random() < ehkShare ? { explicitHashKey: pick(random, ehkPool) } : {}),
  }));
}

const record = (text: string, partitionKey: string, explicitHashKey?: string): UserRecord => ({
  data: utf8(text),
  partitionKey,
  ...(explicitHashKey === undefined ? {} : { explicitHashKey }),
});

function addAll(aggregator: RecordAggregator, records: readonly UserRecord[]): void {
  for (const r of records) expect(aggregator.add(r.data, r.partitionKey, r.explicitHashKey)).toBe(true);
}

describe('RecordAggregator format', () => {
  it('round-trips user records through aws-kinesis-agg with checksums verified', () => {
    const records = [
      record('first line', 'pk-1', '12345'),
      record('', 'pk-2'),
      record('third ✓', 'clé-日本', '340282366920938463463374607431768211455'),
      record('fourth', 'pk-1', '12345'),
      record('fifth', '😀'),
    ];
    const aggregator = new RecordAggregator();
    addAll(aggregator, records);
    const out = aggregator.flush()!;
    expectRoundTrip(out, records);
  });

  it('writes magic, protobuf and MD5 byte-for-byte as protobufjs encodes the same message', () => {
    const random = seededRandom(99);
    const records = randomRecords(random, 60, 2000);
    const aggregator = new RecordAggregator({ maxAggregateBytes: 1024 * 1024 });
    addAll(aggregator, records);
    const out = aggregator.flush()!;
    const protobuf = encodeIndependently(records);
    const md5 = createHash('md5').update(protobuf).digest();
    expect(Buffer.from(out.data).toString('hex')).toBe(MAGIC_HEX + Buffer.from(protobuf).toString('hex') + md5.toString('hex'));
  });

  it('de-duplicates key tables in first-seen order, zero-indexed', () => {
    const aggregator = new RecordAggregator();
    addAll(aggregator, [
      record('a', 'k2', '7'),
      record('b', 'k1', '9'),
      record('c', 'k2', '9'),
      record('d', 'k3'),
      record('e', 'k1', '7'),
    ]);
    const decoded = decodeRaw(aggregator.flush()!);
    expect(decoded.partition_key_table).toEqual(['k2', 'k1', 'k3']);
    expect(decoded.explicit_hash_key_table).toEqual(['7', '9']);
    expect(decoded.records.map((r) => Number(r.partition_key_index))).toEqual([0, 1, 0, 2, 1]);
    expect(decoded.records.map((r) => (Object.hasOwn(r, 'explicit_hash_key_index') ? Number(r.explicit_hash_key_index) : null))).toEqual([
      0, 1, 1, null, 0,
    ]);
  });

  it('a checksum mismatch is detected by the de-aggregator', () => {
    const aggregator = new RecordAggregator();
    addAll(aggregator, [record('payload', 'k', '1'), record('more', 'k', '1')]);
    const out = aggregator.flush()!;
    out.data[10] ^= 0x01;
    expect(() => deaggregate(out)).toThrow(/checksum/i);
  });

  it('starts fresh tables after a flush', () => {
    const aggregator = new RecordAggregator();
    addAll(aggregator, [record('a', 'old', '1')]);
    aggregator.flush();
    addAll(aggregator, [record('b', 'new', '2')]);
    const decoded = decodeRaw(aggregator.flush()!);
    expect(decoded.partition_key_table).toEqual(['new']);
    expect(decoded.explicit_hash_key_table).toEqual(['2']);
    expect(Number(decoded.records[0].partition_key_index)).toBe(0);
  });

  it('keeps data by reference until flush (documented: callers must not mutate it)', () => {
    const data = utf8('line');
    const aggregator = new RecordAggregator();
    aggregator.add(data, 'k');
    const out = aggregator.flush()!;
    data[0] = 0;
    expect(Buffer.from(deaggregate(out)[0].data, 'base64').toString()).toBe('line');
  });
});

describe('RecordAggregator outer keys', () => {
  it('uses partition key "a" and the first user record\'s ExplicitHashKey', () => {
    const aggregator = new RecordAggregator();
    addAll(aggregator, [record('x', 'user-key', '4242'), record('y', 'other', '17')]);
    const out = aggregator.flush()!;
    expect(out.partitionKey).toBe(AGGREGATE_PARTITION_KEY);
    expect(out.partitionKey).toBe('a');
    expect(out.explicitHashKey).toBe('4242');
  });

  it('without an ExplicitHashKey, uses the MD5 hash key of the first record\'s partition key', () => {
    for (const pk of ['user-key', 'clé', '日本語', '😀', 'x'.repeat(256)]) {
      const aggregator = new RecordAggregator();
      addAll(aggregator, [record('x', pk), record('y', 'second', '5')]);
      const out = aggregator.flush()!;
      expect(out.explicitHashKey).toBe(hashKeyViaNode(pk));
      expect(hashKeyOfPartitionKey(pk)).toBe(hashKeyViaNode(pk));
      expect(BigInt(out.explicitHashKey) <= MAX_HASH_KEY).toBe(true);
    }
  });

  it('hashKeyOfPartitionKey reads the digest big-endian (known value)', () => {
    // md5("a") = 0cc175b9c0f1b6a831c399e269772661
    expect(hashKeyOfPartitionKey('a')).toBe(BigInt('0x0cc175b9c0f1b6a831c399e269772661').toString());
  });
});

describe('RecordAggregator size accounting and limit', () => {
  it('flush() on an empty aggregator returns undefined; sizes are 0', () => {
    const aggregator = new RecordAggregator();
    expect(aggregator.flush()).toBeUndefined();
    expect(aggregator.sizeBytes).toBe(0);
    expect(aggregator.recordBytes).toBe(0);
    expect(aggregator.count).toBe(0);
    expect(aggregator.maxAggregateBytes).toBe(DEFAULT_MAX_AGGREGATE_BYTES);
  });

  it('sizeBytes is exact at varint boundaries (data 127/128/16383/16384 bytes, index 127/128)', () => {
    const aggregator = new RecordAggregator({ maxAggregateBytes: 1024 * 1024 });
    const records: UserRecord[] = [];
    for (let i = 0; i < 260; i++) records.push({ data: new Uint8Array(1), partitionKey: `key-${i}`, explicitHashKey: `${i}` });
    for (const length of [0, 1, 127, 128, 16_383, 16_384, 16_385]) {
      records.push({ data: new Uint8Array(length).fill(7), partitionKey: `k${length}` });
    }
    for (const r of records) {
      expect(aggregator.add(r.data, r.partitionKey, r.explicitHashKey)).toBe(true);
      expect(aggregator.sizeBytes).toBe(20 + encodeIndependently(records.slice(0, aggregator.count)).length);
    }
    const size = aggregator.sizeBytes;
    const out = aggregator.flush()!;
    expect(out.data.length).toBe(size);
    expectRoundTrip(out, records);
  });

  it('for random record mixes: sizeBytes === flush().data.length, limit never exceeded, refusals are tight, everything round-trips', () => {
    let aggregates = 0;
    let refusedAsFull = 0;
    for (let seed = 1; seed <= 32; seed++) {
      const random = seededRandom(seed);
      const maxAggregateBytes = pick(random, [30, 64, 300, 4096, 25_600, DEFAULT_MAX_AGGREGATE_BYTES, 1024 * 1024]);
      const records = randomRecords(random, randomInt(random, 1, 200), Math.min(maxAggregateBytes * 2, 60_000));
      const aggregator = new RecordAggregator({ maxAggregateBytes });
      let pending: UserRecord[] = [];
      const received: UserRecord[] = [];
      const flush = () => {
        const expectedSize = aggregator.sizeBytes;
        const expectedRecordBytes = aggregator.recordBytes;
        const out = aggregator.flush()!;
        expect(out.data.length).toBe(expectedSize);
        expect(out.data.length + utf8(out.partitionKey).length).toBe(expectedRecordBytes);
        expect(expectedRecordBytes).toBeLessThanOrEqual(maxAggregateBytes);
        expectRoundTrip(out, pending);
        received.push(...pending);
        pending = [];
        aggregates++;
      };
      for (const r of records) {
        const sizeBefore = aggregator.sizeBytes;
        if (aggregator.add(r.data, r.partitionKey, r.explicitHashKey)) {
          pending.push(r);
          // Re-encoding every step is quadratic; check the first steps and every 16th (flush checks the rest).
          if (pending.length <= 16 || pending.length % 16 === 0) {
            expect(aggregator.sizeBytes).toBe(20 + encodeIndependently(pending).length);
          }
          continue;
        }
        // Refused: nothing changed, and the record truly would not fit (not a conservative estimate).
        expect(aggregator.sizeBytes).toBe(sizeBefore);
        expect(20 + encodeIndependently([...pending, r]).length + 1).toBeGreaterThan(maxAggregateBytes);
        if (aggregator.count > 0) {
          refusedAsFull++;
          flush();
          if (aggregator.add(r.data, r.partitionKey, r.explicitHashKey)) {
            pending.push(r);
            continue;
          }
        }
        expect(aggregator.isTooLarge(r.data, r.partitionKey, r.explicitHashKey)).toBe(true);
        received.push(r); // sent unaggregated by the caller
      }
      if (aggregator.count > 0) flush();
      // Same objects, same order (identity: deep equality over megabytes of data is slow in vitest).
      expect(received.length).toBe(records.length);
      expect(received.every((r, i) => r === records[i])).toBe(true);
    }
    expect(aggregates).toBeGreaterThan(100);
    expect(refusedAsFull).toBeGreaterThan(50);
  });

  it('accepts a record that fills the limit exactly and refuses one byte more', () => {
    const probe = new RecordAggregator({ maxAggregateBytes: 1024 * 1024 });
    probe.add(new Uint8Array(1000), 'k', '1');
    const exact = probe.recordBytes;
    expect(exact).toBe(probe.sizeBytes + 1);

    const fits = new RecordAggregator({ maxAggregateBytes: exact });
    expect(fits.isTooLarge(new Uint8Array(1000), 'k', '1')).toBe(false);
    expect(fits.add(new Uint8Array(1000), 'k', '1')).toBe(true);
    expect(fits.recordBytes).toBe(exact);
    expect(fits.add(new Uint8Array(0), 'k', '1')).toBe(false);

    const tooSmall = new RecordAggregator({ maxAggregateBytes: exact - 1 });
    expect(tooSmall.isTooLarge(new Uint8Array(1000), 'k', '1')).toBe(true);
    expect(tooSmall.add(new Uint8Array(1000), 'k', '1')).toBe(false);
    expect(tooSmall.count).toBe(0);
    expect(tooSmall.sizeBytes).toBe(0);
  });

  it('refuses a single record larger than the limit on an empty aggregator (send it unaggregated)', () => {
    const aggregator = new RecordAggregator();
    const big = new Uint8Array(DEFAULT_MAX_AGGREGATE_BYTES);
    expect(aggregator.isTooLarge(big, 'k')).toBe(true);
    expect(aggregator.add(big, 'k')).toBe(false);
    expect(aggregator.count).toBe(0);
    expect(aggregator.flush()).toBeUndefined();
  });

  it('a refused add leaves the aggregate byte-identical', () => {
    const withRefusal = new RecordAggregator({ maxAggregateBytes: 2000 });
    const plain = new RecordAggregator({ maxAggregateBytes: 2000 });
    for (const a of [withRefusal, plain]) addAll(a, [record('one', 'k1', '1'), record('two', 'k2')]);
    expect(withRefusal.add(new Uint8Array(5000), 'new-key', '99')).toBe(false);
    expect(withRefusal.count).toBe(2);
    expect(withRefusal.flush()!.data).toEqual(plain.flush()!.data);
  });

  it('carries a record near 1 MiB when the limit is 1 MiB', () => {
    const aggregator = new RecordAggregator({ maxAggregateBytes: 1024 * 1024 });
    const data = randomBytes(seededRandom(5), 1024 * 1024 - 64);
    expect(aggregator.add(data, 'k', '1')).toBe(true);
    expect(aggregator.add(new Uint8Array(64), 'k', '1')).toBe(false);
    const out = aggregator.flush()!;
    expect(out.data.length + 1).toBeLessThanOrEqual(1024 * 1024);
    expectRoundTrip(out, [{ data, partitionKey: 'k', explicitHashKey: '1' }]);
  });
});

describe('RecordAggregator input validation', () => {
  it.each([
    ['', 'an empty partition key'],
    ['x'.repeat(257), 'a 257-character partition key'],
  ])('throws RangeError for %s', (pk) => {
    expect(() => new RecordAggregator().add(utf8('x'), pk)).toThrow(RangeError);
  });

  it('counts partition key length in characters, not UTF-16 units or bytes', () => {
    const aggregator = new RecordAggregator({ maxAggregateBytes: 1024 * 1024 });
    expect(aggregator.add(utf8('x'), '😀'.repeat(256))).toBe(true);
    expect(() => aggregator.add(utf8('x'), '😀'.repeat(257))).toThrow(RangeError);
  });

  it.each(['01', '-1', '1.5', '', ' 1', '1e3', (MAX_HASH_KEY + 1n).toString(), '9'.repeat(40)])(
    'throws RangeError for ExplicitHashKey %j',
    (ehk) => {
      expect(() => new RecordAggregator().add(utf8('x'), 'k', ehk)).toThrow(RangeError);
    },
  );

  it('accepts the hash key range ends 0 and 2^128-1', () => {
    const aggregator = new RecordAggregator();
    expect(aggregator.add(utf8('x'), 'k', '0')).toBe(true);
    expect(aggregator.add(utf8('x'), 'k', MAX_HASH_KEY.toString())).toBe(true);
  });

  it.each([0, 29, 1.5, Number.NaN, 10 * 1024 * 1024 + 1])('constructor throws RangeError for maxAggregateBytes %d', (max) => {
    expect(() => new RecordAggregator({ maxAggregateBytes: max })).toThrow(RangeError);
  });

  it('the smallest limit (30) holds one record with a 1-byte key and empty data', () => {
    const aggregator = new RecordAggregator({ maxAggregateBytes: 30 });
    expect(aggregator.add(new Uint8Array(0), 'k')).toBe(true);
    expect(aggregator.recordBytes).toBe(30);
  });
});
