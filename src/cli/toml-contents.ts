/**
 * The kinesis_logger Config Store items a fastly.toml holds, in its two places:
 *   - `[local_server]`, what Viceroy serves locally: `config_stores` (or its alias `dictionaries`)
 *     `.kinesis_logger`, either `format = "inline-toml"` with a `contents` table, or
 *     `format = "json"` with `file = "items.json"` (a flat object of strings);
 *   - `[setup]`, what the first `fastly compute publish` creates:
 *     `setup.config_stores.kinesis_logger.items.<key>.value`.
 * Parsed with a real TOML parser (smol-toml), so any TOML spelling of these tables is read.
 * Used by `check` and by the test harness that edits the local configuration.
 *
 * Errors never quote the file: a fastly.toml also holds `[local_server]` secrets.
 */
import { parse, TomlError } from 'smol-toml';
import { CONFIG_STORE_NAME } from '../config/index.js';
import { InputError, shownKey } from './io.js';
import { readManifestResources, type ManifestResources } from './manifest-resources.js';

export const CONTENTS_TABLE = `[local_server.config_stores.${CONFIG_STORE_NAME}.contents]`;
const SETUP_TABLE = `[setup.config_stores.${CONFIG_STORE_NAME}.items]`;

/** One place a fastly.toml defines the config store's items. */
export interface ManifestItems {
  /** Where they were read, as the user would find it in the file. */
  source: string;
  items: Record<string, string>;
  /** What the reader assumed, e.g. the value the Fastly CLI gives an item without one. */
  notes: string[];
  /** The backends and stores the same place declares (manifest-resources.ts). */
  resources: ManifestResources;
}

type Table = Record<string, unknown>;

/**
 * Both places, those present in this order: `[local_server]`, then `[setup]`. `readFile` reads
 * a `file =` path as Viceroy does (relative to the project directory).
 */
export function readManifestItems(text: string, readFile: (path: string) => string): ManifestItems[] {
  const manifest = parseToml(text);
  const found: ManifestItems[] = [];
  const local = localServerItems(manifest, readFile);
  if (local) found.push({ ...local, resources: readManifestResources(manifest, 'local_server', readFile) });
  const setup = setupItems(manifest);
  if (setup) found.push({ ...setup, resources: readManifestResources(manifest, 'setup', readFile) });
  if (found.length === 0) {
    throw new InputError(`neither [local_server.config_stores.${CONFIG_STORE_NAME}] nor ${SETUP_TABLE} is in this file`);
  }
  return found;
}

/** The `[local_server]` inline contents (the form this repo's fastly.toml uses). */
export function readConfigStoreContents(text: string): Record<string, string> {
  const contents = table(table(table(parseToml(text).local_server).config_stores)[CONFIG_STORE_NAME]).contents;
  if (contents === undefined) throw new InputError(`no ${CONTENTS_TABLE} table`);
  return stringItems(table(contents), CONTENTS_TABLE);
}

function localServerItems(manifest: Table, readFile: (path: string) => string): Omit<ManifestItems, 'resources'> | undefined {
  const localServer = table(manifest.local_server);
  const group = localServer.config_stores !== undefined ? 'config_stores' : 'dictionaries';
  const store = table(localServer[group])[CONFIG_STORE_NAME];
  if (store === undefined) return undefined;
  const where = `[local_server.${group}.${CONFIG_STORE_NAME}]`;
  const { format, contents, file } = table(store);
  if (contents !== undefined) {
    return { source: `[local_server.${group}.${CONFIG_STORE_NAME}.contents]`, items: stringItems(table(contents), where), notes: [] };
  }
  if (typeof file === 'string' && format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(file));
    } catch (error) {
      throw new InputError(`${where} file "${file}": ${error instanceof InputError ? error.message : 'not a JSON object of strings'}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InputError(`${where} file "${file}": expected a JSON object of strings`);
    return { source: `${where} file "${file}"`, items: stringItems(parsed as Table, `${where} file "${file}"`), notes: [] };
  }
  throw new InputError(`${where}: expected format = "inline-toml" with a contents table, or format = "json" with file = "<path>"`);
}

function setupItems(manifest: Table): Omit<ManifestItems, 'resources'> | undefined {
  const store = table(table(manifest.setup).config_stores)[CONFIG_STORE_NAME];
  if (store === undefined) return undefined;
  const items = Object.create(null) as Record<string, string>;
  const notes: string[] = [];
  for (const [key, item] of Object.entries(table(table(store).items))) {
    const value = table(item).value;
    if (value !== undefined && typeof value !== 'string') throw new InputError(`${SETUP_TABLE}: ${shownKey(key)}.value must be a string`);
    if (value === undefined || value === '') {
      // pkg/commands/compute/setup/config_store.go: an item without a value is created as "example".
      notes.push(`${shownKey(key)} has no value: fastly compute publish would create it as "example"`);
    }
    items[key] = value || 'example';
  }
  return { source: SETUP_TABLE, items, notes };
}

function parseToml(text: string): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The message's first line is smol-toml's reason; the lines after it quote the file.
    const reason = error.message.split('\n', 1)[0].replace(/^Invalid TOML document: /, '');
    throw new InputError(`not TOML: ${reason}, at line ${error.line}, column ${error.column}`);
  }
}

function table(value: unknown): Table {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Table) : {};
}

function stringItems(entries: Table, where: string): Record<string, string> {
  // No prototype: an item named `toString` or `__proto__` is an item like any other.
  const items = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value !== 'string') throw new InputError(`${where}: "${shownKey(key)}" must be a string (Config Store values are strings)`);
    items[key] = value;
  }
  return items;
}
