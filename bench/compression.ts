/**
 * `compression = gzip`: 25 KiB payload units and bytes per 1,000 lines, with and without, on
 * Fastly's Kinesis default and Datadog formats rendered over varied requests (issue 12 item 4).
 * Records are prepared by the product's own code (delivery/prepare.ts, CompressionStream), as plain
 * records and as KPL aggregates (delivery/send-units.ts, all lines routed to one shard, as
 * bench/aggregation.ts does). Node's CompressionStream; the Wasm's own is measured on the Kinesis
 * default format by bench/logging-cpu.ts (`gzip.payloadUnitsPer1000KinesisDefault`).
 *
 * Kinesis bills each record at least one unit, so gzip saves units only where a record holds more
 * than one unit's worth: aggregates, or lines over 25 KiB. It always saves bytes (shard write
 * throughput is 1 MB/s, storage, transfer). Run alone with `npx tsx bench/compression.ts`.
 */
import { pathToFileURL } from 'node:url';
import { prepareRecords } from '../src/delivery/prepare.js';
import { aggregatedUnits } from '../src/delivery/send-units.js';
import { compileFormat, DATADOG_DEFAULT_FORMAT, KINESIS_DEFAULT_FORMAT } from '../src/format/index.js';
import { recordId } from '../src/kinesis/index.js';
import { DEFAULT_MAX_AGGREGATE_BYTES, PAYLOAD_UNIT_BYTES } from '../src/kinesis/limits.js';
import { requests } from './format-render.js';

const LINES = 1_000;
const LIMITS = { maxAttempts: 3, maxRecordBytes: 1024 * 1024, maxRequestBytes: 5 * 1024 * 1024, oversize: 'truncate' as const, retryWindowMs: 0 };
/** Every record's partition key is its record id; a Fastly request id is 32 hex digits. */
const PARTITION_KEY = recordId('0'.repeat(32), LINES - 1);

function units(records: ReadonlyArray<{ data: Uint8Array }>, partitionKey: string): number {
  return records.reduce((sum, r) => sum + Math.ceil((r.data.length + Buffer.byteLength(partitionKey)) / PAYLOAD_UNIT_BYTES), 0);
}

async function scenario(format: string) {
  const compiled = compileFormat(format);
  const pool = requests();
  const lines = Array.from({ length: LINES }, (_, i) => compiled.render(pool[i % pool.length]));
  const out: Record<string, number> = {};
  for (const compression of [undefined, 'gzip'] as const) {
    const { records } = await prepareRecords(lines, { ...LIMITS, compression });
    const name = compression ?? 'none';
    const target = { partitionKey: PARTITION_KEY, explicitHashKey: '1', shardId: 'shardId-000000000000' };
    const aggregated = aggregatedUnits(records, records.map(() => target), DEFAULT_MAX_AGGREGATE_BYTES);
    out[`${name}.bytesPerLine`] = Math.round(records.reduce((sum, r) => sum + r.data.length, 0) / LINES);
    out[`${name}.payloadUnits`] = units(records, PARTITION_KEY);
    out[`${name}.kplPayloadUnits`] = units(aggregated, PARTITION_KEY);
  }
  return out;
}

export async function run(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  for (const [name, format] of [['kinesisDefault', KINESIS_DEFAULT_FORMAT], ['datadog', DATADOG_DEFAULT_FORMAT]] as const) {
    for (const [key, value] of Object.entries(await scenario(format))) figures[`${name}.${key}`] = value;
  }
  figures.note = `per ${LINES.toLocaleString('en-US')} lines; units = ceil((data + partition key) / 25 KiB) per Kinesis record; KPL aggregates up to ${DEFAULT_MAX_AGGREGATE_BYTES} bytes`;
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(40)} ${value}`);
}
