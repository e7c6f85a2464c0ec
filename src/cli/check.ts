/**
 * `compute-kinesis-logger check <config>`: validates every endpoint of a configuration the way the
 * app does at load time (same code: config/load.ts), and lists every problem, with a caret under
 * the offending text for formats and conditions, and warnings (⚠) for regexes that can backtrack
 * exponentially (Fastly accepts them and stops them at run time; JavaScript cannot). Exits 0 when
 * all endpoints are valid (warnings or not), 1 when any problem was found, 2 on a usage error.
 *
 * <config> is one of:
 *   - a JSON object of Config Store items: {"endpoints": "main", "main": {"stream_name": "logs", …}}
 *     (an endpoint's item may be given as an object or, as stored, as a JSON string)
 *   - the JSON printed by `fastly config-store-entry list --store-id … --json`
 *     (an array of {"item_key": …, "item_value": …})
 *   - a fastly.toml: its [local_server.config_stores.kinesis_logger.contents] table
 */
import { readFileSync } from 'node:fs';
import { readConfigStoreContents } from './toml-contents.js';
import { CONFIG_STORE_NAME, loadServiceConfig, SECRET_STORE_NAME } from '../config/index.js';
import { secretKeys } from '../aws/credentials.js';
import { lintCondition, lintFormat } from '../format/index.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export function runCheck(args: string[], io: CliIo): number {
  const file = args.find((a) => !a.startsWith('-'));
  if (!file || args.includes('--help')) {
    io.err('usage: compute-kinesis-logger check <config.json | fastly.toml>\n');
    return 2;
  }
  let items: Record<string, string>;
  try {
    items = readItems(file, readFileSync(file, 'utf8'));
  } catch (error) {
    io.err(`check: ${file}: ${error instanceof Error ? error.message : error}\n`);
    return 2;
  }
  const config = loadServiceConfig({ get: (key) => items[key] ?? null });
  for (const error of config.errors) io.err(`✗ ${error.message}\n`);
  for (const endpoint of config.endpoints) {
    // Accepted, as Fastly accepts them, but worth a look before deploying.
    const warnings = [
      ...lintFormat(endpoint.format.source).map((w) => ['format', w] as const),
      ...(endpoint.responseCondition ? lintCondition(endpoint.responseCondition.source).map((w) => ['response_condition', w] as const) : []),
    ];
    for (const [field, warning] of warnings) io.err(`⚠ ${endpoint.name}: ${endpoint.name}.${field}: ${warning.message}\n`);
    const keys = secretKeys(endpoint.name);
    io.out(
      `✓ ${endpoint.name}: stream ${endpoint.streamName} in ${endpoint.region}, placement ${endpoint.placement}, ` +
        `${endpoint.access.method}${endpoint.access.method === 'iam_role' ? ` (${endpoint.access.roleArn})` : ''}\n` +
        `  needs secrets ${keys.accessKeyId} and ${keys.secretAccessKey} in secret store ${SECRET_STORE_NAME}\n`,
    );
  }
  if (config.errors.length > 0) {
    io.err(`${config.errors.length} problem(s) in ${file}; the app disables endpoints with problems and keeps serving traffic.\n`);
    return 1;
  }
  io.out(`${config.endpoints.length} endpoint(s) valid for config store ${CONFIG_STORE_NAME}.\n`);
  return 0;
}

function readItems(file: string, text: string): Record<string, string> {
  if (file.endsWith('.toml')) return readConfigStoreContents(text);
  const parsed: unknown = JSON.parse(text);
  if (Array.isArray(parsed)) {
    const items: Record<string, string> = {};
    for (const entry of parsed as Record<string, unknown>[]) {
      const key = entry.item_key ?? entry.key;
      const value = entry.item_value ?? entry.value;
      if (typeof key !== 'string' || typeof value !== 'string') throw new Error('array entries need string item_key and item_value');
      items[key] = value;
    }
    return items;
  }
  if (parsed && typeof parsed === 'object') {
    const items: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string') items[key] = value;
      // An endpoint written as an object is stored as its JSON text.
      else if (value && typeof value === 'object' && !Array.isArray(value)) items[key] = JSON.stringify(value);
      else throw new Error(`item "${key}" must be a string, or an object for an endpoint (Config Store values are strings)`);
    }
    return items;
  }
  throw new Error('expected a JSON object of config store items');
}
