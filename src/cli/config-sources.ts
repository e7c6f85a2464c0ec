/**
 * What `check` reads: a file (or standard input) → the sets of Config Store items in it, each with
 * where it came from. Accepted forms:
 *   - a JSON object of items: {"endpoints": "main", "main": {"stream_name": "logs", …}} (an
 *     endpoint's item as an object or, as stored, as a JSON string) — what `import --json` prints
 *     under "items";
 *   - the JSON of `fastly config-store-entry list --store-id … --json` (an array of
 *     {"item_key": …, "item_value": …});
 *   - a fastly.toml: its [local_server] contents and its [setup] items, each a set of its own.
 * A path ending in .toml is TOML; standard input is JSON when it starts with `{` or `[{`/`[]`,
 * TOML otherwise.
 */
import path from 'node:path';
import { type CliIo, displayName, InputError, parseJsonInput, readInput, shownKey } from './io.js';
import type { ManifestResources } from './manifest-resources.js';
import { readManifestItems } from './toml-contents.js';

export interface ConfigSource {
  /** Where the items were read: the file, or the fastly.toml table. */
  source: string;
  items: Record<string, string>;
  notes: string[];
  /** For a fastly.toml: the backends and stores the same place declares, which `check` compares with the endpoints' needs. */
  resources?: ManifestResources;
}

export function readConfigSources(file: string, io: CliIo): ConfigSource[] {
  const text = readInput(io, file);
  const isToml = file === '-' ? !/^\s*(?:\{|\[\s*[{\]])/.test(text) : file.endsWith('.toml');
  if (isToml) {
    const directory = file === '-' ? '.' : path.dirname(file);
    try {
      return readManifestItems(text, (relative) => readInput(io, path.resolve(directory, relative)));
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`${displayName(file)}: ${error.message}`);
      throw error;
    }
  }
  return [{ source: displayName(file), items: jsonItems(parseJsonInput(text, file), file), notes: [] }];
}

function jsonItems(parsed: unknown, file: string): Record<string, string> {
  // No prototype: an item named `toString` or `__proto__` is an item like any other.
  const items = Object.create(null) as Record<string, string>;
  if (Array.isArray(parsed)) {
    parsed.forEach((entry: unknown, index) => {
      const { item_key: key, item_value: value } = (entry ?? {}) as Record<string, unknown>;
      if (typeof key !== 'string' || typeof value !== 'string') {
        throw new InputError(`${displayName(file)}: entry ${index} needs string item_key and item_value (the form of fastly config-store-entry list --json)`);
      }
      items[key] = value;
    });
    return items;
  }
  if (!parsed || typeof parsed !== 'object') {
    throw new InputError(`${displayName(file)}: expected a JSON object of config store items, or the array fastly config-store-entry list --json prints`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') items[key] = value;
    // An endpoint written as an object is stored as its JSON text.
    else if (value && typeof value === 'object' && !Array.isArray(value)) items[key] = JSON.stringify(value);
    else throw new InputError(`${displayName(file)}: item "${shownKey(key)}" must be a string, or an object for an endpoint (Config Store values are strings)`);
  }
  return items;
}
