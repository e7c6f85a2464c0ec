/**
 * Runs the compiled bin/main.wasm in Viceroy, the official local Compute runtime, the way a user
 * runs it: with this repo's fastly.toml, whose local ports are swapped for the ones the test
 * started (so the [local_server] wiring under test is the real one). Shaped like
 * @fastly/compute-testing's ComputeApplication: start, fetch (only to the app), shutdown, and the
 * captured output for assertions and for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENTS_TABLE, readConfigStoreContents } from '../../src/cli/toml-contents.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WASM_PATH = path.join(REPO_ROOT, 'bin/main.wasm');

/** The local ports fastly.toml names, and what a test replaces them with. */
export interface LocalPorts {
  origin: number;
  kinesis: number;
  sts?: number;
}

export interface ViceroyOptions {
  ports: LocalPorts;
  /** Edit the manifest text before it is used (e.g. change config store contents). */
  editManifest?: (toml: string) => string;
  env?: Record<string, string>;
  /** Another compiled program (default bin/main.wasm). */
  wasm?: string;
}

export interface ViceroyApp {
  url: string;
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  /** Everything Viceroy printed so far (log endpoints print `name :: line` on stdout). */
  output(): string;
  /** Lines written to one log endpoint. */
  logLines(endpoint: string): string[];
  shutdown(): Promise<void>;
}

export function viceroyBinary(): string {
  if (process.env.VICEROY) return process.env.VICEROY;
  const cargo = path.join(os.homedir(), '.cargo/bin/viceroy');
  return existsSync(cargo) ? cargo : 'viceroy';
}

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

export function localManifest(ports: LocalPorts, edit?: (toml: string) => string): string {
  let toml = readFileSync(path.join(REPO_ROOT, 'fastly.toml'), 'utf8')
    .replaceAll('127.0.0.1:8081', `127.0.0.1:${ports.origin}`)
    .replaceAll('127.0.0.1:4567', `127.0.0.1:${ports.kinesis}`)
    .replaceAll('127.0.0.1:4568', `127.0.0.1:${ports.sts ?? 4568}`);
  if (edit) toml = edit(toml);
  return toml;
}

/**
 * Sets one item of the kinesis_logger config store contents, in configItems' notation: a service
 * key (`endpoints`), or `<endpoint>.<field>`, which sets that field in the endpoint's JSON item.
 * The contents table is written back whole, one basic TOML string per item.
 */
export function setConfigItem(toml: string, key: string, value: string): string {
  const items = readConfigStoreContents(toml);
  const dot = key.indexOf('.');
  if (dot < 0) {
    items[key] = value;
  } else {
    const name = key.slice(0, dot);
    const fields = items[name] ? (JSON.parse(items[name]) as Record<string, unknown>) : {};
    fields[key.slice(dot + 1)] = value;
    items[name] = JSON.stringify(fields);
  }
  const start = toml.indexOf(CONTENTS_TABLE) + CONTENTS_TABLE.length;
  const next = toml.slice(start).search(/^\s*\[/m);
  const end = next < 0 ? toml.length : start + next;
  const body = Object.entries(items).map(([k, v]) => `        ${JSON.stringify(k)} = ${JSON.stringify(v)}`).join('\n');
  return `${toml.slice(0, start)}\n${body}\n${toml.slice(end)}`;
}

/** Adds one secret to the kinesis_logger_secrets store. */
export function addSecret(toml: string, key: string, value: string): string {
  const entry = `    [[local_server.secret_stores.kinesis_logger_secrets]]\n      key = ${JSON.stringify(key)}\n      data = ${JSON.stringify(value)}\n\n`;
  const anchor = '    [[local_server.secret_stores.kinesis_logger_secrets]]';
  return toml.replace(anchor, entry + anchor);
}

export async function startViceroy(options: ViceroyOptions): Promise<ViceroyApp> {
  const wasm = options.wasm ?? WASM_PATH;
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run npm run build first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ckl-viceroy-'));
  const manifest = path.join(dir, 'fastly.toml');
  writeFileSync(manifest, localManifest(options.ports, options.editManifest));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  const child: ChildProcess = spawn(viceroyBinary(), ['serve', '-C', manifest, '--addr', `127.0.0.1:${port}`, wasm], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let exited = false;
  child.on('exit', () => (exited = true));

  // Viceroy compiles the whole Wasm before it listens: on a loaded 2-core machine that has taken over a minute.
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (exited) throw new Error(`viceroy exited before serving:\n${out}`);
    // A TCP connect, not an HTTP request: a request would be proxied and logged like any other.
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`viceroy did not answer within 150 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
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
