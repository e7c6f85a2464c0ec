/**
 * Runs a compiled Compute program in Viceroy, the official local Compute runtime, the way
 * `fastly compute serve` does, with a fastly.toml's [local_server] stores and backends. Shaped like
 * @fastly/compute-testing's ComputeApplication: start, fetch (only to the app), shutdown, and the
 * captured output (log endpoints print `name :: line`) for assertions and failure messages.
 *
 * Viceroy comes from $VICEROY, PATH, ~/.cargo/bin or the Fastly CLI's copy (find-viceroy.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CARGO_INSTALL_VICEROY, findViceroy } from './find-viceroy.js';

/** How {@link startViceroy} runs a program; every field is optional. */
export interface ViceroyOptions {
  /** The fastly.toml text to run with; default: the fastly.toml in `cwd`. */
  manifest?: string;
  /** The compiled program; default: bin/main.wasm in `cwd`. */
  wasm?: string;
  /** Default: the current directory. */
  cwd?: string;
  /** Extra environment variables for Viceroy. */
  env?: Record<string, string>;
  /**
   * How long to wait for the app to listen. Viceroy compiles the whole Wasm before it listens: on a
   * loaded 2-core machine that has taken over a minute. Default 150 s.
   */
  startTimeoutMs?: number;
}

/** A program running in Viceroy, from {@link startViceroy}. */
export interface ViceroyApp {
  /** `http://127.0.0.1:<port>`, a free port chosen at start. */
  url: string;
  /** Viceroy's process id (its CPU time is in /proc/<pid>/stat, read by bench/floor.ts). */
  pid: number;
  /** A request to the app (a path, or a URL of the app); refuses any other origin; redirects are not followed. */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  /** Everything Viceroy printed so far (log endpoints print `name :: line` on stdout). */
  output(): string;
  /** Lines written to one log endpoint. */
  logLines(endpoint: string): string[];
  /** Stops Viceroy (SIGTERM, then SIGKILL after 3 s). */
  shutdown(): Promise<void>;
}

/**
 * The Viceroy to run: $VICEROY, else `viceroy` on PATH, else ~/.cargo/bin/viceroy, else the copy
 * the Fastly CLI downloaded (`fastly compute serve` or `fastly compute install-tools`).
 * @throws Error saying what to install when there is none.
 */
export function viceroyBinary(): string {
  const found = findViceroy();
  if (!found) {
    throw new Error(
      `no Viceroy in $VICEROY, PATH, ~/.cargo/bin or the Fastly CLI's copy: run \`${CARGO_INSTALL_VICEROY}\` or \`fastly compute install-tools\`, or set VICEROY=/path/to/viceroy`,
    );
  }
  return found.path;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a compiled Compute program in Viceroy on a free port of 127.0.0.1, with a fastly.toml's
 * `[local_server]`, and resolves once it accepts connections (Viceroy compiles the Wasm first).
 * @example
 * const app = await startViceroy({ cwd: appDir });          // bin/main.wasm and fastly.toml there
 * const response = await app.fetch('/hello');
 * await app.shutdown();
 */
export async function startViceroy(options: ViceroyOptions = {}): Promise<ViceroyApp> {
  const cwd = options.cwd ?? process.cwd();
  const wasm = path.resolve(cwd, options.wasm ?? 'bin/main.wasm');
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: build the program first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ckl-viceroy-'));
  const manifest = path.join(dir, 'fastly.toml');
  writeFileSync(manifest, options.manifest ?? readFileSync(path.join(cwd, 'fastly.toml'), 'utf8'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  const child: ChildProcess = spawn(viceroyBinary(), ['serve', '-C', manifest, '--addr', `127.0.0.1:${port}`, wasm], {
    cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let exited = false;
  child.on('exit', () => (exited = true));

  const startTimeoutMs = options.startTimeoutMs ?? 150_000;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`viceroy exited before serving:\n${out}`);
    // A TCP connect, not an HTTP request: a request would be proxied and logged like any other.
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`viceroy did not answer within ${startTimeoutMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    pid: child.pid!,
    fetch(pathOrUrl, init) {
      const target = new URL(pathOrUrl, url);
      if (target.origin !== url) throw new Error(`refusing to fetch ${target} outside the app`);
      return fetch(target, { redirect: 'manual', ...init });
    },
    output: () => out,
    logLines(endpoint) {
      const prefix = `${endpoint} :: `;
      return out
        .split('\n')
        .map((line) => line.slice(line.indexOf(prefix) >= 0 ? line.indexOf(prefix) : line.length))
        .filter((line) => line.startsWith(prefix))
        .map((line) => line.slice(prefix.length));
    },
    async shutdown() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:port (no HTTP request is made). */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
