/**
 * One stream's shard map as the fleet shares it: this instance's copy in memory, the fleet's copy
 * in a store (map-store.ts: the KV entry and the refresh lease), and the rule for who calls
 * ListShards when both are too old or known stale — KPL's ShardMap state machine, shared.
 *
 * Owns: the refresh state ('invalid' | 'updating' | 'ready'), the age check against the
 * endpoint's period, staleness evidence (`invalidate`), backoff after failed refreshes, the cold
 * start wait for another instance's map, reading the stream's maximum record size with each
 * listing (below), and the counters of all of it (`stats`). Does not own:
 * the KV layout or the lease (map-store.ts), the ListShards paging (kinesis/list-shards.ts), map
 * validation (shard-map.ts) or shard choice (picker.ts).
 *
 * Contract: `current(api)` never throws. It resolves with the best map this instance has, which
 * may be old or stale: a closed parent's range still routes to its children, so an old map still
 * delivers every record, just less evenly. It resolves with undefined only when no map was ever
 * had (the caller then routes by random hash keys).
 *
 * Without the store (missing, read or lease write failing, rate limited) the instance acts alone:
 * its own map, refreshed by a direct ListShards under the same period and backoff rules.
 *
 * Backend budget: ListShards pages spend the same per-execution requests as PutRecords
 * (reference/compute.md §4.7: 32), and a refresh is never worth more than the records it routes.
 * `current(api, { maxRequests })` therefore lists only when the pages it expects fit in
 * `maxRequests` (the caller keeps the rest for its PutRecords calls), and stops a round that needs
 * more. Such a refresh is deferred, not failed: no lease is taken, no backoff grows, the current map
 * keeps routing (an old map still routes every record correctly), and the next `current()` with
 * room lists. The store is read either way; that costs no backend request. A ListShards call the
 * budget refused (BudgetExhausted, never sent) is a deferred refresh too, not a failed one.
 *
 * The stream's maximum record size (`readStreamSummary`): the instance that lists the stream also
 * sends one DescribeStreamSummary (kinesis/stream-summary.ts) and keeps the answer in the map, so
 * the fleet learns it from KV with the map: one call per stream and period for the whole fleet
 * (the call allows 20 per second per account). It is one more request of the refresh
 * (`refreshExtraRequests`), sent only when the refresh's allowance has room after its pages; the
 * size is then read with a later listing. The map never waits on it: when the call fails the map keeps the size it had;
 * when it is denied (AccessDeniedException: the policy lacks kinesis:DescribeStreamSummary) or the
 * endpoint does not offer it (UnknownOperationException), it is reported once and not asked again
 * by this instance, and the size stays unknown (1 MiB, delivery/record-limits.ts).
 *
 * Trust: a map is trusted for `period` from when it was listed, and never longer than `period`
 * after this instance took it, whatever date it carries; a map from the store dated more than
 * MAX_MAP_CLOCK_SKEW_MS ahead of this instance's clock is refused (and reported), so that an entry
 * dated in the future cannot pin the fleet to one layout. Every store call and wait is kept inside
 * the time the execution has left (`limits.msLeft`); map-store.ts time-boxes each call.
 */
import { BUDGET_EXHAUSTED } from '../aws/budget.js';
import { sanitizeAwsMessage } from '../aws/error-message.js';
import { AwsCallError, type KinesisApi, listShardsRound, MAX_LIST_SHARDS_RESULTS, readStreamMaxRecordBytes, type Shard } from '../kinesis/index.js';
import type { ShardMapStore } from './map-store.js';
import { buildShardMap, hasShard, withMaxRecordBytes, type ShardMap } from './shard-map.js';
import type { RefreshLimits, SharedShardMapStats, StalenessEvidence } from './types.js';

export type RefreshState = 'invalid' | 'updating' | 'ready';

/** First wait after a failed refresh; KPL's default (reference/kinesis.md §1.2). */
export const DEFAULT_MIN_REFRESH_BACKOFF_MS = 1_000;
/** Longest wait between failed refreshes; KPL's default. */
export const DEFAULT_MAX_REFRESH_BACKOFF_MS = 30_000;
/** Backoff growth per failed refresh (KPL: backoff * 3 / 2). */
export const REFRESH_BACKOFF_MULTIPLIER = 1.5;
/** How soon an instance that lost the lease looks in KV again for the winner's map. */
export const DEFAULT_LEASE_RECHECK_MS = 1_000;
/**
 * How long a cold instance that lost the lease waits for the winner's map. It runs in waitUntil,
 * after the response, and only when the instance has no map at all: without it, every instance
 * that starts together with the lease winner (a new deploy, a new stream) would spread its first
 * records by random hash keys. A ListShards round against AWS takes well under a second.
 */
export const DEFAULT_COLD_START_WAIT_MS = 1_500;
/** KV polls during that wait. */
export const COLD_START_POLL_MS = 250;
/**
 * How far ahead of this instance's clock a map's listing time may be and still be believed: POP
 * clocks are NTP-synchronised to well under a second, and a map is written seconds after its
 * listing started, so anything further ahead was not written by an instance listing the stream.
 */
export const MAX_MAP_CLOCK_SKEW_MS = 30_000;
/** Errors that say DescribeStreamSummary will not answer this instance: not asked again. */
const STREAM_SUMMARY_UNAVAILABLE = new Set(['AccessDeniedException', 'UnknownOperationException']);

/** What a refresh calls: ListShards, and DescribeStreamSummary when the api has it. */
export type ShardMapApi = Pick<KinesisApi, 'listShards'> & Partial<Pick<KinesisApi, 'describeStreamSummary'>>;

export interface SharedShardMapOptions {
  streamName: string;
  /** Longest a map is trusted before it is listed again: the endpoint's `period`, in ms. */
  periodMs: number;
  /** Opens the fleet's store (map-store.ts); called once, on first need. Absent or throwing = memory only. */
  openStore?: () => ShardMapStore;
  /** Receives one short line per problem worth reporting (KV unusable, ListShards failing). */
  report?: (problem: string) => void;
  now?: () => number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  leaseRecheckMs?: number;
  /**
   * A cold instance (no map at all) that lost the lease waits up to this long, polling KV, for the
   * winner's map before routing with random hash keys. 0 = do not wait.
   */
  coldStartWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** One ListShards round; tests may replace it. */
  listShards?: (api: Pick<KinesisApi, 'listShards'>, streamName: string) => Promise<Shard[]>;
  /** Read the stream's maximum record size with each listing (one DescribeStreamSummary). Default: no. */
  readStreamSummary?: boolean;
}


type StoreHandle = { kind: 'unopened' } | { kind: 'open'; store: ShardMapStore } | { kind: 'missing' };
/** `quiet`: a failure reported elsewhere (a backend the service lacks: delivery reports it, with what to fix). */
type RefreshOutcome = { kind: 'ready' } | { kind: 'lease-held' } | { kind: 'deferred' } | { kind: 'failed'; reason: string; quiet?: boolean };

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
    listShardsCalls: 0,
    adoptedFromKv: 0,
    leaseHeldElsewhere: 0,
    refreshFailures: 0,
    refreshesDeferred: 0,
    kvFailures: 0,
    invalidations: 0,
    streamSummaryCalls: 0,
  };

  private snapshot: ShardMap | undefined;
  /** When this instance began trusting the snapshot: its listing time, or when it took it if that is earlier. */
  private trustedSinceMs = 0;
  private refreshState: RefreshState = 'invalid';
  /** The evidence that made the map stale; a replacement from KV must answer it. */
  private staleness: { seenAtMs: number; landedShardId: string; mapListedAtMs: number } | undefined;
  private nextAttemptAtMs = 0;
  private backoffMs: number;
  private inFlight: Promise<void> | undefined;
  private store: StoreHandle = { kind: 'unopened' };
  /** DescribeStreamSummary was denied or is not offered: not asked again by this instance. */
  private streamSummaryUnavailable = false;
  /**
   * ListShards pages the next round is expected to need: the last round's count, or more when a
   * round was stopped for want of requests. Undefined until this instance has listed.
   */
  private expectedPages: number | undefined;

  private readonly now: () => number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly leaseRecheckMs: number;
  private readonly listShards: NonNullable<SharedShardMapOptions['listShards']>;

  constructor(private readonly options: SharedShardMapOptions) {
    this.now = options.now ?? Date.now;
    this.minBackoffMs = options.minBackoffMs ?? DEFAULT_MIN_REFRESH_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_REFRESH_BACKOFF_MS;
    this.leaseRecheckMs = options.leaseRecheckMs ?? DEFAULT_LEASE_RECHECK_MS;
    this.backoffMs = this.minBackoffMs;
    this.listShards = options.listShards ?? listShardsRound;
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
  async current(api: ShardMapApi, limits: RefreshLimits = {}): Promise<ShardMap | undefined> {
    this.expireIfOld();
    if (this.refreshState === 'ready') return this.snapshot;
    if (this.refreshState === 'updating') {
      // Single flight per instance: with a map, route with it rather than wait for the refresh.
      if (!this.snapshot && this.inFlight) await this.inFlight;
      return this.snapshot;
    }
    if (this.now() < this.nextAttemptAtMs) return this.snapshot;
    this.inFlight = this.refresh(api, limits);
    await this.inFlight;
    return this.snapshot;
  }

  /**
   * ListShards pages a `current()` now would want to send: 0 when the map needs no refresh (fresh,
   * being refreshed, or waiting out a backoff or another instance's lease). The store may still
   * answer the refresh without any.
   */
  refreshPages(): number {
    this.expireIfOld();
    if (this.refreshState !== 'invalid' || this.now() < this.nextAttemptAtMs) return 0;
    return this.pagesToExpect();
  }

  /**
   * Requests such a refresh would like beyond its pages: 1 when it reads the stream's maximum
   * record size (DescribeStreamSummary). Sent only when the refresh's allowance has room for it
   * after the pages: a map is worth more than the size (delivery/plan.ts gives pages first).
   */
  refreshExtraRequests(): number {
    return this.readsStreamSummary() && this.refreshPages() > 0 ? 1 : 0;
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
    if (this.refreshState === 'ready' && this.snapshot && this.now() - this.trustedSinceMs >= this.options.periodMs) {
      this.refreshState = 'invalid';
    }
  }

  /** The snapshot from now on; trusted from its listing time, or from now if it claims a later one. */
  private adopt(map: ShardMap): void {
    this.snapshot = map;
    this.trustedSinceMs = Math.min(map.listedAtMs, this.now());
  }

  private async refresh(api: ShardMapApi, limits: RefreshLimits): Promise<void> {
    this.refreshState = 'updating';
    let outcome: RefreshOutcome;
    try {
      outcome = await this.refreshOnce(api, limits);
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
        this.backoffMs = Math.min(this.backoffMs * REFRESH_BACKOFF_MULTIPLIER, this.maxBackoffMs);
        if (!outcome.quiet) this.options.report?.(outcome.reason);
        return;
    }
  }

  /** The store first; then, if the budget allows, under the lease (or alone when the store is unusable), one ListShards round. */
  private async refreshOnce(api: ShardMapApi, limits: RefreshLimits): Promise<RefreshOutcome> {
    const { maxRequests } = limits;
    const timeLeft = () => (limits.msLeft ? limits.msLeft() : undefined);
    const store = this.openStore();
    let coordinated = store !== undefined;
    let generation = 0;
    if (store) {
      try {
        const fromKv = this.believable(await store.read(timeLeft()));
        if (fromKv) {
          generation = fromKv.listedAtMs;
          if (this.isUsable(fromKv)) {
            this.adopt(fromKv);
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
    if (store && coordinated) {
      try {
        if ((await store.tryLease(generation, timeLeft())) === 'held-elsewhere') {
          this.stats.leaseHeldElsewhere++;
          return (await this.awaitWinnersMap(store, limits)) ? { kind: 'ready' } : { kind: 'lease-held' };
        }
      } catch (error) {
        this.kvFailed('taking the refresh lease', error);
        coordinated = false;
      }
    }

    const listedAtMs = this.now();
    let shards: Shard[];
    let pages = 0;
    const counted: Pick<KinesisApi, 'listShards'> = {
      listShards: (input) => {
        if (maxRequests !== undefined && pages >= maxRequests) return Promise.reject(new RefreshAllowanceSpent(pages));
        pages++;
        this.stats.listShardsCalls++;
        return api.listShards(input).catch((error: unknown) => {
          // A call that never left (no budget, no credentials) is not a page this round sent.
          if (error instanceof AwsCallError && !error.requestSent) {
            pages--;
            this.stats.listShardsCalls--;
          }
          throw error;
        });
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
      // Refused by the execution's budget before it was sent: nothing failed, nothing to report.
      if (error instanceof AwsCallError && !error.requestSent && error.errorCode === BUDGET_EXHAUSTED) {
        if (pages > 0) this.expectedPages = pages + 1;
        return { kind: 'deferred' };
      }
      // The PutRecords calls through the same backend fail alike and report it once, with what to fix.
      const quiet = error instanceof AwsCallError && error.errorClass === 'configuration';
      return { kind: 'failed', reason: `ListShards failed: ${describe(error)}; keeping the previous shard map`, quiet };
    }
    this.expectedPages = pages;
    const built = buildShardMap(shards, listedAtMs);
    if (!built.ok) {
      // The answer does not tile the hash-key space (a reshard between pages, a server bug, no
      // open shard): routing with it would leave keys without a shard, while the previous map
      // still routes every key somewhere valid. Keep it and list again after the backoff.
      return { kind: 'failed', reason: `ListShards answered an inconsistent layout (${built.reason}); keeping the previous shard map` };
    }
    const maxRecordBytes = await this.readMaxRecordBytes(api, maxRequests === undefined ? undefined : maxRequests - pages);
    // Unknown this time: the size the previous map carried still holds (it changes rarely).
    const map = withMaxRecordBytes(built.map, maxRecordBytes ?? this.snapshot?.maxRecordBytes);
    this.adopt(map);
    // Acting alone when the store failed: writing would likely fail too and add load to a limited store.
    if (store && coordinated) await this.writeStore(store, map, timeLeft());
    return { kind: 'ready' };
  }

  private readsStreamSummary(): boolean {
    return this.options.readStreamSummary === true && !this.streamSummaryUnavailable;
  }

  /**
   * The stream's maximum record size from one DescribeStreamSummary, or undefined (not read: not
   * asked for, no request left, or the call failed; a denial is reported once and not retried).
   */
  private async readMaxRecordBytes(api: ShardMapApi, requestsLeft: number | undefined): Promise<number | undefined> {
    if (!this.readsStreamSummary() || !api.describeStreamSummary || (requestsLeft !== undefined && requestsLeft < 1)) return undefined;
    this.stats.streamSummaryCalls++;
    try {
      return await readStreamMaxRecordBytes(api as Pick<KinesisApi, 'describeStreamSummary'>, this.options.streamName);
    } catch (error) {
      if (error instanceof AwsCallError && !error.requestSent) {
        // Never sent (no budget left): nothing to report, the next listing asks again.
        this.stats.streamSummaryCalls--;
        return undefined;
      }
      if (error instanceof AwsCallError && STREAM_SUMMARY_UNAVAILABLE.has(error.errorCode)) {
        this.streamSummaryUnavailable = true;
        this.options.report?.(
          `DescribeStreamSummary ${error.errorCode === 'AccessDeniedException' ? 'was denied' : 'is not offered by this endpoint'} (${error.errorCode}), ` +
            "so the stream's maximum record size is not known: records are limited to 1 MiB (or max_record_bytes). " +
            "Allow kinesis:DescribeStreamSummary (beside kinesis:PutRecords and kinesis:ListShards) to use the stream's own, up to 10 MiB",
        );
        return undefined;
      }
      this.options.report?.(`DescribeStreamSummary failed: ${describe(error)}; the stream's last known maximum record size still holds`);
      return undefined;
    }
  }

  /**
   * Pages the next round should need: what the last round took here, else what the map in hand
   * implies (open shards over the page size), else one.
   */
  private pagesToExpect(): number {
    const fromMap = this.snapshot ? Math.ceil(this.snapshot.shards.length / MAX_LIST_SHARDS_RESULTS) : 1;
    return Math.max(1, this.expectedPages ?? fromMap);
  }

  /** Cold start only (no map at all): polls KV for the lease winner's map for a short while, within the time left. */
  private async awaitWinnersMap(store: ShardMapStore, limits: RefreshLimits): Promise<boolean> {
    if (this.snapshot) return false;
    const timeLeft = () => (limits.msLeft ? limits.msLeft() : Infinity);
    const waitMs = Math.min(this.options.coldStartWaitMs ?? DEFAULT_COLD_START_WAIT_MS, timeLeft() - COLD_START_POLL_MS);
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let waited = 0; waited < waitMs; waited += COLD_START_POLL_MS) {
      await sleep(COLD_START_POLL_MS);
      let fromKv: ShardMap | undefined;
      try {
        fromKv = this.believable(await store.read(timeLeft()));
      } catch (error) {
        this.kvFailed('reading the shard map', error);
        return false;
      }
      if (fromKv && this.isUsable(fromKv)) {
        this.adopt(fromKv);
        this.stats.adoptedFromKv++;
        return true;
      }
    }
    return false;
  }

  /**
   * A map from KV ends the refresh when it is within the period, newer than the one being
   * replaced (the same map again would extend its trust past the period: one dated a little
   * ahead looks young by its date), and answers the staleness evidence if there is any: listed
   * after the evidence was seen, or newer than the stale map and holding the shard the record
   * actually landed on. (Requiring "listed after the evidence" alone would make every instance
   * whose evidence came a little after the winner's listing started list again.)
   */
  private isUsable(candidate: ShardMap): boolean {
    if (this.now() - Math.min(candidate.listedAtMs, this.now()) >= this.options.periodMs) return false;
    if (this.snapshot && candidate.listedAtMs <= this.snapshot.listedAtMs) return false;
    const stale = this.staleness;
    if (!stale) return true;
    if (candidate.listedAtMs > stale.seenAtMs) return true;
    return candidate.listedAtMs > stale.mapListedAtMs && hasShard(candidate, stale.landedShardId);
  }

  /** A map from the store, unless it is dated further ahead than any clock skew explains (reported, then treated as absent). */
  private believable(map: ShardMap | undefined): ShardMap | undefined {
    if (!map || map.listedAtMs - this.now() <= MAX_MAP_CLOCK_SKEW_MS) return map;
    this.options.report?.(
      `KV shard map listed at ${isoDate(map.listedAtMs)} is dated more than ${MAX_MAP_CLOCK_SKEW_MS / 1000} s ahead of this instance's clock; ignored and overwritten by the next listing`,
    );
    return undefined;
  }

  private async writeStore(store: ShardMapStore, map: ShardMap, timeoutMs: number | undefined): Promise<void> {
    try {
      await store.write(map, timeoutMs);
    } catch (error) {
      this.kvFailed('writing the shard map', error);
    }
  }

  private openStore(): ShardMapStore | undefined {
    if (this.store.kind === 'unopened') {
      if (!this.options.openStore) {
        this.store = { kind: 'missing' };
      } else {
        try {
          this.store = { kind: 'open', store: this.options.openStore() };
        } catch (error) {
          this.store = { kind: 'missing' };
          this.options.report?.(`KV store cannot be opened (${describe(error)}); shard maps are kept per instance`);
        }
      }
    }
    return this.store.kind === 'open' ? this.store.store : undefined;
  }

  private kvFailed(what: string, error: unknown): void {
    this.stats.kvFailures++;
    this.options.report?.(`KV store failed ${what} (${describe(error)}); this instance refreshes on its own`);
  }
}

/** A time as ISO 8601, or as milliseconds when it is beyond what a Date can hold. */
function isoDate(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms since 1970` : date.toISOString();
}

/**
 * An error as it goes into a report line. ListShards errors carry AWS's text (a refused signature
 * echoes the signed headers, session token included), so every description passes the same gate
 * as delivery failures.
 */
function describe(error: unknown): string {
  return sanitizeAwsMessage(error instanceof Error ? error.message : String(error));
}
