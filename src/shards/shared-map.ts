/**
 * One stream's shard map as the fleet shares it: this instance's copy in memory, the fleet's copy
 * in a KV store, and the rule for who calls ListShards when both are too old or known stale.
 *
 * Owns: the refresh state ('invalid' | 'updating' | 'ready'), the age check against the
 * endpoint's period, staleness evidence (`invalidate`), the KV entry and the refresh lease, and
 * backoff after failed refreshes. Does not own: the ListShards paging (kinesis/list-shards.ts),
 * map validation (shard-map.ts) or shard choice (picker.ts).
 *
 * Contract: `current(api)` never throws. It resolves with the best map this instance has, which
 * may be old or stale: a closed parent's range still routes to its children, so an old map still
 * delivers every record, just less evenly. It resolves with undefined only when no map was ever
 * had (the caller then falls back to random partition keys).
 *
 * KV layout (store `ServiceConfig.kvStoreName`, default `kinesis_logger_state`):
 *   `shard-map/<region>/<stream>`  the map, as shard-map.ts `encodeShardMap` (JSON with listedAtMs)
 *   `shard-map-lease/<region>/<stream>/<generation>/<slot>`  the refresh lease, written with
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
 * Without KV (store missing, read or lease write failing, rate limited) the instance acts alone:
 * its own map, refreshed by a direct ListShards under the same period and backoff rules.
 *
 * Backend budget: ListShards pages spend the same per-execution requests as PutRecords
 * (reference/compute.md §4.7: 32), and a refresh is never worth more than the records it routes.
 * `current(api, { maxRequests })` therefore lists only when the pages it expects fit in
 * `maxRequests` (the caller keeps the rest for its PutRecords calls), and stops a round that needs
 * more. Such a refresh is deferred, not failed: no lease is taken, no backoff grows, the current map
 * keeps routing (an old map still routes every record correctly), and the next `current()` with
 * room lists. KV is read either way; that costs no backend request.
 */
import { sanitizeAwsMessage } from '../aws/error-message.js';
import type { KinesisApi, Shard } from '../kinesis/api.js';
import { listShardsRound } from '../kinesis/list-shards.js';
import { MAX_LIST_SHARDS_RESULTS } from '../kinesis/limits.js';
import type { KvStoreLike } from '../platform/types.js';
import { cryptoRandom } from './picker.js';
import { buildShardMap, decodeShardMap, encodeShardMap, hasShard, type ShardMap } from './shard-map.js';

export type RefreshState = 'invalid' | 'updating' | 'ready';

/** A record planned for `predictedShardId` (with the map listed at `plannedWithListedAtMs`) landed on `landedShardId`. */
export interface StalenessEvidence {
  /** When the call carrying the record was sent. */
  seenAtMs: number;
  predictedShardId: string;
  landedShardId: string;
  plannedWithListedAtMs?: number;
}

/** First wait after a failed refresh; KPL's default (reference/kinesis.md §1.2). */
export const DEFAULT_MIN_BACKOFF_MS = 1_000;
/** Longest wait between failed refreshes; KPL's default. */
export const DEFAULT_MAX_BACKOFF_MS = 30_000;
/** Backoff growth per failed refresh (KPL: backoff * 3 / 2). */
export const BACKOFF_MULTIPLIER = 1.5;
/**
 * Length of one lease slot: the shortest time a lease protects its holder's listing. Others wait
 * for a holder that died mid-refresh between one and two slots (see the lease keys above).
 */
export const DEFAULT_LEASE_SLOT_MS = 10_000;
/** How soon an instance that lost the lease looks in KV again for the winner's map. */
export const DEFAULT_LEASE_RECHECK_MS = 1_000;
/**
 * How long a cold instance that lost the lease waits for the winner's map. It runs in waitUntil,
 * after the response, and only when the instance has no map at all: without it, every instance
 * that starts together with the lease winner (a new deploy, a new stream) would spread its first
 * records by random partition keys. A ListShards round against AWS takes well under a second.
 */
export const DEFAULT_COLD_START_WAIT_MS = 1_500;
/** KV polls during that wait. */
export const COLD_START_POLL_MS = 250;
/** Maps of streams no longer configured disappear after a week without a refresh. */
export const MAP_TTL_SECONDS = 7 * 24 * 3600;

export const MAP_KEY_PREFIX = 'shard-map';
export const LEASE_KEY_PREFIX = 'shard-map-lease';

export function mapKey(region: string, streamName: string): string {
  return `${MAP_KEY_PREFIX}/${region}/${streamName}`;
}

export function leaseKey(region: string, streamName: string, generation: number, slot: number): string {
  return `${LEASE_KEY_PREFIX}/${region}/${streamName}/${generation}/${slot}`;
}

export interface RefreshLimits {
  /** Backend requests a refresh may spend now (ListShards pages); absent = no limit. */
  maxRequests?: number;
}

export interface SharedShardMapOptions {
  streamName: string;
  region: string;
  /** Longest a map is trusted before it is listed again: the endpoint's `period`, in ms. */
  periodMs: number;
  /** Opens the KV store; called once, on first need. Absent or throwing = memory only. */
  openKv?: () => KvStoreLike;
  /** Receives one short line per problem worth reporting (KV unusable, ListShards failing). */
  report?: (problem: string) => void;
  now?: () => number;
  random?: () => number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  leaseSlotMs?: number;
  leaseRecheckMs?: number;
  /**
   * A cold instance (no map at all) that lost the lease waits up to this long, polling KV, for the
   * winner's map before routing with random partition keys. 0 = do not wait.
   */
  coldStartWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** One ListShards round; tests may replace it. */
  listShards?: (api: Pick<KinesisApi, 'listShards'>, streamName: string) => Promise<Shard[]>;
}

export interface SharedShardMapStats {
  /** ListShards rounds this instance started (a round = all pages of one listing). */
  listShardsRounds: number;
  /** Refreshes answered by a map another instance put in KV. */
  adoptedFromKv: number;
  /** Refreshes that found the lease taken and kept the current map. */
  leaseHeldElsewhere: number;
  /** ListShards errors and inconsistent answers. */
  refreshFailures: number;
  /** Refreshes put off (or rounds stopped) to keep backend requests for PutRecords. */
  refreshesDeferred: number;
  /** KV reads or writes that failed (the instance then acted alone). */
  kvFailures: number;
  /** Times staleness evidence marked the map invalid. */
  invalidations: number;
}

type KvHandle = { kind: 'unopened' } | { kind: 'open'; store: KvStoreLike } | { kind: 'missing' };
type RefreshOutcome = { kind: 'ready' } | { kind: 'lease-held' } | { kind: 'deferred' } | { kind: 'failed'; reason: string };

/** Thrown by the request-capped api when a round needs more pages than it was allowed. */
class RefreshAllowanceSpent extends Error {
  constructor(readonly pagesSent: number) {
    super(`ListShards round stopped after ${pagesSent} pages to keep requests for PutRecords`);
    this.name = 'RefreshAllowanceSpent';
  }
}

export class SharedShardMap {
  readonly stats: SharedShardMapStats = {
    listShardsRounds: 0,
    adoptedFromKv: 0,
    leaseHeldElsewhere: 0,
    refreshFailures: 0,
    refreshesDeferred: 0,
    kvFailures: 0,
    invalidations: 0,
  };

  private snapshot: ShardMap | undefined;
  private refreshState: RefreshState = 'invalid';
  /** The evidence that made the map stale; a replacement from KV must answer it. */
  private staleness: { seenAtMs: number; landedShardId: string; mapListedAtMs: number } | undefined;
  private nextAttemptAtMs = 0;
  private backoffMs: number;
  private inFlight: Promise<void> | undefined;
  private kv: KvHandle = { kind: 'unopened' };
  /**
   * ListShards pages the next round is expected to need: the last round's count, or more when a
   * round was stopped for want of requests. Undefined until this instance has listed.
   */
  private expectedPages: number | undefined;
  /** The lease keys this instance holds, so its own retries within its lease do not lock it out. */
  private heldLeaseKeys = new Set<string>();

  private readonly now: () => number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly leaseSlotMs: number;
  private readonly leaseRecheckMs: number;
  private readonly holderId: string;
  private readonly mapKey: string;
  private readonly listShards: NonNullable<SharedShardMapOptions['listShards']>;

  constructor(private readonly options: SharedShardMapOptions) {
    this.now = options.now ?? Date.now;
    this.minBackoffMs = options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.leaseSlotMs = options.leaseSlotMs ?? DEFAULT_LEASE_SLOT_MS;
    this.leaseRecheckMs = options.leaseRecheckMs ?? DEFAULT_LEASE_RECHECK_MS;
    this.backoffMs = this.minBackoffMs;
    this.listShards = options.listShards ?? listShardsRound;
    this.mapKey = mapKey(options.region, options.streamName);
    const random = options.random ?? cryptoRandom;
    this.holderId = Math.floor(random() * 2 ** 48).toString(36);
  }

  get state(): RefreshState {
    return this.refreshState;
  }

  get map(): ShardMap | undefined {
    return this.snapshot;
  }

  /**
   * The map to route with now; refreshes first when the map is missing, too old or stale, and the
   * refresh fits in `limits.maxRequests`.
   */
  async current(api: Pick<KinesisApi, 'listShards'>, limits: RefreshLimits = {}): Promise<ShardMap | undefined> {
    this.expireIfOld();
    if (this.refreshState === 'ready') return this.snapshot;
    if (this.refreshState === 'updating') {
      // Single flight per instance: with a map, route with it rather than wait for the refresh.
      if (!this.snapshot && this.inFlight) await this.inFlight;
      return this.snapshot;
    }
    if (this.now() < this.nextAttemptAtMs) return this.snapshot;
    this.inFlight = this.refresh(api, limits.maxRequests);
    await this.inFlight;
    return this.snapshot;
  }

  /**
   * Staleness evidence: a record planned with this map for `predictedShardId` landed on
   * `landedShardId`. Acts only on evidence from a call sent after the map was listed (KPL's
   * `seen_at > updated_at`, reference/kinesis.md §1.4): older calls may have been planned before a
   * reshard the current map already knows, and many in-flight answers must not each trigger a
   * refresh. Returns whether the map was marked stale; the next `current()` refreshes.
   */
  invalidate(evidence: StalenessEvidence): boolean {
    const map = this.snapshot;
    if (this.refreshState !== 'ready' || !map) return false;
    if (evidence.plannedWithListedAtMs !== undefined && evidence.plannedWithListedAtMs !== map.listedAtMs) return false;
    if (!(evidence.seenAtMs > map.listedAtMs)) return false;
    // KPL's third rule: evidence about a shard the current map no longer has says nothing about it.
    if (!hasShard(map, evidence.predictedShardId)) return false;
    this.refreshState = 'invalid';
    this.staleness = { seenAtMs: evidence.seenAtMs, landedShardId: evidence.landedShardId, mapListedAtMs: map.listedAtMs };
    this.stats.invalidations++;
    return true;
  }

  private expireIfOld(): void {
    if (this.refreshState === 'ready' && this.snapshot && this.now() - this.snapshot.listedAtMs >= this.options.periodMs) {
      this.refreshState = 'invalid';
    }
  }

  private async refresh(api: Pick<KinesisApi, 'listShards'>, maxRequests: number | undefined): Promise<void> {
    this.refreshState = 'updating';
    let outcome: RefreshOutcome;
    try {
      outcome = await this.refreshOnce(api, maxRequests);
    } catch (error) {
      outcome = { kind: 'failed', reason: `refresh failed: ${describe(error)}` };
    }
    this.inFlight = undefined;
    switch (outcome.kind) {
      case 'ready':
        this.refreshState = 'ready';
        this.staleness = undefined;
        this.backoffMs = this.minBackoffMs;
        this.nextAttemptAtMs = 0;
        return;
      case 'lease-held':
        // Not a failure: another instance is listing. Keep routing with what we have and look
        // in KV for its map soon; the backoff does not grow.
        this.refreshState = 'invalid';
        this.nextAttemptAtMs = this.now() + this.leaseRecheckMs;
        return;
      case 'deferred':
        // Not a failure either: this execution could not spare the requests. The next current()
        // that can (usually the next execution) lists at once.
        this.refreshState = 'invalid';
        this.stats.refreshesDeferred++;
        return;
      case 'failed':
        this.refreshState = 'invalid';
        this.stats.refreshFailures++;
        this.nextAttemptAtMs = this.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * BACKOFF_MULTIPLIER, this.maxBackoffMs);
        this.options.report?.(outcome.reason);
        return;
    }
  }

  /** KV first; then, if the budget allows, under the lease (or alone when KV is unusable), one ListShards round. */
  private async refreshOnce(api: Pick<KinesisApi, 'listShards'>, maxRequests: number | undefined): Promise<RefreshOutcome> {
    const kv = this.openKv();
    let coordinated = kv !== undefined;
    let generation = 0;
    if (kv) {
      try {
        const fromKv = await this.readKv(kv);
        if (fromKv) {
          generation = fromKv.listedAtMs;
          if (this.isUsable(fromKv)) {
            this.snapshot = fromKv;
            this.stats.adoptedFromKv++;
            return { kind: 'ready' };
          }
          // Too old to end the refresh, but an old map routes every record correctly and beats
          // random keys (a fresh sandbox has no map) or an older copy: route with it meanwhile.
          if (!this.snapshot || fromKv.listedAtMs > this.snapshot.listedAtMs) this.snapshot = fromKv;
        }
      } catch (error) {
        this.kvFailed('reading the shard map', error);
        coordinated = false;
      }
    }
    // Before the lease: a lease taken by an instance that then cannot list would only hold up
    // the others.
    if (maxRequests !== undefined && maxRequests < this.pagesToExpect()) return { kind: 'deferred' };
    if (kv && coordinated) {
      const lease = await this.tryLease(kv, generation);
      if (lease === 'held-elsewhere') return (await this.awaitWinnersMap(kv)) ? { kind: 'ready' } : { kind: 'lease-held' };
      if (lease === 'kv-failed') coordinated = false;
    }

    const listedAtMs = this.now();
    let shards: Shard[];
    let pages = 0;
    const counted: Pick<KinesisApi, 'listShards'> = {
      listShards: (input) => {
        if (maxRequests !== undefined && pages >= maxRequests) return Promise.reject(new RefreshAllowanceSpent(pages));
        pages++;
        return api.listShards(input);
      },
    };
    try {
      this.stats.listShardsRounds++;
      shards = await this.listShards(counted, this.options.streamName);
    } catch (error) {
      if (error instanceof RefreshAllowanceSpent) {
        // The stream has more pages than this instance knew: ask for more room next time. The
        // lease stays ours until it expires, so our own next try may use it.
        this.expectedPages = error.pagesSent + 1;
        return { kind: 'deferred' };
      }
      return { kind: 'failed', reason: `ListShards failed: ${describe(error)}; keeping the previous shard map` };
    }
    this.expectedPages = pages;
    const built = buildShardMap(shards, listedAtMs);
    if (!built.ok) {
      // The answer does not tile the hash-key space (a reshard between pages, a server bug, no
      // open shard): routing with it would leave keys without a shard, while the previous map
      // still routes every key somewhere valid. Keep it and list again after the backoff.
      return { kind: 'failed', reason: `ListShards answered an inconsistent layout (${built.reason}); keeping the previous shard map` };
    }
    this.snapshot = built.map;
    // Acting alone when KV failed: writing would likely fail too and add load to a limited store.
    if (kv && coordinated) await this.writeKv(kv, built.map);
    return { kind: 'ready' };
  }

  /**
   * Pages the next round should need: what the last round took here, else what the map in hand
   * implies (open shards over the page size), else one.
   */
  private pagesToExpect(): number {
    const fromMap = this.snapshot ? Math.ceil(this.snapshot.shards.length / MAX_LIST_SHARDS_RESULTS) : 1;
    return Math.max(1, this.expectedPages ?? fromMap);
  }

  /** Cold start only (no map at all): polls KV for the lease winner's map for a short while. */
  private async awaitWinnersMap(kv: KvStoreLike): Promise<boolean> {
    if (this.snapshot) return false;
    const waitMs = this.options.coldStartWaitMs ?? DEFAULT_COLD_START_WAIT_MS;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let waited = 0; waited < waitMs; waited += COLD_START_POLL_MS) {
      await sleep(COLD_START_POLL_MS);
      let fromKv: ShardMap | undefined;
      try {
        fromKv = await this.readKv(kv);
      } catch (error) {
        this.kvFailed('reading the shard map', error);
        return false;
      }
      if (fromKv && this.isUsable(fromKv)) {
        this.snapshot = fromKv;
        this.stats.adoptedFromKv++;
        return true;
      }
    }
    return false;
  }

  /**
   * A map from KV ends the refresh when it is within the period, not older than ours, and answers
   * the staleness evidence if there is any: listed after the evidence was seen, or newer than the
   * stale map and holding the shard the record actually landed on. (Requiring "listed after the
   * evidence" alone would make every instance whose evidence came a little after the winner's
   * listing started list again.)
   */
  private isUsable(candidate: ShardMap): boolean {
    if (this.now() - candidate.listedAtMs >= this.options.periodMs) return false;
    if (this.snapshot && candidate.listedAtMs < this.snapshot.listedAtMs) return false;
    const stale = this.staleness;
    if (!stale) return true;
    if (candidate.listedAtMs > stale.seenAtMs) return true;
    return candidate.listedAtMs > stale.mapListedAtMs && hasShard(candidate, stale.landedShardId);
  }

  private async readKv(kv: KvStoreLike): Promise<ShardMap | undefined> {
    const text = await kv.get(this.mapKey);
    if (text === null) return undefined;
    const decoded = decodeShardMap(text, this.options.streamName, this.options.region);
    if (!decoded.ok) {
      this.options.report?.(`KV entry ${this.mapKey} ignored (${decoded.reason}); it will be overwritten`);
      return undefined;
    }
    return decoded.map;
  }

  private async writeKv(kv: KvStoreLike, map: ShardMap): Promise<void> {
    try {
      await kv.put(this.mapKey, encodeShardMap(map, this.options.streamName, this.options.region), { ttl: MAP_TTL_SECONDS });
    } catch (error) {
      this.kvFailed('writing the shard map', error);
    }
  }

  /** Takes this slot's and the next slot's lease keys; the lease is ours only when both are. */
  private async tryLease(kv: KvStoreLike, generation: number): Promise<'mine' | 'held-elsewhere' | 'kv-failed'> {
    const now = this.now();
    const slot = Math.floor(now / this.leaseSlotMs);
    const keys = [slot, slot + 1].map((s) => leaseKey(this.options.region, this.options.streamName, generation, s));
    const value = JSON.stringify({ holder: this.holderId, acquiredAtMs: now });
    const held = new Set<string>();
    for (const key of keys) {
      if (this.heldLeaseKeys.has(key)) {
        held.add(key);
        continue;
      }
      try {
        // Two slots, so neither key can expire (and be taken again) before its slot has ended.
        await kv.put(key, value, { mode: 'add', ttl: 2 * Math.ceil(this.leaseSlotMs / 1000) });
        held.add(key);
      } catch (error) {
        // Keys taken so far stay ours until they expire; only older holders' leases are in the way.
        this.heldLeaseKeys = held;
        if (isInsertConflict(error)) {
          this.stats.leaseHeldElsewhere++;
          return 'held-elsewhere';
        }
        this.kvFailed('taking the refresh lease', error);
        return 'kv-failed';
      }
    }
    this.heldLeaseKeys = held;
    return 'mine';
  }

  private openKv(): KvStoreLike | undefined {
    if (this.kv.kind === 'unopened') {
      if (!this.options.openKv) {
        this.kv = { kind: 'missing' };
      } else {
        try {
          this.kv = { kind: 'open', store: this.options.openKv() };
        } catch (error) {
          this.kv = { kind: 'missing' };
          this.options.report?.(`KV store cannot be opened (${describe(error)}); shard maps are kept per instance`);
        }
      }
    }
    return this.kv.kind === 'open' ? this.kv.store : undefined;
  }

  private kvFailed(what: string, error: unknown): void {
    this.stats.kvFailures++;
    this.options.report?.(`KV store failed ${what} (${describe(error)}); this instance refreshes on its own`);
  }
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

/**
 * An error as it goes into a report line. ListShards errors carry AWS's text (a refused signature
 * echoes the signed headers, session token included), so every description passes the same gate
 * as delivery failures.
 */
function describe(error: unknown): string {
  return sanitizeAwsMessage(error instanceof Error ? error.message : String(error));
}
