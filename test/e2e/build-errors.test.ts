/**
 * Endpoints given in code are validated when the app is built (inside Wizer): a wrong setting
 * fails the build. The build tools bury the error under a trap, a wasm backtrace and the Fastly
 * CLI's checklist; the package prints the problems first, plainly. A Compute app of its own
 * (test/fixtures/consumer-app's manifest and package.json) installs the packed package, is built
 * by the Fastly CLI with a bad endpoint in its code, and what the build printed is read.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/viceroy.js';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/consumer-app');
const FASTLY = path.join(REPO_ROOT, 'node_modules/.bin/fastly');

/** An app whose code gives two endpoints with three problems, one of them a pasted access key id. */
const BAD_APP = `/// <reference types="@fastly/js-compute" />
import { createKinesisLogging } from 'compute-kinesis-logger';

const logging = createKinesisLogging({
  stores: { secrets: 'app_secrets', kv: 'app_state' },
  endpoints: {
    orders: { stream_name: 'orders', region: 'eu-west', format: '%{json.escape(req.url}V' },
    audit: { stream_name: 'orders', region: 'us-east-1', backend: 'AKIAIOSFODNN7EXAMPLE' },
  },
});

addEventListener('fetch', (event) => event.respondWith(logging.handle(event, async () => new Response('ok'))));
`;

let build: { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  const packDir = mkdtempSync(path.join(os.tmpdir(), 'ckl-pack-'));
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ckl-bad-app-'));
  cpSync(FIXTURE, dir, { recursive: true });
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'src/index.ts'), BAD_APP);
  // A starter-kit app (the fixture) with the package installed, as the README's first step does.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const result = spawnSync(FASTLY, ['compute', 'build', '--non-interactive'], { cwd: dir, env: { ...process.env, FASTLY_WASM_METADATA_DISABLE: 'true' }, encoding: 'utf8' });
  build = { status: result.status, stdout: result.stdout, stderr: result.stderr };
}, 600_000);

/** What the build script printed, as the Fastly CLI shows it between its rules. */
function commandOutput(): string[] {
  const lines = build.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('INFO: Command output:')) + 2;
  const end = lines.findIndex((l, i) => i >= start && /^-{20,}$/.test(l));
  return lines.slice(start, end);
}

describe('a bad endpoint in code, at build time', () => {
  it('fails the build, and what the build script printed starts with the problems, plainly', () => {
    expect(build.status).not.toBe(0);
    const output = commandOutput();
    // npm announces each script it runs (`> build`): the first line after those is the package's.
    const first = output.findIndex((l) => l.trim() !== '' && !l.startsWith('> '));
    expect(output.slice(first, first + 7)).toEqual([
      'compute-kinesis-logger: 3 problem(s) in the endpoints given in code to createKinesisLogging; the build stops here:',
      '  ✗ orders.region: "eu-west" is not an AWS region',
      "  ✗ orders.format: expected ',' or ')' in the call to json.escape, found the end of the expression at line 1, column 22",
      '    %{json.escape(req.url}V',
      '                         ^',
      "  ✗ audit.backend: <20 characters, not shown> looks like a credential (an AWS key id, a secret key, a token or a URL's user:password): secrets belong in the Secret Store",
      'Fix them in the options of createKinesisLogging. The trace below is the same error, as the build tools report it.',
    ]);
    // Before the runtime's own report of the exception and Wizer's trap.
    const block = output.findIndex((l) => l.startsWith('compute-kinesis-logger: 3 problem(s)'));
    expect(block).toBeLessThan(output.findIndex((l) => l.includes('Exception while evaluating top-level script')));
    expect(block).toBeLessThan(output.findIndex((l) => l.includes('wizer.initialize')));
  });

  it('never prints the pasted key, anywhere in the build\'s output', () => {
    expect(build.stdout + build.stderr).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});
