/**
 * `npm run bench`: runs every benchmark of the project, prints one table, and writes the figures to
 * bench/results/<date>.json. Each benchmark lives in its own file and exports
 * `run(): Promise<Record<string, number | string>>`; figures are printed, never asserted — the
 * targets column says what the issue asked for.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shardSpreadSvg } from './chart.js';

interface Bench {
  file: string;
  subject: string;
  targets: Record<string, string>;
}

const BENCHES: Bench[] = [
  { file: 'format-render.ts', subject: 'format engine (Datadog default format, Node)', targets: { speedup: '≥10×', compiledLinesPerSec: '≥200,000' } },
  { file: 'shard-balance.ts', subject: 'spread over shards and reshard following', targets: { maxOverMean: '≤1.02 every layout', requestsToFollowReshard: '≤5', listShardsRoundsPerPeriod: '≤1' } },
  { file: 'throttling.ts', subject: '1-shard stream at 2× its record limit', targets: { duplicates: '0', silentLosses: '0' } },
  { file: 'aggregation.ts', subject: 'KPL aggregation of ~500 B lines', targets: { payloadUnitsPer1000: '≤25 (naive 1,000)' } },
  { file: 'e2e-overhead.ts', subject: 'the compiled Wasm in Viceroy', targets: { latencyRatioP50: '≤1.05', putRecordsCallsPer1000: '≤20 with batching' } },
  { file: 'logging-cpu.ts', subject: "logging's CPU inside the Wasm, by phase; default and AOT builds", targets: {} },
  {
    file: 'floor.ts',
    subject: 'a logged request against the floor programs (Viceroy process CPU, one run)',
    targets: {
      'one.kinesisLogging.ratio': '≤1.3',
      'burst.kinesisLogging.ratio': '≤1.3',
      'one.proxyAlone6B.ratio': '≤1.1',
      'burst.proxyAlone6B.ratio': '≤1.1',
      'one.proxyAlone1MiB.ratio': '≤1.1',
      'burst.proxyAlone1MiB.ratio': '≤1.1',
      'one.proxyAlone8MiB.ratio': '≤1.1',
      'burst.proxyAlone8MiB.ratio': '≤1.1',
      'one.logEndpoint.productMinusFloorMs': '≤0.3',
      'burst.logEndpoint.productMinusFloorMs': '≤0.3',
    },
  },
  { file: 'compression.ts', subject: 'compression = gzip: payload units and bytes per 1,000 lines', targets: {} },
  { file: 'digests.ts', subject: 'src/hash against @noble/hashes, Node and (with Viceroy) the Wasm', targets: digestTargets() },
  { file: 'regex-cost.ts', subject: 'regular expressions in the Wasm: native engine, RE2, backtracking engine with its cap', targets: {} },
];

/** The rule for each Wasm ratio: noble is adopted for an algorithm unless it is more than 1.2× slower. */
function digestTargets(): Record<string, string> {
  const workloads = ['md5', 'sha1', 'sha256', 'sha512', 'hmac-sha256'].flatMap((h) => [64, 1024, 6144].map((s) => `${h}.${s}`));
  return Object.fromEntries([...workloads, 'render', 'kpl'].map((w) => [`wasm.${w}.nobleOverHandWritten`, '≤1.2 to adopt noble']));
}

/**
 * The one table printed at the end: each row a figure of this project beside the naive path's
 * figure measured in the same run, and the target.
 */
type FigureRef = [file: string, key: string];
const SUMMARY: { subject: string; ours: FigureRef; naive?: FigureRef | string; target: string }[] = [
  { subject: 'Datadog format, lines/s in Node (compiled vs parse every time)', ours: ['format-render.ts', 'compiledLinesPerSec'], naive: ['format-render.ts', 'parseEveryTimeLinesPerSec'], target: '≥200,000 and ≥10×' },
  { subject: 'render-cost µs/line in the Wasm, a format with a ~ and a regsub (beside: an empty format)', ours: ['regex-cost.ts', 'typicalMicrosPerLine'], naive: ['regex-cost.ts', 'emptyFormatMicrosPerLine'], target: '—' },
  { subject: 'max/mean records per shard, 4 equal shards', ours: ['shard-balance.ts', 'equal4.ours.reusedSandboxes.maxOverMean'], naive: ['shard-balance.ts', 'equal4.naiveRandomKeys.maxOverMean'], target: '≤1.02' },
  { subject: 'max/mean records per shard, 5 shards after uneven splits', ours: ['shard-balance.ts', 'uneven5.ours.reusedSandboxes.maxOverMean'], naive: ['shard-balance.ts', 'uneven5.naiveRandomKeys.maxOverMean'], target: '≤1.02' },
  { subject: 'max/mean records per shard, 16 equal shards', ours: ['shard-balance.ts', 'equal16.ours.reusedSandboxes.maxOverMean'], naive: ['shard-balance.ts', 'equal16.naiveRandomKeys.maxOverMean'], target: '≤1.02' },
  { subject: 'requests until a reshard is followed', ours: ['shard-balance.ts', 'requestsToFollowReshard'], target: '≤5' },
  { subject: 'ListShards rounds per refresh period, 50 instances', ours: ['shard-balance.ts', 'listShardsRoundsPerPeriod'], naive: '50 (each lists)', target: '≤1' },
  { subject: '1 shard at 2× its limit: share delivered within the retry budget', ours: ['throttling.ts', 'deliveredShare'], naive: ['throttling.ts', 'shardCeilingShare'], target: '— (naive column: the shard\'s ceiling)' },
  { subject: '1 shard at 2× its limit: duplicates created', ours: ['throttling.ts', 'duplicates'], target: '0' },
  { subject: '1 shard at 2× its limit: silent losses', ours: ['throttling.ts', 'silentLosses'], target: '0' },
  { subject: '25 KiB payload units per 1,000 lines of ~500 B (KPL aggregation)', ours: ['aggregation.ts', 'aggregatedPayloadUnits1Shard'], naive: ['aggregation.ts', 'naivePayloadUnits'], target: '≤25 (naive 1,000)' },
  { subject: 'PutRecords calls per 1,000 requests, 8 concurrent clients, Viceroy', ours: ['e2e-overhead.ts', 'concurrentPutRecordsCallsPer1000'], naive: '1,000 (one per request)', target: '≤20 with batching' },
  { subject: 'client latency p50, logging on / off, Viceroy (ratio)', ours: ['e2e-overhead.ts', 'latencyRatioP50'], naive: ['e2e-overhead.ts', 'p50OffMs'], target: '≤1.05' },
  { subject: 'client latency p99, logging on / off, Viceroy (ratio)', ours: ['e2e-overhead.ts', 'latencyRatioP99'], naive: ['e2e-overhead.ts', 'p99OffMs'], target: '—' },
  { subject: 'Wasm vCPU ms per request for render + sign + send', ours: ['e2e-overhead.ts', 'wasmLoggingVCpuMsPerRequest'], target: '— (Compute allows 50 ms)' },
  { subject: 'Kinesis logging, product ÷ floor-put, each on − off, one at a time (naive: floor ms)', ours: ['floor.ts', 'one.kinesisLogging.ratio'], naive: ['floor.ts', 'one.kinesisLogging.floorMs'], target: '≤1.3' },
  { subject: '… bursts of 4', ours: ['floor.ts', 'burst.kinesisLogging.ratio'], naive: ['floor.ts', 'burst.kinesisLogging.floorMs'], target: '≤1.3' },
  { subject: 'proxy alone (placement none) ÷ floor-off, 6 B body, one at a time (naive: floor ms)', ours: ['floor.ts', 'one.proxyAlone6B.ratio'], naive: ['floor.ts', 'one.floor-off.cpuMsPerRequest'], target: '≤1.1' },
  { subject: '… bursts of 4', ours: ['floor.ts', 'burst.proxyAlone6B.ratio'], naive: ['floor.ts', 'burst.floor-off.cpuMsPerRequest'], target: '≤1.1' },
  { subject: '… 1 MiB body, one at a time', ours: ['floor.ts', 'one.proxyAlone1MiB.ratio'], naive: ['floor.ts', 'one.proxyAlone1MiB.floorMs'], target: '≤1.1' },
  { subject: '… 1 MiB body, bursts of 4', ours: ['floor.ts', 'burst.proxyAlone1MiB.ratio'], naive: ['floor.ts', 'burst.proxyAlone1MiB.floorMs'], target: '≤1.1' },
  { subject: '… 8 MiB body, one at a time', ours: ['floor.ts', 'one.proxyAlone8MiB.ratio'], naive: ['floor.ts', 'one.proxyAlone8MiB.floorMs'], target: '≤1.1' },
  { subject: '… 8 MiB body, bursts of 4', ours: ['floor.ts', 'burst.proxyAlone8MiB.ratio'], naive: ['floor.ts', 'burst.proxyAlone8MiB.floorMs'], target: '≤1.1' },
  { subject: 'log endpoint logging, product − floor-log, ms, one at a time', ours: ['floor.ts', 'one.logEndpoint.productMinusFloorMs'], target: '≤0.3' },
  { subject: '… bursts of 4', ours: ['floor.ts', 'burst.logEndpoint.productMinusFloorMs'], target: '≤0.3' },
  { subject: 'a logged request, product ÷ floor-put, one at a time / bursts', ours: ['floor.ts', 'one.loggedRequest.ratio'], naive: ['floor.ts', 'burst.loggedRequest.ratio'], target: '—' },
  { subject: "logging's vCPU per logged request ÷ render-cost of its line (retired target; naive: render µs)", ours: ['logging-cpu.ts', 'default.loggingOverRender'], naive: ['logging-cpu.ts', 'default.one.renderMicrosKinesisDefault'], target: '— (retired: floor.ts)' },
  { subject: "logging's vCPU ms per logged request, reused sandboxes (beside: a sandbox's first)", ours: ['logging-cpu.ts', 'default.one.reusedVCpuMs'], naive: ['logging-cpu.ts', 'default.one.firstInSandboxVCpuMs'], target: '—' },
  { subject: 'compression = gzip: extra logging vCPU ms per request (beside: without)', ours: ['logging-cpu.ts', 'gzip.extraVCpuMsPerRequest'], naive: ['logging-cpu.ts', 'default.one.vCpuMsPerRequest'], target: '—' },
  { subject: 'logging vCPU ms per logged request, 1 line: AOT build (naive: default build)', ours: ['logging-cpu.ts', 'aot.one.vCpuMsPerRequest'], naive: ['logging-cpu.ts', 'default.one.vCpuMsPerRequest'], target: 'lower, to offer AOT' },
  { subject: '… 8 lines per request (8 endpoints): AOT (naive: default)', ours: ['logging-cpu.ts', 'aot.eight.vCpuMsPerRequest'], naive: ['logging-cpu.ts', 'default.eight.vCpuMsPerRequest'], target: '—' },
  { subject: 'render-cost µs/line, Kinesis default: AOT (naive: default)', ours: ['logging-cpu.ts', 'aot.one.renderMicrosKinesisDefault'], naive: ['logging-cpu.ts', 'default.one.renderMicrosKinesisDefault'], target: '—' },
  { subject: 'render-cost µs/line, Datadog: AOT (naive: default)', ours: ['logging-cpu.ts', 'aot.one.renderMicrosDatadog'], naive: ['logging-cpu.ts', 'default.one.renderMicrosDatadog'], target: '—' },
  { subject: '25 KiB units per 1,000 lines, gzip (naive: none), Kinesis default, plain records', ours: ['compression.ts', 'kinesisDefault.gzip.payloadUnits'], naive: ['compression.ts', 'kinesisDefault.none.payloadUnits'], target: '—' },
  { subject: '… Kinesis default, KPL aggregation', ours: ['compression.ts', 'kinesisDefault.gzip.kplPayloadUnits'], naive: ['compression.ts', 'kinesisDefault.none.kplPayloadUnits'], target: '—' },
  { subject: '… Datadog, plain records', ours: ['compression.ts', 'datadog.gzip.payloadUnits'], naive: ['compression.ts', 'datadog.none.payloadUnits'], target: '—' },
  { subject: '… Datadog, KPL aggregation', ours: ['compression.ts', 'datadog.gzip.kplPayloadUnits'], naive: ['compression.ts', 'datadog.none.kplPayloadUnits'], target: '—' },
  { subject: 'bytes per line, gzip (naive: none), Kinesis default / Datadog', ours: ['compression.ts', 'kinesisDefault.gzip.bytesPerLine'], naive: ['compression.ts', 'kinesisDefault.none.bytesPerLine'], target: '—' },
  { subject: '… Datadog', ours: ['compression.ts', 'datadog.gzip.bytesPerLine'], naive: ['compression.ts', 'datadog.none.bytesPerLine'], target: '—' },
  { subject: 'MD5 of 6 KB in the Wasm, µs: src/hash (beside: @noble/hashes)', ours: ['digests.ts', 'wasm.md5.6144.handWrittenMicros'], naive: ['digests.ts', 'wasm.md5.6144.nobleMicros'], target: 'noble unless >1.2× slower' },
  { subject: '… SHA-256 of 6 KB', ours: ['digests.ts', 'wasm.sha256.6144.handWrittenMicros'], naive: ['digests.ts', 'wasm.sha256.6144.nobleMicros'], target: 'noble unless >1.2× slower' },
  { subject: '… SHA-512 of 6 KB', ours: ['digests.ts', 'wasm.sha512.6144.handWrittenMicros'], naive: ['digests.ts', 'wasm.sha512.6144.nobleMicros'], target: 'noble unless >1.2× slower' },
  { subject: '… a line of 8 digest functions', ours: ['digests.ts', 'wasm.render.handWrittenMicros'], naive: ['digests.ts', 'wasm.render.nobleMicros'], target: 'noble unless >1.2× slower' },
  { subject: '… a 50 KB KPL aggregate (MD5 trailer)', ours: ['digests.ts', 'wasm.kpl.handWrittenMicros'], naive: ['digests.ts', 'wasm.kpl.nobleMicros'], target: 'noble unless >1.2× slower' },
  { subject: '25 KiB units per 1,000 records stored, in the Wasm, Kinesis default, gzip (naive: none)', ours: ['logging-cpu.ts', 'gzip.payloadUnitsPer1000KinesisDefault'], naive: ['logging-cpu.ts', 'none.payloadUnitsPer1000KinesisDefault'], target: '—' },
];

const here = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const only = process.argv.slice(2);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))) },
  };
  for (const bench of BENCHES) {
    if (only.length && !only.some((o) => bench.file.includes(o))) continue;
    const started = Date.now();
    process.stdout.write(`\n## ${bench.file}: ${bench.subject}\n`);
    try {
      const mod = (await import(path.join(here, bench.file))) as { run: () => Promise<Record<string, number | string>> };
      const figures = await mod.run();
      results[bench.file] = { figures, targets: bench.targets, seconds: (Date.now() - started) / 1000 };
      printTable(figures, bench.targets);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results[bench.file] = { error: message };
      console.log(`  not measured: ${message}`);
    }
  }
  mkdirSync(path.join(here, 'results'), { recursive: true });
  const balance = (results['shard-balance.ts'] as { figures?: Record<string, string> } | undefined)?.figures;
  if (balance?.['uneven5.ours.recordsPerShard']) {
    const counts = (key: string) => balance[key].split(',').map(Number);
    const svg = shardSpreadSvg(
      counts('uneven5.ours.recordsPerShard'),
      counts('uneven5.naiveRandomKeys.recordsPerShard'),
      '20,000 records over 5 shards after uneven splits',
    );
    writeFileSync(path.join(here, 'results', 'shard-spread.svg'), svg);
    console.log('chart: bench/results/shard-spread.svg');
  }
  printSummary(results);
  const file = path.join(here, 'results', `${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
}

function printTable(figures: Record<string, number | string>, targets: Record<string, string>) {
  const rows = Object.entries(figures).map(([name, value]) => [name, format(value), targets[name] ?? '']);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 6));
  for (const row of rows) console.log(`  ${row[0].padEnd(widths[0])}  ${row[1].padStart(widths[1])}  ${row[2]}`);
}

function printSummary(results: Record<string, unknown>) {
  const figure = (ref: FigureRef | string | undefined): string => {
    if (ref === undefined) return '';
    if (typeof ref === 'string') return ref;
    const value = (results[ref[0]] as { figures?: Record<string, number | string> } | undefined)?.figures?.[ref[1]];
    return value === undefined ? 'not measured' : format(value);
  };
  const rows = [
    ['subject', 'this project', 'naive (same run)', 'target'],
    ...SUMMARY.map((row) => [row.subject, figure(row.ours), figure(row.naive), row.target]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('\n## Summary');
  for (const row of rows) console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`);
}

function format(value: number | string): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
