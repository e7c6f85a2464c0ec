/**
 * This repo's app in Viceroy (src/testing/viceroy.ts), the way a user runs it: with this repo's
 * fastly.toml, whose local ports are swapped for the ones the test started (so the [local_server]
 * wiring under test is the real one), and helpers that edit its local configuration.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENTS_TABLE, readConfigStoreContents } from '../../src/cli/toml-contents.js';
import { startViceroy as startProgram, type ViceroyApp } from '../../src/testing/viceroy.js';

export { canConnect, freePort, viceroyBinary, type ViceroyApp } from '../../src/testing/viceroy.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WASM_PATH = path.join(REPO_ROOT, 'bin/main.wasm');

/** The local ports fastly.toml names, and what a test replaces them with. */
export interface LocalPorts {
  origin: number;
  kinesis: number;
  sts?: number;
}

export interface RepoViceroyOptions {
  ports: LocalPorts;
  /** Edit the manifest text before it is used (e.g. change config store contents). */
  editManifest?: (toml: string) => string;
  env?: Record<string, string>;
  /** Another compiled program (default bin/main.wasm). */
  wasm?: string;
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

/** This repo's program (or `wasm`) with its fastly.toml, local ports swapped, edited as asked. */
export function startViceroy(options: RepoViceroyOptions): Promise<ViceroyApp> {
  return startProgram({ manifest: localManifest(options.ports, options.editManifest), wasm: options.wasm ?? WASM_PATH, cwd: REPO_ROOT, env: options.env });
}
