/**
 * The package as a customer gets it, following the documentation's own steps: `npm pack`, then a
 * fresh Compute app shaped like `npm create @fastly/compute`'s TypeScript starter kit
 * (test/fixtures/consumer-app, with a strict tsconfig: noUncheckedIndexedAccess,
 * exactOptionalPropertyTypes, skipLibCheck false) takes, from the documentation (STEPS below), its
 * `npm install` lines, its src/index.ts, its [local_server] block (appended to fastly.toml) and
 * its commands: `local-kinesis`, `fastly compute serve` (or `npm start`), `curl`, `tail`. Nothing
 * in the app reaches into this repository's sources.
 *
 * What the test changes in the documented commands, and only that: the package comes from this
 * repository's tarball (an install line naming compute-kinesis-logger gets the tarball; other
 * lines, such as a clone, are not run); free ports instead of 4567 and 7676 (other tests and
 * `npm run dev` may hold those); and serve gets the Viceroy this machine has (`--viceroy-path`:
 * no download) and `--non-interactive`.
 *
 * A second program in the same installed app (test/fixtures/package-extras) covers what the quick
 * start does not: endpoints given in code, a log_endpoint destination, and the format engine
 * (`/format`) inside the Wasm.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findViceroy } from '../../src/testing/find-viceroy.js';
import { createStream, readStream } from '../../src/testing/local-kinesis.js';
import { canConnect, freePort, startViceroy, type ViceroyApp } from '../../src/testing/viceroy.js';
import { docBlocks, shellCommands } from '../support/doc-steps.js';
import { REPO_ROOT } from '../support/viceroy.js';

/** Where each kind of step is documented: a page and the heading of its section. */
const QUICK_START = { file: path.join(REPO_ROOT, 'README.md'), heading: 'Add it to your Compute app' };
const STEPS = { commands: QUICK_START, code: QUICK_START, config: QUICK_START };

const STARTER_APP = path.join(REPO_ROOT, 'test/fixtures/consumer-app');
const EXTRAS = path.join(REPO_ROOT, 'test/fixtures/package-extras');
const FASTLY = path.join(REPO_ROOT, 'node_modules/.bin/fastly');
/** The documentation's local ports. */
const DOC_KINESIS = '127.0.0.1:4567';
const DOC_APP = '127.0.0.1:7676';

let packDir: string | undefined;
let appDir: string;
let kinesisUrl: string;
let appUrl: string;
let typecheck: { status: number; output: string };
let localKinesis: Command | undefined;
let serve: Command | undefined;
let extras: ViceroyApp | undefined;
/** Seconds from the app's creation to each step, printed at the end. */
const timeline: [string, number][] = [];
const started = Date.now();
const mark = (step: string) => timeline.push([step, Math.round((Date.now() - started) / 100) / 10]);

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A long-running command as a terminal runs it: its own process group, which Ctrl-C (SIGINT) reaches whole. */
interface Command {
  output: () => string;
  stdout: () => string;
  waitFor: (what: RegExp | (() => Promise<boolean>), timeoutMs: number) => Promise<void>;
  /** Ctrl-C to the whole group (npx, and the command it runs); resolves once it has ended. */
  interrupt: () => Promise<void>;
}

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Command {
  const child: ChildProcess = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let all = '';
  child.stdout!.on('data', (d) => ((stdout += d), (all += d)));
  child.stderr!.on('data', (d) => (all += d));
  let status: number | string | undefined;
  const exited = new Promise<void>((resolve) => child.on('exit', (code, signal) => ((status = code ?? signal ?? 'gone'), resolve())));
  const label = () => `${command} ${args.join(' ')}`;
  return {
    output: () => all,
    stdout: () => stdout,
    async waitFor(what, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (what instanceof RegExp ? what.test(stdout) : await what()) return;
        if (status !== undefined) throw new Error(`${label()} exited (${status}):\n${all}`);
        if (Date.now() > deadline) throw new Error(`${label()}: not ready within ${timeoutMs / 1000} s:\n${all}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async interrupt() {
      if (status !== undefined) return;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // already gone
        }
      };
      signal('SIGINT');
      const timer = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The documented blocks of one kind, from where STEPS says they are. */
function documented(kind: keyof typeof STEPS, lang: string): string[] {
  return docBlocks(STEPS[kind].file, STEPS[kind].heading, lang);
}

/** The documented commands, each checked to be there. */
function documentedCommands() {
  const commands = shellCommands(documented('commands', 'sh'));
  const find = (pattern: RegExp) => {
    const found = commands.find((c) => pattern.test(c));
    if (!found) throw new Error(`${STEPS.commands.file}, "${STEPS.commands.heading}": no command matching ${pattern} in ${JSON.stringify(commands)}`);
    return found.split(/\s+/);
  };
  const installs = commands.filter((c) => /^npm install\b/.test(c)).map((c) => c.split(/\s+/));
  if (!installs.some((args) => args.some((a) => a.includes('compute-kinesis-logger')))) throw new Error(`no npm install of compute-kinesis-logger in ${JSON.stringify(commands)}`);
  return {
    installs,
    localKinesis: find(/^npx compute-kinesis-logger local-kinesis\b/),
    serve: find(/^(fastly compute serve|npm start)\b/),
    curl: find(/^curl\b/),
    tail: find(/^npx compute-kinesis-logger tail\b/),
  };
}

beforeAll(async () => {
  const steps = documentedCommands();

  packDir = mkdtempSync(path.join(os.tmpdir(), 'ckl-pack-'));
  run('npm', ['pack', '--pack-destination', packDir, '--silent'], REPO_ROOT);
  const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  mark('npm pack');

  // A fresh starter-kit app, then the page's steps.
  appDir = mkdtempSync(path.join(os.tmpdir(), 'ckl-consumer-'));
  cpSync(STARTER_APP, appDir, { recursive: true });
  for (const [npm, ...args] of steps.installs) {
    // The package is this tarball (the registry's, or one the page builds); the rest comes from npm's cache.
    const install = args.map((a) => (a.includes('compute-kinesis-logger') ? tarball : a));
    run(npm, [...install, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], appDir);
  }
  mkdirSync(path.join(appDir, 'src'), { recursive: true });
  writeFileSync(path.join(appDir, 'src/index.ts'), documented('code', 'ts').join('\n'));
  const kinesisPort = await freePort();
  const appPort = await freePort();
  kinesisUrl = `http://127.0.0.1:${kinesisPort}/`;
  appUrl = `http://127.0.0.1:${appPort}`;
  appendFileSync(path.join(appDir, 'fastly.toml'), `\n${documented('config', 'toml').join('\n').replaceAll(DOC_KINESIS, `127.0.0.1:${kinesisPort}`)}`);
  // The extras program, type-checked with the app's own code by its prebuild (tsc --noEmit).
  const extrasCode = readFileSync(path.join(EXTRAS, 'extras.ts'), 'utf8').replaceAll('__KINESIS_PORT__', String(kinesisPort));
  writeFileSync(path.join(appDir, 'src/extras.ts'), extrasCode);
  mark('installed, code and configuration in place');

  try {
    typecheck = { status: 0, output: run(path.join(appDir, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], appDir) };
  } catch (error) {
    const failed = error as { status: number; stdout?: string; stderr?: string };
    typecheck = { status: failed.status, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }

  const [npx, ...localKinesisArgs] = steps.localKinesis;
  localKinesis = start(npx, [...localKinesisArgs, '--port', String(kinesisPort)], appDir);
  await localKinesis.waitFor(/^local-kinesis: listening on .* ACTIVE; /m, 60_000);
  mark('local-kinesis ready');

  const viceroy = findViceroy();
  if (!viceroy) throw new Error('no Viceroy: npm run test:e2e installs one first (tools/ensure-viceroy.ts)');
  const [serveCommand, ...serveArgs] = steps.serve;
  const ours = ['--addr', `127.0.0.1:${appPort}`, '--viceroy-path', viceroy.path, '--non-interactive'];
  // `npm start` is the starter kit's `fastly compute serve`; the Fastly CLI comes from this repository.
  serve = start(serveCommand, [...serveArgs, ...(serveCommand === 'npm' ? ['--'] : []), ...ours], appDir, {
    FASTLY_WASM_METADATA_DISABLE: 'true',
    PATH: `${path.dirname(FASTLY)}${path.delimiter}${process.env.PATH}`,
  });
  // Built by the Fastly CLI (npm run build), then compiled by Viceroy before it listens.
  await serve.waitFor(() => canConnect(appPort), 540_000);
  mark('fastly compute serve answering');
}, 720_000);

afterAll(async () => {
  await extras?.shutdown();
  await serve?.interrupt();
  await localKinesis?.interrupt();
  // An installed app is half a gigabyte.
  for (const dir of [appDir, packDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`npm-package e2e timeline (s since start): ${timeline.map(([step, s]) => `${step} ${s}`).join('; ')}`);
});

describe('the quick start, step by step, in a fresh starter-kit app', () => {
  it('type-checks the documented code against the installed declarations under the strictest options', () => {
    expect(typecheck.output).toBe('');
    expect(typecheck.status).toBe(0);
  });

  it('takes the app to its first record: curl, then tail prints the request line and the emitted line', async () => {
    const documentedUrl = documentedCommands().curl.find((arg) => arg.startsWith(`http://${DOC_APP}/`));
    expect(documentedUrl).toBeDefined();
    const target = new URL(documentedUrl!.replace(DOC_APP, new URL(appUrl).host));
    const response = await fetch(target);
    expect(response.status).toBe(200);
    await response.text();
    mark('curl answered');

    const [npx, ...tailArgs] = documentedCommands().tail;
    const tail = start(npx, [...tailArgs, '--url', kinesisUrl], appDir);
    const records = () => [...tail.stdout().matchAll(/^(shardId-\d{12}) {2}(.*)$/gm)].map((m) => m[2]);
    try {
      await tail.waitFor(async () => records().length >= 2, 30_000);
      mark('tail printed the first records');
    } finally {
      await tail.interrupt();
    }
    const [requestLine, ...rest] = records().sort((a, b) => Number(b.startsWith('{')) - Number(a.startsWith('{')));
    // Fastly's Kinesis default format (no format configured), and the line the app emitted.
    expect(JSON.parse(requestLine)).toMatchObject({ request: 'GET', url: target.pathname });
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatch(new RegExp(`^\\w+ ${target.pathname}$`));
    expect(tail.output()).toContain(`tailing compute-logs at ${kinesisUrl} (Ctrl-C to stop)`);
    // The documented configuration is valid: nothing on the error log endpoint.
    expect(serve!.output()).not.toMatch(/kinesis_logger_errors ::/);
  });

  it("answers the admin page with the documented token: this sandbox's counters, why 0 can be right, where the fleet's are", async () => {
    const stats = await fetch(`${appUrl}/_kinesis_logger/stats`, { headers: { authorization: 'Bearer local-admin-token' } });
    expect(stats.status).toBe(200);
    const page = (await stats.json()) as { note: string; fleetMetrics: unknown; instance: { warmUp: string } };
    expect(page.note).toMatch(/fresh sandbox: "delivered": 0 right after traffic is normal/);
    expect(page.fleetMetrics).toMatch(/^off: set the service key metrics_log_endpoint/);
    // The build-time warm-up ran when the app was built, by importing the package.
    expect(page.instance.warmUp).toBe('done');
  });
});

describe('the installed package', () => {
  it('holds compiled code, declarations and the CLI, not this repository sources', () => {
    const installed = JSON.parse(readFileSync(path.join(appDir, 'node_modules/compute-kinesis-logger/package.json'), 'utf8')) as { exports: object; private?: boolean };
    expect(installed.private).toBeUndefined();
    expect(Object.keys(installed.exports)).toEqual(['.', './format', './testing', './package.json']);
    expect(readdirSync(path.join(appDir, 'node_modules/compute-kinesis-logger')).sort()).toEqual(
      ['CHANGELOG.md', 'LICENSE', 'README.md', 'SECURITY.md', 'bin', 'dist', 'package.json'].sort(),
    );
    // kinesalite is the app's, as the page installed it; the package does not bring its own.
    expect(readdirSync(path.join(appDir, 'node_modules'))).toContain('kinesalite');
    expect(JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')).devDependencies).toHaveProperty('kinesalite');
  });

  it('runs its format entry in plain Node, and its CLI as the bin', () => {
    const script =
      "import('compute-kinesis-logger/format').then(({ compileFormat, factsFromVcl }) => " +
      "console.log(compileFormat('%m %U %>s %{json.escape(req.http.X)}V').render(factsFromVcl({ 'req.method': 'PUT', 'req.url': '/a?b', 'resp.status': 201, 'req.http.X': 'q\"' }))))";
    expect(run('node', ['-e', script], appDir)).toBe('PUT /a 201 q\\"\n');
    expect(run(path.join(appDir, 'node_modules/.bin/compute-kinesis-logger'), ['--version'], appDir)).toMatch(/^compute-kinesis-logger \d+\.\d+\.\d+\n$/);
  });

  it('in a program with endpoints in code: logs through handle(), sends emitted lines, writes a log_endpoint destination and its own rendering', async () => {
    await createStream(kinesisUrl, 'orders', 2);
    run(path.join(appDir, 'node_modules/.bin/js-compute-runtime'), ['src/extras.ts', 'bin/extras.wasm'], appDir);
    const manifest = readFileSync(path.join(EXTRAS, 'fastly.toml'), 'utf8').replaceAll('__KINESIS_PORT__', new URL(kinesisUrl).port);
    extras = await startViceroy({ cwd: appDir, wasm: 'bin/extras.wasm', manifest });
    for (const pathname of ['/home', '/buy/kb-42', '/missing']) {
      const response = await extras.fetch(pathname);
      expect(await response.text()).toBe(`consumer: ${pathname}\n`);
    }
    expect(await records('orders', 4)).toEqual(['GET /buy/kb-42 200', 'GET /home 200', 'GET /missing 404', 'emitted /buy/kb-42']);
    expect(extras.logLines('copies')).toEqual(['{"path":"/home","status":200}', '{"path":"/buy/kb-42","status":200}', '{"path":"/missing","status":404}']);
    // The app's own line, rendered before its response existed: status as the function returned it.
    // Its last field comes from RE2, loaded from the text the package carries (re2js-deferred).
    expect(extras.logLines('own')).toEqual(['own GET /home 200 home', 'own GET /buy/kb-42 200 buy', 'own GET /missing 404 missing']);
    const binding = readFileSync(path.join(appDir, 'node_modules/compute-kinesis-logger/dist/format/regex/re2js-binding.js'), 'utf8');
    expect(binding).toContain("from './re2js-deferred.js'");
    expect(extras.logLines('problems')).toEqual([]);
  }, 300_000);
});

describe('the end of the quick start', () => {
  it('stops local-kinesis cleanly with Ctrl-C', async () => {
    await localKinesis!.interrupt();
    expect(localKinesis!.stdout()).toMatch(/\nlocal-kinesis: stopped\n$/);
    localKinesis = undefined;
  });
});

async function records(stream: string, atLeast: number): Promise<string[]> {
  const until = Date.now() + 20_000;
  for (;;) {
    const found = (await readStream(kinesisUrl, stream)).map((r) => r.data);
    if (found.length >= atLeast || Date.now() > until) return found.sort();
    await new Promise((r) => setTimeout(r, 200));
  }
}
