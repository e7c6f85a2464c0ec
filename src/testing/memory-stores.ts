/**
 * In-memory stores and log endpoints implementing platform/types.ts, for tests in Node: a KV store
 * whose insert-if-absent is atomic and whose entries expire, a Config Store that refuses the 33rd
 * lookup of an execution as Compute does, a Secret Store, and log endpoints that keep their lines.
 */
import { CONFIG_LOOKUPS_PER_EXECUTION } from '../config/schema.js';
import type { ConfigLike, KvPutOptions, KvStoreLike, LoggerLike, SecretsLike } from '../platform/types.js';

/** A KV Store in memory: insert-if-absent (`mode: 'add'`) is atomic, entries expire by their TTL. */
export class FakeKvStore implements KvStoreLike {
  /** What it holds, by key. */
  readonly entries = new Map<string, {
    /** The stored value. */
    value: string;
    /** When the entry expires (from its TTL); absent = never. */
    expiresAtMs?: number;
  }>();
  /** `get` calls so far. */
  gets = 0;
  /** `put` calls so far. */
  puts = 0;
  /** Set to make every call fail, e.g. new Error('KVStore insert: Too many requests.'). */
  failWith?: Error;

  constructor(private readonly now: () => number = Date.now) {}

  /** The live value of `key`, or null. */
  async get(key: string): Promise<string | null> {
    this.gets++;
    if (this.failWith) throw this.failWith;
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAtMs !== undefined && entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async put(key: string, value: string, options?: KvPutOptions): Promise<void> {
    this.puts++;
    if (this.failWith) throw this.failWith;
    // Check and write without an await in between: `add` is atomic in the real store.
    if (options?.mode === 'add' && this.liveValue(key) !== null) {
      throw new TypeError('KVStore insert: Precondition failed.');
    }
    this.entries.set(key, { value, expiresAtMs: options?.ttl !== undefined ? this.now() + options.ttl * 1000 : undefined });
  }

  private liveValue(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry || (entry.expiresAtMs !== undefined && entry.expiresAtMs <= this.now())) return null;
    return entry.value;
  }
}

/** A log endpoint that keeps its lines. */
export class FakeLogger implements LoggerLike {
  /** Every line written, in order. */
  readonly lines: string[] = [];
  /** Keeps `line`. */
  log(line: string): void {
    this.lines.push(line);
  }
}

/**
 * A Config Store opened for one execution. Like Compute, it refuses the 33rd lookup
 * (CONFIG_LOOKUPS_PER_EXECUTION), so a loader that reads too many keys fails here as it would live.
 */
export class FakeConfig implements ConfigLike {
  /** Lookups made so far. */
  lookups = 0;
  constructor(private readonly values: Record<string, string>) {}
  /** The item `key`, or null; throws on the 33rd lookup. */
  get(key: string): string | null {
    if (++this.lookups > CONFIG_LOOKUPS_PER_EXECUTION) {
      throw new Error(`ConfigStore.get: too many lookups (limit ${CONFIG_LOOKUPS_PER_EXECUTION} per execution)`);
    }
    return this.values[key] ?? null;
  }
}

/**
 * Config Store items from a flat, readable notation: `<endpoint>.<field>` keys are gathered into
 * the endpoint's JSON item, other keys are service keys and pass as they are.
 * `configItems({ endpoints: 'main', 'main.region': 'us-east-1' })` →
 * `{ endpoints: 'main', main: '{"region":"us-east-1"}' }`.
 */
export function configItems(flat: Record<string, string>): Record<string, string> {
  const items: Record<string, string> = {};
  const endpoints = new Map<string, Record<string, string>>();
  for (const [key, value] of Object.entries(flat)) {
    const dot = key.indexOf('.');
    if (dot < 0) {
      items[key] = value;
      continue;
    }
    const name = key.slice(0, dot);
    if (!endpoints.has(name)) endpoints.set(name, {});
    endpoints.get(name)![key.slice(dot + 1)] = value;
  }
  for (const [name, fields] of endpoints) items[name] = JSON.stringify(fields);
  return items;
}

/** A Secret Store in memory: values by key. */
export class FakeSecrets implements SecretsLike {
  constructor(private readonly values: Record<string, string>) {}
  /** The secret `key` as text, or null. */
  async get(key: string): Promise<string | null> {
    return this.values[key] ?? null;
  }
}

