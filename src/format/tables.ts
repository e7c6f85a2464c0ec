/**
 * VCL tables on Compute: how `table.lookup(name, key)` reads a Config Store, within Compute's
 * budget of Config Store lookups.
 *
 * The mapping: a VCL table (or edge dictionary, which VCL reads as a table) named `name` is the
 * Config Store named `name` linked to the Compute service, and its items are the table's
 * entries; Compute reads edge dictionaries through the same Config Store API. Values are text,
 * as in an edge dictionary; the typed lookups parse them (functions/table.ts).
 *
 * Owns: TableCache, the per-instance cache of what was read (values and absent keys, up to
 * TABLE_CACHE_MAX_ENTRIES, then forgotten all at once; a reused sandbox sees a changed item once
 * it is recycled, CKL_SANDBOX_TIMEOUT_MS), the tables that cannot be opened (remembered for the
 * instance: store links change only with a new service version, hence a new sandbox; stores
 * that open are opened again in each execution, whose handles they are), and the
 * per-execution bound: each execution is given how many store reads it may still make
 * (Compute allows 32 Config Store lookups per execution, and loading the configuration spends
 * some of them on an instance's first request); a read beyond that is refused, not attempted,
 * and the lookup reads as unavailable (its default).
 * Does not own: opening stores (the handler passes `open`, over the platform) or reporting.
 */
import type { TableLookup } from './render-context.js';

/** Cached entries (table, key) per instance; a full cache is cleared, not evicted piecemeal. */
export const TABLE_CACHE_MAX_ENTRIES = 4096;

/**
 * Opens a table's store (throws when there is none linked); the reader it returns gives an
 * item's value, or null when the store has no such key.
 */
export type TableOpen = (table: string) => { get(key: string): string | null };

/** Config Store keys are 1 to 255 characters; any other key is absent without a read. */
const MAX_KEY_CHARS = 255;

/** One execution's view of the cache: the lookup to render with, and what it spent. */
export interface TableExecution {
  readonly lookup: TableLookup;
  /** Store reads made (cache misses that were allowed). */
  readonly reads: number;
  /** Cache misses refused because the execution had no lookup left. */
  readonly refused: number;
  /** Tables that could not be opened during this execution, with the reason. */
  readonly unavailable: ReadonlyMap<string, string>;
}

export class TableCache {
  private readonly values = new Map<string, string | null>();
  private readonly broken = new Map<string, string>();

  constructor(
    private readonly open: TableOpen,
    private readonly maxEntries = TABLE_CACHE_MAX_ENTRIES,
  ) {}

  /** A lookup that makes at most `allowedReads` store reads; cached entries cost nothing. */
  forExecution(allowedReads: number): TableExecution {
    let reads = 0;
    let refused = 0;
    const unavailable = new Map<string, string>();
    // Opened per execution: a store handle belongs to the request that opened it.
    const stores = new Map<string, { get(key: string): string | null }>();
    const lookup: TableLookup = (table, key) => {
      if (key.length === 0 || key.length > MAX_KEY_CHARS) return null;
      const id = `${table}\u0000${key}`;
      const cached = this.values.get(id);
      if (cached !== undefined) return cached;
      const reason = this.broken.get(table);
      if (reason !== undefined) {
        unavailable.set(table, reason);
        return undefined;
      }
      // Opening a store is counted as a lookup too (Compute does not say whether it is one).
      const cost = stores.has(table) ? 1 : 2;
      if (reads + cost > allowedReads) {
        refused++;
        return undefined;
      }
      reads += cost;
      let value: string | null;
      try {
        let store = stores.get(table);
        if (!store) stores.set(table, (store = this.opened(table)));
        value = store.get(key);
      } catch (error) {
        // A store that cannot be opened stays unavailable for the instance; a failed read is one miss.
        const why = error instanceof Error ? error.message : String(error);
        unavailable.set(table, why);
        return undefined;
      }
      if (this.values.size >= this.maxEntries) this.values.clear();
      this.values.set(id, value);
      return value;
    };
    return {
      lookup,
      get reads() {
        return reads;
      },
      get refused() {
        return refused;
      },
      unavailable,
    };
  }

  private opened(table: string): { get(key: string): string | null } {
    try {
      return this.open(table);
    } catch (error) {
      this.broken.set(table, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }
}
