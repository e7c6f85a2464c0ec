/**
 * KPL aggregation vs one Kinesis record per log line: records and 25 KiB payload units per 1,000
 * lines of about 500 bytes, and how fast lines are aggregated (including the final encode and MD5).
 *
 * Prints its figures and asserts nothing. Run alone with `npx tsx bench/aggregation.ts`.
 * Lines are synthetic but seeded, so counts are the same on every run; timings are not.
 */
import { pathToFileURL } from 'node:url';
import { aggregatedUnits } from '../src/delivery/send-units.js';
import { DEFAULT_MAX_AGGREGATE_BYTES, RecordAggregator, type UserRecord } from '../src/kinesis/kpl-record.js';
import { MAX_HASH_KEY, PAYLOAD_UNIT_BYTES } from '../src/kinesis/limits.js';
import { seededRandom } from '../src/testing/seeded-random.js';

const LINES = 1_000;
const TARGET_LINE_BYTES = 500;
const THROUGHPUT_MIN_MS = 1_000;


/** A JSON access-log line of about TARGET_LINE_BYTES (±20%). */
function logLine(random: () => number, i: number): string {
  const ip = `${1 + Math.floor(random() * 223)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
  const base = {
    timestamp: new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + i * 7).toISOString(),
    client_ip: ip,
    geo_country: ['US', 'DE', 'JP', 'BR', 'FR'][Math.floor(random() * 5)],
    request: 'GET',
    host: 'www.example.com',
    url: '',
    protocol: 'HTTP/2',
    response_status: [200, 200, 200, 304, 404, 500][Math.floor(random() * 6)],
    response_body_size: Math.floor(random() * 100_000),
    time_elapsed_us: Math.floor(random() * 200_000),
    cache_status: random() < 0.8 ? 'HIT' : 'MISS',
    pop: 'FRA',
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
    referer: 'https://www.example.com/',
  };
  const target = Math.round(TARGET_LINE_BYTES * (0.8 + 0.4 * random()));
  const fixed = JSON.stringify(base).length;
  let path = '/assets/';
  while (path.length < Math.max(8, target - fixed)) path += Math.floor(random() * 36).toString(36);
  return JSON.stringify({ ...base, url: path });
}

function randomHashKeyBelow(random: () => number, limit: bigint): bigint {
  let value = 0n;
  for (let i = 0; i < 4; i++) value = (value << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  return value % limit;
}

/**
 * Lines as our picker would hand them over: a random 13-hex-digit partition key per line and an
 * ExplicitHashKey inside the target shard's range (equal ranges over `shards` shards). With
 * `sharedKeys`, every line of a shard reuses one key pair, so the key tables hold one entry each.
 */
function userRecords(shards: number, seed: number, sharedKeys = false): UserRecord[][] {
  const random = seededRandom(seed);
  const encoder = new TextEncoder();
  const width = (MAX_HASH_KEY + 1n) / BigInt(shards);
  const byShard: UserRecord[][] = Array.from({ length: shards }, () => []);
  const sharedKeyOf = Array.from({ length: shards }, (_, shard) => ({
    partitionKey: `shard-${shard}`,
    explicitHashKey: (BigInt(shard) * width + width / 2n).toString(),
  }));
  for (let i = 0; i < LINES; i++) {
    const shard = Math.floor(random() * shards);
    if (sharedKeys) {
      byShard[shard].push({ data: encoder.encode(logLine(random, i)), ...sharedKeyOf[shard] });
      continue;
    }
    byShard[shard].push({
      data: encoder.encode(logLine(random, i)),
      partitionKey: Math.floor(random() * 2 ** 52).toString(16).padStart(13, '0'),
      explicitHashKey: (BigInt(shard) * width + randomHashKeyBelow(random, width)).toString(),
    });
  }
  return byShard;
}

/** Kinesis counts a record's size as data plus partition key; each 25 KiB or part is one unit. */
function payloadUnits(records: ReadonlyArray<{ data: Uint8Array; partitionKey: string }>): number {
  const encoder = new TextEncoder();
  let units = 0;
  for (const r of records) units += Math.ceil((r.data.length + encoder.encode(r.partitionKey).length) / PAYLOAD_UNIT_BYTES);
  return units;
}

function aggregateScenario(shards: number, sharedKeys = false) {
  const byShard = userRecords(shards, 20261125 + shards, sharedKeys);
  const all = byShard.flat();
  // The product's own packing (delivery/send-units.ts), one shard's records at a time as routed.
  const kinesisRecords = byShard.flatMap((records, shard) => {
    const targets = records.map((r) => ({ partitionKey: r.partitionKey, explicitHashKey: r.explicitHashKey, shardId: `shard-${shard}` }));
    const units = aggregatedUnits(records.map((r) => ({ data: r.data, base64: '' })), targets, DEFAULT_MAX_AGGREGATE_BYTES);
    return units.map((unit) => ({ data: unit.data, partitionKey: unit.target.partitionKey }));
  });
  const lineBytes = all.reduce((sum, r) => sum + r.data.length, 0);
  const aggregatedBytes = kinesisRecords.reduce((sum, r) => sum + r.data.length, 0);
  return {
    meanLineBytes: Math.round(lineBytes / all.length),
    naiveRecords: all.length,
    naiveUnits: payloadUnits(all),
    records: kinesisRecords.length,
    units: payloadUnits(kinesisRecords),
    overheadPct: Number((((aggregatedBytes - lineBytes) / lineBytes) * 100).toFixed(2)),
  };
}

function throughput(): { linesPerSecond: number; megabytesPerSecond: number } {
  const [records] = userRecords(1, 7);
  const aggregator = new RecordAggregator({ maxAggregateBytes: DEFAULT_MAX_AGGREGATE_BYTES });
  let lines = 0;
  let bytes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < THROUGHPUT_MIN_MS) {
    for (const r of records) {
      if (!aggregator.add(r.data, r.partitionKey, r.explicitHashKey)) {
        bytes += aggregator.flush()!.data.length;
        aggregator.add(r.data, r.partitionKey, r.explicitHashKey);
      }
    }
    bytes += aggregator.flush()?.data.length ?? 0;
    lines += records.length;
    elapsed = performance.now() - start;
  }
  return {
    linesPerSecond: Math.round((lines / elapsed) * 1000),
    megabytesPerSecond: Number((bytes / 1e6 / (elapsed / 1000)).toFixed(1)),
  };
}

export async function run(): Promise<Record<string, number | string>> {
  const one = aggregateScenario(1);
  const four = aggregateScenario(4);
  const shared = aggregateScenario(1, true);
  const speed = throughput();
  return {
    lines: LINES,
    meanLineBytes: one.meanLineBytes,
    maxAggregateBytes: DEFAULT_MAX_AGGREGATE_BYTES,
    naiveRecords: one.naiveRecords,
    naivePayloadUnits: one.naiveUnits,
    aggregatedRecords1Shard: one.records,
    aggregatedPayloadUnits1Shard: one.units,
    aggregatedRecords4Shards: four.records,
    aggregatedPayloadUnits4Shards: four.units,
    unitRatioNaiveOverAggregated1Shard: Number((one.naiveUnits / one.units).toFixed(1)),
    formatOverheadPct1Shard: one.overheadPct,
    aggregatedRecordsSharedKeys: shared.records,
    aggregatedPayloadUnitsSharedKeys: shared.units,
    formatOverheadPctSharedKeys: shared.overheadPct,
    aggregationLinesPerSecond: speed.linesPerSecond,
    aggregationMegabytesPerSecond: speed.megabytesPerSecond,
    note: 'per 1,000 lines; units = ceil((data + partition key bytes) / 25 KiB) per Kinesis record',
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(36)} ${value}`);
}
