/**
 * What a fastly.toml gives the app besides its configuration, and what a configuration needs of
 * it: `check fastly.toml` reports a manifest whose endpoints could not deliver — a backend their
 * Kinesis (or STS) requests go through that is not declared, no KV store for the shard maps, no
 * secret store or no keys in it for an endpoint — for `[local_server]` (what Viceroy serves) and
 * `[setup]` (what the first `fastly compute publish` creates) alike.
 *
 * Read from the manifest's own tables (reference/compute.md §1.3, §1.4):
 *   [local_server]  backends.<name>; kv_stores (aliases object_stores, object_store).<name>;
 *                   secret_stores.<name> as an array of {key, data | file | env}, or
 *                   {file, format = "json"} (a JSON object whose keys are the secrets' names)
 *   [setup]         backends.<name>; kv_stores (alias object_stores).<name>;
 *                   secret_stores.<name>.entries.<key>
 * A `[setup]` secret store takes no values: the CLI asks for each entry's value at publish, and
 * `--non-interactive` refuses entries. So a key missing there is not a problem but a reminder,
 * shown with its endpoint: what to create after publishing. A missing store is a problem.
 *
 * Owns: reading those tables, and the findings. Does not own: the configuration's items
 * (toml-contents.ts) or validating it (config/).
 */
import { secretKeys } from '../aws/credentials.js';
import { SECRET_STORE_NAME, type ServiceConfig } from '../config/index.js';
import { shownKey } from './io.js';

type Table = Record<string, unknown>;

export type ManifestPlace = 'local_server' | 'setup';

/** What one place of a fastly.toml declares. */
export interface ManifestResources {
  place: ManifestPlace;
  backends: ReadonlySet<string>;
  kvStores: ReadonlySet<string>;
  /** Secret stores by name → the keys it will hold; undefined when they cannot be told (its file could not be read). */
  secretStores: ReadonlyMap<string, ReadonlySet<string> | undefined>;
}

/** One thing missing: the table to add (as the user writes it in the file) and what to put there. */
export interface ResourceFinding {
  table: string;
  message: string;
}

/** What the manifest lacks for a configuration's endpoints (missingResources). */
export interface MissingResources {
  problems: ResourceFinding[];
  warnings: ResourceFinding[];
  /** By endpoint: what to do after publishing (`[setup]` keys, which the manifest cannot hold). */
  reminders: Map<string, string>;
}

export function readManifestResources(manifest: Table, place: ManifestPlace, readFile: (path: string) => string): ManifestResources {
  const section = table(manifest[place]);
  const kvAliases = place === 'local_server' ? ['kv_stores', 'object_stores', 'object_store'] : ['kv_stores', 'object_stores'];
  const secretStores = new Map<string, ReadonlySet<string> | undefined>();
  for (const [name, store] of Object.entries(table(section.secret_stores))) {
    secretStores.set(name, place === 'local_server' ? localSecretKeys(store, readFile) : new Set(Object.keys(table(table(store).entries))));
  }
  return {
    place,
    backends: new Set(Object.keys(table(section.backends))),
    kvStores: new Set(kvAliases.flatMap((alias) => Object.keys(table(section[alias])))),
    secretStores,
  };
}

/** `[{key, data}, …]`, or `{file, format = "json"}` read for its keys only (the values are secrets, and are not kept). */
function localSecretKeys(store: unknown, readFile: (path: string) => string): ReadonlySet<string> | undefined {
  if (Array.isArray(store)) return new Set(store.map((entry) => table(entry).key).filter((key): key is string => typeof key === 'string'));
  const { file } = table(store);
  if (typeof file !== 'string') return new Set();
  try {
    const parsed: unknown = JSON.parse(readFile(file));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? new Set(Object.keys(parsed)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What `config`'s endpoints need that `resources` does not declare. Problems: a backend, the KV
 * store, the secret store, and (`[local_server]`) an endpoint's keys. Warnings: keys in a
 * `[local_server]` secrets file that could not be read. Reminders: an endpoint's keys in `[setup]`.
 */
export function missingResources(config: ServiceConfig, resources: ManifestResources): MissingResources {
  const { place } = resources;
  const problems: ResourceFinding[] = [];
  const warnings: ResourceFinding[] = [];
  const reminders = new Map<string, string>();
  const kinesis = config.endpoints.flatMap((endpoint) => (endpoint.destination === 'kinesis' ? [endpoint] : []));
  if (kinesis.length === 0) return { problems, warnings, reminders };

  // Backends, each with the endpoints that send through it and what for.
  const backends = new Map<string, { purpose: string; example: string; endpoints: string[] }>();
  const need = (name: string, purpose: string, url: string, endpoint: string) => {
    const entry = backends.get(name) ?? { purpose, example: backendExample(place, url), endpoints: [] };
    if (!entry.endpoints.includes(endpoint)) entry.endpoints.push(endpoint);
    backends.set(name, entry);
  };
  for (const endpoint of kinesis) {
    if (endpoint.kinesisBackend.kind === 'static') need(endpoint.kinesisBackend.name, 'Kinesis', endpoint.kinesisUrl, endpoint.name);
    const { access } = endpoint;
    if (access.method === 'iam_role' && access.stsBackend.kind === 'static') need(access.stsBackend.name, 'STS AssumeRole', access.stsUrl, endpoint.name);
  }
  for (const [name, { purpose, example, endpoints }] of backends) {
    if (resources.backends.has(name)) continue;
    problems.push({
      table: `[${place}.backends.${shownKey(name)}]`,
      message: `missing: ${listed('endpoint', endpoints)} send${endpoints.length === 1 ? 's' : ''} ${purpose} requests through backend ${shownKey(name)}; add it with ${example}`,
    });
  }

  if (!resources.kvStores.has(config.kvStoreName)) {
    const kv = shownKey(config.kvStoreName);
    const purpose = 'the KV store that shares shard maps between instances (without it, every instance lists shards on its own)';
    problems.push(
      place === 'local_server'
        ? { table: `[local_server.kv_stores]`, message: `no ${kv}: ${purpose}; add ${kv} = [] under it` }
        : { table: `[setup.kv_stores.${kv}]`, message: `missing: ${purpose}; add it with a description` },
    );
  }

  const keys = resources.secretStores.get(SECRET_STORE_NAME);
  const store = `[${place}.secret_stores.${SECRET_STORE_NAME}]`;
  if (!resources.secretStores.has(SECRET_STORE_NAME)) {
    problems.push({
      table: store,
      message: `missing: the secret store that holds the endpoints' AWS keys (${listed('endpoint', kinesis.map((e) => e.name))} sign${kinesis.length === 1 ? 's' : ''} with them); ${storeHint(place)}`,
    });
    return { problems, warnings, reminders };
  }
  for (const endpoint of kinesis) {
    const needed = secretKeys(endpoint.name);
    const wanted = [needed.accessKeyId, needed.secretAccessKey];
    if (keys === undefined) {
      warnings.push({ table: store, message: `its file could not be read: check that it holds ${wanted.join(' and ')} (endpoint ${endpoint.name})` });
      continue;
    }
    const absent = wanted.filter((key) => !keys.has(key));
    if (absent.length === 0) continue;
    if (place === 'local_server') {
      problems.push({
        table: store,
        message: `no ${absent.join(' or ')}: endpoint ${endpoint.name} cannot sign without ${absent.length === 1 ? 'it' : 'them'}; add ${absent.map((key) => `{key = "${key}", data = "…"}`).join(' and ')}`,
      });
    } else {
      reminders.set(
        endpoint.name,
        `not declared under ${store.slice(0, -1)}.entries]: create ${absent.join(' and ')} after the first publish ` +
          `(fastly secret-store-entry create --name=${absent[0]} …); until then the endpoint sends nothing`,
      );
    }
  }
  return { problems, warnings, reminders };
}

function backendExample(place: ManifestPlace, url: string): string {
  const { protocol, hostname, port } = new URL(url);
  if (place === 'local_server') return `url = "${protocol}//${hostname}${port ? `:${port}` : ''}/"`;
  return `address = "${hostname}" and port = ${port || (protocol === 'https:' ? 443 : 80)}`;
}

function storeHint(place: ManifestPlace): string {
  return place === 'local_server'
    ? 'add it as an array of {key = "<endpoint>.access_key_id", data = "…"} entries'
    : 'add it with a description; its entries are created after publishing with fastly secret-store-entry create';
}

function listed(noun: string, names: readonly string[]): string {
  return `${noun}${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}

function table(value: unknown): Table {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Table) : {};
}
