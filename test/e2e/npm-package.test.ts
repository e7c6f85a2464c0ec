/**
 * The package as a customer gets it: `npm pack`, then a Compute app of its own (test/fixtures/
 * consumer-app: its own package.json, a strict tsconfig with noUncheckedIndexedAccess,
 * exactOptionalPropertyTypes and skipLibCheck false, its own fastly.toml) installs the tarball,
 * type-checks against the package's declarations, is built by the Fastly CLI and runs in Viceroy.
 * Nothing in the app reaches into this repository's sources.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startViceroy, type ViceroyApp } from '../../src/testing/viceroy.js';
import { REPO_ROOT } from '../support/viceroy.js';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/consumer-app');
const FASTLY = path.join(REPO_ROOT, 'node_modules/.bin/fastly');

let kinesis: LocalKinesis;
let appDir: string;
let app: ViceroyApp;
let typecheck: { status: number; output: string };

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Copies the fixture app to a temp dir, filling in the tarball and the local Kinesis port. */
function createApp(tarball: string, kinesisPort: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ckl-consumer-'));
  cpSync(FIXTURE, dir, { recursive: true });
  for (const file of ['package.json', 'fastly.toml', 'src/index.ts']) {
    const target = path.join(dir, file);
    writeFileSync(target, readFileSync(target, 'utf8').replaceAll('__TARBALL__', tarball).replaceAll('__KINESIS_PORT__', String(kinesisPort)));
  }
  return dir;
}

beforeAll(async () => {
  const packDir = mkdtempSync(path.join(os.tmpdir(), 'ckl-pack-'));
  run('npm', ['pack', '--pack-destination', packDir, '--silent'], REPO_ROOT);
  const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);

  kinesis = await startLocalKinesis();
  await createStream(kinesis.url, 'orders', 2);
  appDir = createApp(tarball, kinesis.port);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], appDir);
  try {
    typecheck = { status: 0, output: run(path.join(appDir, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], appDir) };
  } catch (error) {
    const failed = error as { status: number; stdout?: string; stderr?: string };
    typecheck = { status: failed.status, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
  run(FASTLY, ['compute', 'build', '--non-interactive'], appDir, { FASTLY_WASM_METADATA_DISABLE: 'true' });
  app = await startViceroy({ cwd: appDir });
}, 600_000);

afterAll(async () => {
  await app?.shutdown();
  await kinesis?.stop();
});

async function records(atLeast: number): Promise<string[]> {
  const until = Date.now() + 20_000;
  for (;;) {
    const found = (await readStream(kinesis.url, 'orders')).map((r) => r.data);
    if (found.length >= atLeast || Date.now() > until) return found.sort();
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the packed package in a Compute app of its own', () => {
  it('installs with its declarations, which type-check under the strictest options with no error', () => {
    expect(typecheck.output).toBe('');
    expect(typecheck.status).toBe(0);
    const installed = JSON.parse(readFileSync(path.join(appDir, 'node_modules/compute-kinesis-logger/package.json'), 'utf8')) as { exports: object; private?: boolean };
    expect(installed.private).toBeUndefined();
    expect(Object.keys(installed.exports)).toEqual(['.', './format', './testing', './package.json']);
    // What was shipped: compiled code, declarations and the CLI, not this repository's sources.
    expect(readdirSync(path.join(appDir, 'node_modules/compute-kinesis-logger')).sort()).toEqual(
      ['CHANGELOG.md', 'LICENSE', 'README.md', 'SECURITY.md', 'bin', 'dist', 'package.json'].sort(),
    );
  });

  it('runs its format entry in plain Node, and its CLI as the bin', () => {
    const script =
      "import('compute-kinesis-logger/format').then(({ compileFormat, factsFromVcl }) => " +
      "console.log(compileFormat('%m %U %>s %{json.escape(req.http.X)}V').render(factsFromVcl({ 'req.method': 'PUT', 'req.url': '/a?b', 'resp.status': 201, 'req.http.X': 'q\"' }))))";
    expect(run('node', ['-e', script], appDir)).toBe('PUT /a 201 q\\"\n');
    expect(run(path.join(appDir, 'node_modules/.bin/compute-kinesis-logger'), ['--version'], appDir)).toMatch(/^compute-kinesis-logger \d+\.\d+\.\d+\n$/);
  });

  it('logs every request through handle(), sends emitted lines, and writes the lines of a log_endpoint destination and its own rendering', async () => {
    for (const pathname of ['/home', '/buy/kb-42', '/missing']) {
      const response = await app.fetch(pathname);
      expect(await response.text()).toBe(`consumer: ${pathname}\n`);
    }
    expect(await records(4)).toEqual(['GET /buy/kb-42 200', 'GET /home 200', 'GET /missing 404', 'emitted /buy/kb-42']);
    expect(app.logLines('copies')).toEqual(['{"path":"/home","status":200}', '{"path":"/buy/kb-42","status":200}', '{"path":"/missing","status":404}']);
    // The app's own line, rendered before its response existed: status as the function returned it.
    expect(app.logLines('own')).toEqual(['own GET /home 200', 'own GET /buy/kb-42 200', 'own GET /missing 404']);
    expect(app.logLines('problems')).toEqual([]);
  });

  it('warmed the logging path up when the app was built, by importing the package (admin page)', async () => {
    const stats = await app.fetch('/_kinesis_logger/stats', { headers: { authorization: 'Bearer consumer-app-admin-token' } });
    expect(stats.status).toBe(200);
    expect(((await stats.json()) as { instance: { warmUp: string } }).instance.warmUp).toBe('done');
  });
});
