/**
 * Where logging's CPU goes inside the compiled Wasm, in Viceroy, and how it compares with rendering
 * the line it logs (issue 12 items 1, 2 and 4):
 *
 *   - logging's vCPU per logged request, from the timing lines (`timing_log_endpoint`), overall and
 *     split into a sandbox's first request (which also loads the configuration) and the requests
 *     of a reused sandbox;
 *   - the same span by phase (config, facts, render, limits, shard pick, request body, signing,
 *     fetch, answer, counters; `wait` apart), from the phase lines (`phase_log_endpoint`), in an instance
 *     of its own so the meter's own cost stays out of the timing figure;
 *   - rendering one line, from `/_kinesis_logger/render-cost` in the same instance: the ratio
 *     logging ÷ render was issue 12's target (≤ 10×), retired for the floor measurement (floor.ts);
 *   - 8 endpoints per request (8 lines of one request share a PutRecords call): the workload where
 *     code runs many times per request;
 *   - `compression = gzip`: its CPU, and 25 KiB payload units per 1,000 stored records against the
 *     uncompressed instance of the same run.
 *
 * Every instance runs the same bin/main.wasm (and bin/main-aot.wasm, the `--enable-aot` build, when
 * a weval binary is installed: both builds side by side; otherwise AOT is reported as skipped).
 * All instances are started, then driven in turn with one request at a time (drive), in one run;
 * figures are means over every logged request. Requires `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATADOG_DEFAULT_FORMAT } from '../src/format/index.js';
import { PAYLOAD_UNIT_BYTES } from '../src/kinesis/limits.js';
import { createStream, readStream, startLocalKinesis } from '../src/testing/local-kinesis.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { parsePhaseLine, parseTimingLine, type PhaseLine, type TimingLine } from '../test/support/timing-lines.js';
import { REPO_ROOT, setConfigItem, startViceroy, WASM_PATH, type ViceroyApp } from '../test/support/viceroy.js';

const REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 300);
const WARMUP = 20;
const RENDERS = 5_000;
const RENDER_ROUNDS = 3;
const STREAM = 'compute-logs';
const GZIP_STREAM = 'compute-logs-gzip';
const EIGHT = 8;

export const AOT_WASM_PATH = path.join(REPO_ROOT, 'bin/main-aot.wasm');
/** Where @bytecodealliance/weval looks before it downloads (README "Benchmarks"). */
export const WEVAL_BIN = path.join(REPO_ROOT, 'node_modules/@bytecodealliance/weval/x86_64-linux/weval');

type Scenario = 'one' | 'phases' | 'eight' | 'gzip';

interface Instance {
  build: 'default' | 'aot';
  scenario: Scenario;
  app: ViceroyApp;
}

/** The service keys and endpoint items of each scenario (fastly.toml's `main` endpoint is the Kinesis default format). */
function manifestFor(scenario: Scenario, kinesisPort: number): (toml: string) => string {
  return (toml) => {
    let out = setConfigItem(toml, 'timing_log_endpoint', 'timing');
    if (scenario === 'eight') {
      const names = Array.from({ length: EIGHT }, (_, i) => `e${i + 1}`);
      out = setConfigItem(out, 'endpoints', names.join(','));
      for (const name of names) {
        for (const [key, value] of Object.entries({ stream_name: STREAM, region: 'us-east-1', endpoint_url: `http://127.0.0.1:${kinesisPort}/` })) out = setConfigItem(out, `${name}.${key}`, value);
      }
      return out;
    }
    // A second endpoint (placement none: never sends) carries Fastly's Datadog format for /render-cost.
    out = setConfigItem(out, 'endpoints', 'main,datadog');
    for (const [key, value] of Object.entries({ stream_name: STREAM, region: 'us-east-1', placement: 'none', format: DATADOG_DEFAULT_FORMAT })) out = setConfigItem(out, `datadog.${key}`, value);
    if (scenario === 'phases') out = setConfigItem(out, 'phase_log_endpoint', 'phases');
    if (scenario === 'gzip') out = setConfigItem(setConfigItem(out, 'main.compression', 'gzip'), 'main.stream_name', GZIP_STREAM);
    return out;
  };
}

/** The AOT build, made from the same bin/index.cjs when weval is there and the Wasm is missing or older. */
function aotWasm(): { path?: string; skipped?: string } {
  if (!existsSync(WEVAL_BIN)) return { skipped: `no weval binary at ${path.relative(REPO_ROOT, WEVAL_BIN)} (cargo install weval --locked --version 0.3.4, then copy it there)` };
  const bundle = path.join(REPO_ROOT, 'bin/index.cjs');
  if (!existsSync(AOT_WASM_PATH) || statSync(AOT_WASM_PATH).mtimeMs < statSync(bundle).mtimeMs) {
    const built = spawnSync('npx', ['js-compute-runtime', '--enable-aot', '--weval-bin', WEVAL_BIN, bundle, AOT_WASM_PATH], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) return { skipped: `js-compute-runtime --enable-aot failed (exit ${built.status})` };
  }
  return { path: AOT_WASM_PATH };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

export async function run(): Promise<Record<string, number | string>> {
  const aot = aotWasm();
  const builds: { build: Instance['build']; wasm: string }[] = [{ build: 'default', wasm: WASM_PATH }];
  if (aot.path) builds.push({ build: 'aot', wasm: aot.path });

  const kinesis = await startLocalKinesis();
  const origin = await startDemoOrigin();
  await createStream(kinesis.url, STREAM, 4);
  await createStream(kinesis.url, GZIP_STREAM, 4);
  const plan: { build: Instance['build']; wasm: string; scenario: Scenario }[] = [];
  for (const { build, wasm } of builds) for (const scenario of ['one', 'phases', 'eight', 'gzip'] as const) if (build === 'default' || scenario !== 'gzip') plan.push({ build, wasm, scenario });
  // Started one at a time: each Viceroy compiles the Wasm first, and several at once on a small
  // machine would exceed the harness's start deadline.
  const instances: Instance[] = [];
  try {
    for (const { build, wasm, scenario } of plan) {
      instances.push({ build, scenario, app: await startViceroy({ wasm, ports: { origin: origin.port, kinesis: kinesis.port }, editManifest: manifestFor(scenario, kinesis.port) }) });
    }
    const figures: Record<string, number | string> = {};
    const byKey = new Map<string, Record<string, number>>();
    await drive(instances);
    const renders = await renderCosts(instances);
    instances.forEach((instance, i) => {
      const measured = { ...figuresOf(instance), ...renders[i] };
      byKey.set(`${instance.build}.${instance.scenario}`, measured);
      for (const [name, value] of Object.entries(measured)) figures[`${instance.build}.${instance.scenario}.${name}`] = value;
    });
    for (const { build, wasm } of builds) figures[`${build}.wasmMegabytes`] = round(statSync(wasm).size / 1e6, 1);
    const one = (build: string) => byKey.get(`${build}.one`)!;
    // Issue 12's (retired) yardstick: logging's vCPU per logged request over the render-cost of its line.
    figures['default.loggingOverRender'] = round((one('default').vCpuMsPerRequest * 1000) / one('default').renderMicrosKinesisDefault, 1);
    figures['default.reusedOverRender'] = round((one('default').reusedVCpuMs * 1000) / one('default').renderMicrosKinesisDefault, 1);
    figures['default.phaseMeterCostMs'] = round(byKey.get('default.phases')!.vCpuMsPerRequest - one('default').vCpuMsPerRequest);
    const gzip = byKey.get('default.gzip')!;
    figures['gzip.extraVCpuMsPerRequest'] = round(gzip.vCpuMsPerRequest - one('default').vCpuMsPerRequest);
    figures['gzip.payloadUnitsPer1000KinesisDefault'] = round(await payloadUnitsPer1000(kinesis.url, GZIP_STREAM), 1);
    figures['none.payloadUnitsPer1000KinesisDefault'] = round(await payloadUnitsPer1000(kinesis.url, STREAM), 1);
    if (aot.path) {
      figures['aotOverDefault.loggingVCpu'] = round(one('aot').vCpuMsPerRequest / one('default').vCpuMsPerRequest, 2);
      figures['aotOverDefault.eightLinesVCpu'] = round(byKey.get('aot.eight')!.vCpuMsPerRequest / byKey.get('default.eight')!.vCpuMsPerRequest, 2);
      figures['aotOverDefault.renderKinesisDefault'] = round(one('aot').renderMicrosKinesisDefault / one('default').renderMicrosKinesisDefault, 2);
      figures['aotOverDefault.renderDatadog'] = round(one('aot').renderMicrosDatadog / one('default').renderMicrosDatadog, 2);
    } else {
      figures.aot = `skipped: ${aot.skipped}`;
      for (const key of ['aot.one.vCpuMsPerRequest', 'aot.eight.vCpuMsPerRequest', 'aot.one.renderMicrosKinesisDefault', 'aot.one.renderMicrosDatadog']) figures[key] = 'skipped (no weval)';
    }
    figures.requestsPerInstance = REQUESTS;
    printPhaseTable(instances.filter((i) => i.scenario === 'phases'), figures);
    return figures;
  } finally {
    await Promise.all(instances.map((i) => i.app.shutdown()));
    await origin.stop();
    await kinesis.stop();
  }
}

/**
 * Request i goes to every instance in turn before request i + 1 goes to any (one at a time, never
 * two at once), so every instance sees the same machine load over the run: on a shared 2-core
 * machine, instances measured one after the other differed by up to 1.5× in the same figure.
 */
async function drive(instances: readonly Instance[]): Promise<void> {
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    for (const { app, scenario } of instances) await (await app.fetch(`/bench/${scenario}/${i}`)).arrayBuffer();
  }
  const deadline = Date.now() + 30_000;
  while (instances.some(({ app }) => app.logLines('timing').length < WARMUP + REQUESTS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

/** Render-cost of every instance but the 8-endpoint ones, in interleaved rounds; the median round each. */
async function renderCosts(instances: readonly Instance[]): Promise<Record<string, number>[]> {
  const rounds: { main: number; datadog: number }[][] = instances.map(() => []);
  for (let round = 0; round < RENDER_ROUNDS; round++) {
    for (const [i, { app, scenario }] of instances.entries()) {
      if (scenario === 'eight') continue;
      const answer = await app.fetch(`/_kinesis_logger/render-cost?n=${RENDERS}`, { headers: { authorization: 'Bearer local-admin-token' } });
      const { endpoints } = (await answer.json()) as { endpoints: Record<string, { vCpuMicrosPerLine: number }> };
      rounds[i].push({ main: endpoints.main.vCpuMicrosPerLine, datadog: endpoints.datadog.vCpuMicrosPerLine });
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return rounds.map((r): Record<string, number> =>
    r.length === 0 ? {} : { renderMicrosKinesisDefault: round(median(r.map((x) => x.main)), 1), renderMicrosDatadog: round(median(r.map((x) => x.datadog)), 1) },
  );
}

/** Means over the logged requests of one instance (the warm-up left out). */
function figuresOf({ app, scenario }: Instance): Record<string, number> {
  const timing: TimingLine[] = app.logLines('timing').slice(WARMUP).map(parseTimingLine);
  const first = timing.filter((t) => t.request === 1);
  const reused = timing.filter((t) => t.request > 1);
  const figures: Record<string, number> = {
    // vCpuTime counts whole milliseconds; a mean over every request is unbiased.
    vCpuMsPerRequest: round(mean(timing.map((t) => t.vCpuMs))),
    firstInSandboxVCpuMs: round(mean(first.map((t) => t.vCpuMs))),
    reusedVCpuMs: round(mean(reused.map((t) => t.vCpuMs))),
    firstInSandboxShare: round(first.length / Math.max(1, timing.length)),
    linesPerRequest: round(mean(timing.map((t) => t.lines)), 1),
  };
  if (scenario === 'phases') {
    const phases: PhaseLine[] = app.logLines('phases').slice(WARMUP).map(parsePhaseLine);
    for (const [group, lines] of [['reused', phases.filter((p) => p.request > 1)], ['first', phases.filter((p) => p.request === 1)]] as const) {
      const names = Object.keys(lines[0]?.phases ?? {});
      for (const name of names) figures[`${group}.${name}Us`] = Math.round(mean(lines.map((l) => l.phases[name])));
      figures[`${group}.cpuUs`] = Math.round(mean(lines.map((l) => names.filter((n) => n !== 'wait').reduce((sum, n) => sum + l.phases[n], 0))));
    }
  }
  return figures;
}

/** Kinesis bills 25 KiB units per record (data + partition key, rounded up): per 1,000 records of the stream. */
async function payloadUnitsPer1000(url: string, stream: string): Promise<number> {
  const records = await readStream(url, stream);
  const units = records.reduce((sum, r) => sum + Math.ceil((r.bytes.length + Buffer.byteLength(r.partitionKey)) / PAYLOAD_UNIT_BYTES), 0);
  return (units / Math.max(1, records.length)) * 1000;
}

/** The breakdown, per build: one row per phase, reused sandboxes and first requests side by side. */
function printPhaseTable(instances: Instance[], figures: Record<string, number | string>) {
  const builds = instances.map((i) => i.build);
  const phases = Object.keys(figures)
    .filter((k) => k.startsWith('default.phases.reused.') && k.endsWith('Us'))
    .map((k) => k.slice('default.phases.reused.'.length, -2));
  console.log(`\n  logging's time per logged request by phase, µs (mean; ${REQUESTS} requests per instance; wait is not CPU)`);
  console.log(`  ${'phase'.padEnd(14)}${builds.map((b) => `${b} reused`.padStart(16) + `${b} first`.padStart(16)).join('')}`);
  for (const phase of phases) {
    const cells = builds.map((b) => String(figures[`${b}.phases.reused.${phase}Us`] ?? '').padStart(16) + String(figures[`${b}.phases.first.${phase}Us`] ?? '').padStart(16));
    console.log(`  ${phase.padEnd(14)}${cells.join('')}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(48)} ${value}`);
}
