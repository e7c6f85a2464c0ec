/**
 * What `fastly compute build` (run by `npm run test:e2e` just before this) produced: the package a
 * `fastly compute publish` would upload, and the user-facing CLI next to it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, WASM_PATH } from '../support/viceroy.js';

const PACKAGE = path.join(REPO_ROOT, 'pkg/compute-kinesis-logger.tar.gz');

describe('the built package', () => {
  it('holds fastly.toml and the compiled Wasm, under the package name', () => {
    const entries = execFileSync('tar', ['tzf', PACKAGE], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(entries).toEqual(expect.arrayContaining(['compute-kinesis-logger/fastly.toml', 'compute-kinesis-logger/bin/main.wasm']));
    const wasmInPackage = execFileSync('tar', ['xzOf', PACKAGE, 'compute-kinesis-logger/bin/main.wasm'], { maxBuffer: 256 * 1024 * 1024 });
    expect(wasmInPackage.equals(readFileSync(WASM_PATH))).toBe(true);
    // Compute's package limit is 100 MB; ours should stay far below it.
    expect(statSync(PACKAGE).size).toBeLessThan(30 * 1024 * 1024);
  });

  it('ships a CLI that validates the configuration fastly.toml sets up locally', () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/cli.cjs'), 'check', path.join(REPO_ROOT, 'fastly.toml')], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('✓ main: stream compute-logs in us-east-1');
    expect(result.status).toBe(0);
  });
});
