/**
 * The synchronous digests (src/hash/) against @noble/hashes (issue 20 §5): MD5, SHA-1, SHA-256,
 * SHA-512 and HMAC-SHA256 over 64 B, 1 KB and 6 KB; a render of a format made of digest functions;
 * one KPL aggregate (its MD5 trailer over ~50 KB). The same workloads (bench/digests/workload.ts)
 * are bundled twice by webpack: as the product has them, and with src/hash/{md5,sha1,sha256,sha512,
 * hmac}.js replaced by the adapters in bench/digests/noble/. Both bundles run in Node; when Viceroy
 * is installed, both are also compiled with js-compute-runtime and run in Viceroy, the runtime the
 * decision rests on (StarlingMonkey interprets; Node's JIT says little about it).
 *
 * Printed: µs per run, medians of ROUNDS rounds, per build and place, and the ratio noble ÷
 * hand-written. Each Wasm round asks both programs in turn, so drift of the machine falls on both.
 *
 *   npx tsx bench/digests.ts      (or npm run bench -- digests)
 *   BENCH_DIGEST_ROUNDS=9 BENCH_DIGEST_WORKLOADS=md5,kpl npx tsx bench/digests.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import webpack from 'webpack';
import { startViceroy, viceroyBinary, type ViceroyApp } from '../src/testing/viceroy.js';
import type { Measurement } from './digests/workload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..');
const OUT_DIR = path.join(os.tmpdir(), 'ckl-bench-digests');
const ROUNDS = Number(process.env.BENCH_DIGEST_ROUNDS ?? 5);
/** Comma-separated prefixes of the workloads to run (`md5,kpl`); default every workload. */
const ONLY = (process.env.BENCH_DIGEST_WORKLOADS ?? '').split(',').filter(Boolean);

const BUILDS = ['hand-written', 'noble'] as const;
type Build = (typeof BUILDS)[number];

/** Runs per timed sample, by bytes hashed (a render weighs about 4 KB, an aggregate 50 KB): tens of ms each. */
function iterations(name: string, place: 'node' | 'wasm'): number {
  const bytes = name === 'kpl' ? 51_200 : name === 'render' ? 4096 : Number(name.split(':')[1]);
  const budget = place === 'node' ? 4_000_000 : 120_000;
  return Math.max(3, Math.round(budget / bytes));
}

const SUBSTITUTED = /[\\/]hash[\\/](md5|sha1|sha256|sha512|hmac)\.js$/;
const SUBSTITUTED_FILES = ['md5', 'sha1', 'sha256', 'sha512', 'hmac'];
/** Which files the noble builds did replace: a rename in src/hash/ must not leave both builds hand-written. */
const substituted = new Set<string>();

function webpackConfig(build: Build, kind: 'compute' | 'node'): webpack.Configuration {
  return {
    name: `${build}-${kind}`,
    entry: path.join(here, 'digests', kind === 'compute' ? 'compute-entry.ts' : 'workload.ts'),
    target: kind === 'compute' ? false : 'node20',
    mode: 'production',
    devtool: false,
    optimization: { minimize: false },
    output: { path: path.join(OUT_DIR, build), filename: `${kind}.cjs`, chunkFormat: 'commonjs', library: { type: 'commonjs' } },
    module: { rules: [{ test: /\.ts$/, loader: 'ts-loader', exclude: /node_modules/, options: { transpileOnly: true, onlyCompileBundledFiles: true } }] },
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] }, conditionNames: ['fastly', '...'] },
    externals: [/^fastly:.*$/],
    plugins:
      build === 'noble'
        ? [
            new webpack.NormalModuleReplacementPlugin(SUBSTITUTED, (resource: { request: string }) => {
              const file = SUBSTITUTED.exec(resource.request)![1];
              substituted.add(file);
              resource.request = path.join(here, 'digests', 'noble', `${file}.ts`);
            }),
          ]
        : [],
  };
}

function bundle(): Promise<void> {
  const configs = BUILDS.flatMap((build) => [webpackConfig(build, 'compute'), webpackConfig(build, 'node')]);
  return new Promise((resolve, reject) =>
    webpack(configs, (error, stats) => {
      if (error) return reject(error);
      if (stats?.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true })));
      const missed = SUBSTITUTED_FILES.filter((file) => !substituted.has(file));
      if (missed.length) return reject(new Error(`the noble build did not replace src/hash/{${missed.join(',')}}.js: has src/hash/ changed?`));
      resolve();
    }),
  );
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Workloads {
  WORKLOADS: string[];
  measure(name: string, iterations: number, nowMs: () => number): Measurement;
}

/** µs per run by build and workload, medians over ROUNDS. */
type Figures = Record<Build, Record<string, number>>;

/** Both builds must print the same digest, line or trailer: a check of noble and of the adapters. */
function compareOutputs(name: string, outputs: Record<Build, string>): void {
  if (outputs['hand-written'] !== outputs.noble) throw new Error(`${name}: the builds disagree: ${outputs['hand-written']} vs ${outputs.noble}`);
}

function nodeFigures(): { names: string[]; figures: Figures } {
  const load = createRequire(import.meta.url);
  const modules = Object.fromEntries(BUILDS.map((b) => [b, load(path.join(OUT_DIR, b, 'node.cjs')) as Workloads])) as Record<Build, Workloads>;
  const names = modules['hand-written'].WORKLOADS.filter((name) => ONLY.length === 0 || ONLY.some((prefix) => name.startsWith(prefix)));
  const samples: Record<Build, Record<string, number[]>> = { 'hand-written': {}, noble: {} };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const outputs = {} as Record<Build, string>;
      for (const build of BUILDS) {
        const m = modules[build].measure(name, iterations(name, 'node'), () => performance.now());
        (samples[build][name] ??= []).push(m.micros);
        outputs[build] = m.output;
      }
      compareOutputs(name, outputs);
    }
  }
  return { names, figures: mapFigures(samples) };
}

function mapFigures(samples: Record<Build, Record<string, number[]>>): Figures {
  return Object.fromEntries(BUILDS.map((b) => [b, Object.fromEntries(Object.entries(samples[b]).map(([n, v]) => [n, median(v)]))])) as Figures;
}

/** Why the Wasm part cannot run here, or undefined when it can. */
function wasmSkipped(): string | undefined {
  const viceroy = viceroyBinary();
  const found = viceroy.includes('/') ? existsSync(viceroy) : spawnSync('sh', ['-c', `command -v ${viceroy}`]).status === 0;
  return found ? undefined : 'no Viceroy ($VICEROY, ~/.cargo/bin/viceroy or PATH): the Wasm figures were not measured';
}

function compileWasm(build: Build): string {
  const wasm = path.join(OUT_DIR, build, 'main.wasm');
  const result = spawnSync('npx', ['js-compute-runtime', path.join(OUT_DIR, build, 'compute.cjs'), wasm], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`js-compute-runtime failed for the ${build} build`);
  return wasm;
}

const MANIFEST = 'manifest_version = 3\nname = "digest-bench"\nlanguage = "javascript"\n';

async function wasmFigures(names: string[]): Promise<Figures> {
  const apps = {} as Record<Build, ViceroyApp>;
  try {
    for (const build of BUILDS) apps[build] = await startViceroy({ wasm: compileWasm(build), manifest: MANIFEST, cwd: REPO_ROOT });
    const samples: Record<Build, Record<string, number[]>> = { 'hand-written': {}, noble: {} };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) {
        const outputs = {} as Record<Build, string>;
        for (const build of BUILDS) {
          const answer = await apps[build].fetch(`/?workload=${encodeURIComponent(name)}&n=${iterations(name, 'wasm')}`);
          if (!answer.ok) throw new Error(`${build} ${name}: ${answer.status} ${await answer.text()}`);
          const m = (await answer.json()) as Measurement;
          (samples[build][name] ??= []).push(m.micros);
          outputs[build] = m.output;
        }
        compareOutputs(name, outputs);
      }
    }
    return mapFigures(samples);
  } finally {
    for (const app of Object.values(apps)) await app.shutdown();
  }
}

function flatten(place: string, names: string[], figures: Figures): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const key = `${place}.${name.replace(':', '.')}`;
    out[`${key}.handWrittenMicros`] = Number(figures['hand-written'][name].toFixed(2));
    out[`${key}.nobleMicros`] = Number(figures.noble[name].toFixed(2));
    out[`${key}.nobleOverHandWritten`] = Number((figures.noble[name] / figures['hand-written'][name]).toFixed(2));
  }
  return out;
}

export async function run(): Promise<Record<string, number | string>> {
  mkdirSync(OUT_DIR, { recursive: true });
  await bundle();
  const node = nodeFigures();
  const figures: Record<string, number | string> = flatten('node', node.names, node.figures);
  const skipped = wasmSkipped();
  if (skipped) figures.wasm = skipped;
  else Object.assign(figures, flatten('wasm', node.names, await wasmFigures(node.names)));
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run()
    .then((figures) => {
      for (const [key, value] of Object.entries(figures)) console.log(`${key}\t${value}`);
      writeFileSync(path.join(OUT_DIR, 'figures.json'), JSON.stringify(figures, null, 2));
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
