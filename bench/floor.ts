/**
 * What a logged request costs against the floor: the smallest Compute programs that do the same
 * job on the same stack (issue 19), measured from outside the Wasm as the CPU time of each
 * program's own Viceroy process (/proc/<pid>/stat), every program driven in turn in one run.
 *
 *   floor-off   a proxy: the origin's response handed back (bench/floor/floor-off.ts)
 *   floor-put   + one PutRecords call of one ~450-byte line, signed by aws4fetch (floor-put.ts)
 *   floor-log   + one fixed line written with fastly:logger (floor-log.ts)
 *   product     bin/main.wasm three ways: endpoint `main` as fastly.toml has it (Kinesis), with
 *               `placement: none` (the proxy alone), and with `destination: log_endpoint`
 *
 * Two phases: one request at a time (each instance in turn), then bursts of 4 concurrent requests
 * per instance (sandboxes still logging make new ones start, as in production). Logging's cost is
 * on − off of the same program. The proxy alone is also measured with origin bodies of 1 MiB and
 * 8 MiB. Every record and line is counted on arrival. Requires `npm run build` first; the floor
 * programs are built here (webpack + js-compute-runtime, the product's own toolchain and
 * sandbox-reuse options) when missing or older than their sources.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import webpack from 'webpack';
import { createStream, readStream, startLocalKinesis } from '../src/testing/local-kinesis.js';
import { startViceroy as startProgram } from '../src/testing/viceroy.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { REPO_ROOT, setConfigItem, startViceroy, WASM_PATH, type ViceroyApp } from '../test/support/viceroy.js';

const REQUESTS = Number(process.env.BENCH_FLOOR_REQUESTS ?? 400);
const BIG_BODY_REQUESTS = Number(process.env.BENCH_FLOOR_BIG_REQUESTS ?? 60);
const WARMUP = 20;
const BURST = 4;
const FLOOR_STREAM = 'floor';
const PRODUCT_STREAM = 'compute-logs';
const BEFORE_STREAM = 'compute-logs-before';
const LINES_ENDPOINT = 'lines';
const FLOOR_PROGRAMS = ['floor-off', 'floor-put', 'floor-log'] as const;
const BODIES = { '6B': 6, '1MiB': 1 << 20, '8MiB': 8 << 20 } as const;

type Variant = 'kinesis' | 'none' | 'log';
type Name = (typeof FLOOR_PROGRAMS)[number] | `product-${Variant}` | `before-${Variant}`;

/**
 * Another build of the product measured beside this one in the same run (`BENCH_FLOOR_BEFORE_WASM`,
 * e.g. main's bin/main.wasm copied aside): a change to the request path judged before and after
 * on the same machine load.
 */
const BEFORE_WASM = process.env.BENCH_FLOOR_BEFORE_WASM;
type Phase = 'one' | 'burst';

interface Instance {
  name: Name;
  app: ViceroyApp;
}

/** CPU seconds (user + system) of a process so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Builds bench/floor/<name>.ts into bin/<name>.wasm unless it is newer than every floor source. */
async function buildFloorPrograms(): Promise<void> {
  const sources = ['floor-off.ts', 'floor-put.ts', 'floor-log.ts', 'floor-line.ts'].map((f) => path.join(REPO_ROOT, 'bench/floor', f));
  const newestSource = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  const stale = FLOOR_PROGRAMS.filter((name) => {
    const wasm = path.join(REPO_ROOT, `bin/${name}.wasm`);
    return !existsSync(wasm) || statSync(wasm).mtimeMs < newestSource;
  });
  if (stale.length === 0) return;
  const [compute] = (await import(pathToFileURL(path.join(REPO_ROOT, 'webpack.config.js')).href)).default as webpack.Configuration[];
  const configs: webpack.Configuration[] = stale.map((name) => ({
    ...compute,
    name,
    entry: path.join(REPO_ROOT, `bench/floor/${name}.ts`),
    output: { ...compute.output, filename: `${name}.cjs` },
    plugins: [...(compute.plugins ?? []), new webpack.DefinePlugin({ FLOOR_KINESIS_URL: JSON.stringify('http://kinesis.floor.invalid/') })],
  }));
  await new Promise<void>((resolve, reject) =>
    webpack(configs, (error, stats) => (error || stats?.hasErrors() ? reject(error ?? new Error(stats?.toString('errors-only'))) : resolve())),
  );
  for (const name of stale) {
    const built = spawnSync('npx', ['js-compute-runtime', `bin/${name}.cjs`, `bin/${name}.wasm`], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) throw new Error(`js-compute-runtime failed for ${name} (exit ${built.status})`);
  }
}

function floorManifest(originPort: number, kinesisPort: number): string {
  return [
    'manifest_version = 3',
    'name = "floor"',
    'language = "javascript"',
    '[local_server.backends.origin]',
    `url = "http://127.0.0.1:${originPort}/"`,
    '[local_server.backends.kinesis]',
    `url = "http://127.0.0.1:${kinesisPort}/"`,
  ].join('\n');
}

/** The product's endpoint `main` for each variant (fastly.toml's is the Kinesis default format). */
function productManifest(variant: Variant, stream: string): (toml: string) => string {
  if (variant === 'none') return (toml) => setConfigItem(toml, 'main.placement', 'none');
  if (variant === 'log') return (toml) => setConfigItem(toml, 'main', JSON.stringify({ destination: 'log_endpoint', log_endpoint: LINES_ENDPOINT }));
  return (toml) => setConfigItem(toml, 'main.stream_name', stream);
}

/** What each instance delivered so far: records in its stream, or lines on its log endpoint. */
async function delivered(instance: Instance, kinesisUrl: string): Promise<number | undefined> {
  switch (instance.name) {
    case 'floor-put':
      return (await readStream(kinesisUrl, FLOOR_STREAM)).length;
    case 'product-kinesis':
      return (await readStream(kinesisUrl, PRODUCT_STREAM)).length;
    case 'before-kinesis':
      return (await readStream(kinesisUrl, BEFORE_STREAM)).length;
    case 'floor-log':
      return instance.app.logLines('floor').length;
    case 'product-log':
    case 'before-log':
      return instance.app.logLines(LINES_ENDPOINT).length;
    default:
      return undefined;
  }
}

async function request(app: ViceroyApp, bodyBytes: number, i: number): Promise<void> {
  const answer = await app.fetch(`/bytes/${bodyBytes}?i=${i}`);
  const body = await answer.arrayBuffer();
  if (answer.status !== 200 || body.byteLength !== bodyBytes) throw new Error(`${app.url}: status ${answer.status}, ${body.byteLength} of ${bodyBytes} bytes`);
}

/**
 * Drives `instances` with `count` requests each: one at a time, each instance in turn, or bursts
 * of BURST concurrent requests per instance in turn. Returns each instance's CPU seconds spent,
 * read once everything it sent has arrived (and a quiet second after, for the last waitUntil).
 */
async function drivePhase(instances: readonly Instance[], phase: Phase, bodyBytes: number, count: number, kinesisUrl: string): Promise<number[]> {
  const expected = await Promise.all(instances.map((i) => delivered(i, kinesisUrl)));
  const before = instances.map((i) => cpuSeconds(i.app.pid));
  const step = phase === 'one' ? 1 : BURST;
  for (let sent = 0; sent < count; sent += step) {
    for (const { app } of instances) {
      await Promise.all(Array.from({ length: Math.min(step, count - sent) }, (_, k) => request(app, bodyBytes, sent + k)));
    }
  }
  const deadline = Date.now() + 60_000;
  for (const [i, instance] of instances.entries()) {
    const want = expected[i] === undefined ? undefined : expected[i]! + count;
    for (;;) {
      const have = await delivered(instance, kinesisUrl);
      if (have === undefined || have >= want!) break;
      if (Date.now() > deadline) throw new Error(`${instance.name}: ${have - expected[i]!} of ${count} records or lines arrived within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await new Promise((r) => setTimeout(r, 1_000));
  return instances.map((instance, i) => cpuSeconds(instance.app.pid) - before[i]);
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export async function run(): Promise<Record<string, number | string>> {
  if (!existsSync(WASM_PATH)) throw new Error('bin/main.wasm is missing: npm run build first');
  await buildFloorPrograms();
  const kinesis = await startLocalKinesis();
  const origin = await startDemoOrigin();
  await createStream(kinesis.url, FLOOR_STREAM, 1);
  await createStream(kinesis.url, PRODUCT_STREAM, 4);
  if (BEFORE_WASM) await createStream(kinesis.url, BEFORE_STREAM, 4);
  const ports = { origin: origin.port, kinesis: kinesis.port };
  const instances: Instance[] = [];
  try {
    // One at a time: each Viceroy compiles its Wasm before it listens.
    for (const name of FLOOR_PROGRAMS) {
      instances.push({ name, app: await startProgram({ manifest: floorManifest(origin.port, kinesis.port), wasm: path.join(REPO_ROOT, `bin/${name}.wasm`), cwd: REPO_ROOT }) });
    }
    const builds = [{ build: 'product', wasm: WASM_PATH, stream: PRODUCT_STREAM }] as const satisfies readonly { build: string; wasm: string; stream: string }[];
    const withBefore = BEFORE_WASM ? [...builds, { build: 'before', wasm: path.resolve(BEFORE_WASM), stream: BEFORE_STREAM } as const] : builds;
    for (const { build, wasm, stream } of withBefore) {
      for (const variant of ['kinesis', 'none', 'log'] as const) {
        instances.push({ name: `${build}-${variant}`, app: await startViceroy({ ports, wasm, editManifest: productManifest(variant, stream) }) });
      }
    }
    const byName = (name: Name) => instances.findIndex((i) => i.name === name);
    await drivePhase(instances, 'one', BODIES['6B'], WARMUP, kinesis.url);

    const figures: Record<string, number | string> = {};
    for (const phase of ['one', 'burst'] as const) {
      const cpu = await drivePhase(instances, phase, BODIES['6B'], REQUESTS, kinesis.url);
      const msPerRequest = (name: Name) => (cpu[byName(name)] * 1000) / REQUESTS;
      for (const { name } of instances) figures[`${phase}.${name}.cpuMsPerRequest`] = round(msPerRequest(name), 3);
      const productKinesis = msPerRequest('product-kinesis') - msPerRequest('product-none');
      const floorPut = msPerRequest('floor-put') - msPerRequest('floor-off');
      figures[`${phase}.kinesisLogging.productMs`] = round(productKinesis, 3);
      figures[`${phase}.kinesisLogging.floorMs`] = round(floorPut, 3);
      figures[`${phase}.kinesisLogging.ratio`] = round(productKinesis / floorPut);
      figures[`${phase}.proxyAlone6B.ratio`] = round(msPerRequest('product-none') / msPerRequest('floor-off'));
      figures[`${phase}.loggedRequest.ratio`] = round(msPerRequest('product-kinesis') / msPerRequest('floor-put'));
      figures[`${phase}.logEndpoint.productMinusFloorMs`] = round(
        msPerRequest('product-log') - msPerRequest('product-none') - (msPerRequest('floor-log') - msPerRequest('floor-off')),
        3,
      );
      if (BEFORE_WASM) {
        figures[`${phase}.before.kinesisLogging.ratio`] = round((msPerRequest('before-kinesis') - msPerRequest('before-none')) / floorPut);
        figures[`${phase}.before.proxyAlone6B.ratio`] = round(msPerRequest('before-none') / msPerRequest('floor-off'));
        figures[`${phase}.before.loggedRequest.ratio`] = round(msPerRequest('before-kinesis') / msPerRequest('floor-put'));
      }
    }

    // The proxy alone with large bodies: only the two programs that log nothing.
    const proxies = instances.filter((i) => i.name === 'floor-off' || i.name.endsWith('-none'));
    for (const size of ['1MiB', '8MiB'] as const) {
      for (const phase of ['one', 'burst'] as const) {
        const cpu = await drivePhase(proxies, phase, BODIES[size], BIG_BODY_REQUESTS, kinesis.url);
        const [floor] = cpu;
        figures[`${phase}.proxyAlone${size}.floorMs`] = round((floor * 1000) / BIG_BODY_REQUESTS);
        proxies.slice(1).forEach(({ name }, i) => {
          const build = name.slice(0, name.indexOf('-'));
          const label = build === 'product' ? '' : `${build}.`;
          figures[`${phase}.${label}proxyAlone${size}.productMs`] = round((cpu[i + 1] * 1000) / BIG_BODY_REQUESTS);
          figures[`${phase}.${label}proxyAlone${size}.ratio`] = round(cpu[i + 1] / floor);
        });
      }
    }
    figures.requestsPerInstance = REQUESTS;
    figures.bigBodyRequestsPerInstance = BIG_BODY_REQUESTS;
    return figures;
  } finally {
    await Promise.all(instances.map((i) => i.app.shutdown()));
    await origin.stop();
    await kinesis.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run());
}
