/**
 * In-memory implementations of platform/types.ts for Node tests.
 */
import type { ConfigLike, KvPutOptions, KvStoreLike, LoggerLike, SecretsLike } from '../../../src/platform/types.js';

export class FakeKvStore implements KvStoreLike {
  readonly entries = new Map<string, { value: string; expiresAtMs?: number }>();
  gets = 0;
  puts = 0;
  /** Set to make every call fail, e.g. new Error('KVStore insert: Too many requests.'). */
  failWith?: Error;

  constructor(private readonly now: () => number = Date.now) {}

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

export class FakeLogger implements LoggerLike {
  readonly lines: string[] = [];
  log(line: string): void {
    this.lines.push(line);
  }
}

export class FakeConfig implements ConfigLike {
  constructor(private readonly values: Record<string, string>) {}
  get(key: string): string | null {
    return this.values[key] ?? null;
  }
}

export class FakeSecrets implements SecretsLike {
  constructor(private readonly values: Record<string, string>) {}
  async get(key: string): Promise<string | null> {
    return this.values[key] ?? null;
  }
}
