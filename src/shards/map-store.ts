/**
 * Where the fleet keeps one stream's shard map: the KV entry and the refresh lease, behind the small
 * interface the refresh state machine (shared-map.ts) uses: read, write, tryLease. The one place
 * that calls KV for shard maps, so the one place that time-boxes those calls.
 *
 * KV layout (store `ServiceConfig.kvStoreName`, default `kinesis_logger_state`), by the stream's
 * scope `<account>/<region>/<Kinesis host>/<stream>` — what identifies a stream: the same stream name
 * in another account or behind another endpoint_url is another stream (delivery/streams.ts builds
 * the scope; aws/identity.ts says how the account is told):
 *   `shard-map/<scope>`  the map, as shard-map.ts `encodeShardMap` (JSON with listedAtMs)
 *   `shard-map-lease/<scope>/<generation>/<slot>`  the refresh lease, written with
 *     `mode: 'add'` (insert-if-absent). `generation` is the listedAtMs of the KV map being replaced
 *     (0 when there is none) and `slot` is floor(now / leaseSlotMs).
 * The JS SDK exposes no KV generations (reference/compute.md §4.1), so insert-if-absent is the only
 * compare-and-set there is. The lease key names what it replaces and when, instead of relying on
 * the TTL alone, because Fastly deletes expired items only "within 24 hours of the requested
 * expiration" (KV API docs): a fixed key left by a holder that died would block refreshes for up to
 * a day. A map that was just replaced never blocks the next refresh. The TTL only garbage-collects.
 *
 * A lease is two keys, its slot and the next one, and is held only when both inserts succeed. With
 * one key per slot, a lease taken just before a slot boundary protected nothing after it: a
 * contender a millisecond later computed the next slot's key, inserted it, and both listed. With two,
 * any contender within `leaseSlotMs` of the holder (in the same slot or the next) meets one of the
 * holder's keys, so the lease lasts at least `leaseSlotMs` whenever it was taken, still through
 * insert-if-absent alone (no read-then-write race). The price: a holder that died blocks the others
 * until the end of the slot after the one it took the lease in, between one and two slots.
 *
 * Time-boxed: a KV call that has not answered within `callTimeoutMs` (1 s; reads usually take
 * under 1 ms, up to 300 ms for data recently changed at a POP, reference/compute.md §4.1), or
 * within the time the caller has left, rejects with KvTimeoutError — a KV failure like any other,
 * after which the instance routes without the store. Nothing then waits on KV until the 2-minute
 * kill of the execution.
 *
 * Contract: `read` and `write` reject when KV fails or times out; `tryLease` answers
 * 'held-elsewhere' for an insert refused because the key exists and rejects for any other KV
 * failure. A damaged or foreign entry reads as no map (and is reported), so the next refresh
 * overwrites it.
 */
import type { KvStoreLike } from '../platform/types.js';
import { decodeShardMap, encodeShardMap, type ShardMap } from './shard-map.js';

/**
 * Length of one lease slot: the shortest time a lease protects its holder's listing. Others wait
 * for a holder that died mid-refresh between one and two slots (see the lease keys above).
 */
export const DEFAULT_LEASE_SLOT_MS = 10_000;
/** Maps of streams no longer configured disappear after a week without a refresh. */
export const MAP_TTL_SECONDS = 7 * 24 * 3600;
/** Longest wait for one KV call. */
export const KV_CALL_TIMEOUT_MS = 1_000;

export const MAP_KEY_PREFIX = 'shard-map';
export const LEASE_KEY_PREFIX = 'shard-map-lease';

export function mapKey(scope: string): string {
  return `${MAP_KEY_PREFIX}/${scope}`;
}

export function leaseKey(scope: string, generation: number, slot: number): string {
  return `${LEASE_KEY_PREFIX}/${scope}/${generation}/${slot}`;
}

export type LeaseOutcome = 'mine' | 'held-elsewhere';

/** The fleet's copy of one stream's map, and the lease on refreshing it. `timeoutMs` caps each call's wait further. */
export interface ShardMapStore {
  /** The map in the store, or undefined when there is none (or it is unusable). */
  read(timeoutMs?: number): Promise<ShardMap | undefined>;
  write(map: ShardMap, timeoutMs?: number): Promise<void>;
  /** Try to become the one instance that lists the stream to replace the map of `generation`. */
  tryLease(generation: number, timeoutMs?: number): Promise<LeaseOutcome>;
}

export interface KvShardMapStoreOptions {
  /** `<account>/<region>/<Kinesis host>/<stream>`: names the KV keys and is checked in the entry. */
  scope: string;
  /** Written into the lease so a human reading KV can tell holders apart. */
  holderId: string;
  now: () => number;
  leaseSlotMs?: number;
  callTimeoutMs?: number;
  /** Told when an entry is ignored (damaged, another stream, another format version). */
  report: (problem: string) => void;
}

/** A KV call that did not answer in time. */
export class KvTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`KV ${what} did not answer within ${Math.max(0, Math.round(ms))} ms`);
    this.name = 'KvTimeoutError';
  }
}

export function kvShardMapStore(kv: KvStoreLike, options: KvShardMapStoreOptions): ShardMapStore {
  const { scope } = options;
  const key = mapKey(scope);
  const leaseSlotMs = options.leaseSlotMs ?? DEFAULT_LEASE_SLOT_MS;
  const callTimeoutMs = options.callTimeoutMs ?? KV_CALL_TIMEOUT_MS;
  /** The lease keys this instance holds, so its own retries within its lease do not lock it out. */
  let heldLeaseKeys = new Set<string>();

  const timeBoxed = <T>(what: string, call: () => Promise<T>, timeoutMs: number | undefined): Promise<T> =>
    withTimeout(what, call, Math.min(callTimeoutMs, timeoutMs ?? Infinity));

  return {
    async read(timeoutMs) {
      const text = await timeBoxed('get', () => kv.get(key), timeoutMs);
      if (text === null) return undefined;
      const decoded = decodeShardMap(text, scope);
      if (decoded.ok) return decoded.map;
      options.report(`KV entry ${key} ignored (${decoded.reason}); it will be overwritten`);
      return undefined;
    },

    async write(map, timeoutMs) {
      await timeBoxed('put', () => kv.put(key, encodeShardMap(map, scope), { ttl: MAP_TTL_SECONDS }), timeoutMs);
    },

    /** Takes this slot's and the next slot's lease keys; the lease is ours only when both are. */
    async tryLease(generation, timeoutMs) {
      const now = options.now();
      const slot = Math.floor(now / leaseSlotMs);
      const keys = [slot, slot + 1].map((s) => leaseKey(scope, generation, s));
      const value = JSON.stringify({ holder: options.holderId, acquiredAtMs: now });
      const held = new Set<string>();
      try {
        for (const leaseKeyName of keys) {
          if (!heldLeaseKeys.has(leaseKeyName)) {
            // Two slots, so neither key can expire (and be taken again) before its slot has ended.
            await timeBoxed('insert', () => kv.put(leaseKeyName, value, { mode: 'add', ttl: 2 * Math.ceil(leaseSlotMs / 1000) }), timeoutMs);
          }
          held.add(leaseKeyName);
        }
      } catch (error) {
        if (isInsertConflict(error)) return 'held-elsewhere';
        throw error;
      } finally {
        // Keys taken so far stay ours until they expire; only older holders' leases are in the way.
        heldLeaseKeys = held;
      }
      return 'mine';
    },
  };
}

/** `call()`, or KvTimeoutError once `ms` have passed (at once when none are left). */
function withTimeout<T>(what: string, call: () => Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0)) return Promise.reject(new KvTimeoutError(what, 0));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KvTimeoutError(what, ms)), ms);
  });
  return Promise.race([call(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * An `add` refused because the key exists. The runtime rejects with a TypeError whose message
 * says "Precondition failed" (JSC host_api.cpp FastlyKVError); anything else (e.g. "Too many
 * requests.") means KV itself is failing.
 */
function isInsertConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /precondition|already exists/i.test(message);
}
