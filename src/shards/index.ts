/**
 * The shards folder's public face: where each record of a stream goes.
 *
 * Owns: one long-lived routing state per stream and instance (`createStreamRouter`: the shared
 * shard map over the fleet's KV store, the picker's rotation), bound to one execution's Kinesis api
 * by `routerFor` (its ListShards and DescribeStreamSummary calls spend that execution's budget),
 * what a refresh would cost now (`refreshPages`, `refreshExtraRequests`, for delivery's plan), the
 * stream's maximum record size as the map knows it (`maxRecordBytes`), and what it can tell about
 * itself (`stats`; `counters` and `mapAgeMs` for readers after every delivery, without a copy).
 * delivery/ keeps the result at instance scope, so a reused sandbox keeps its map.
 *
 * Exports: createStreamRouter and the shapes delivery uses (types.ts).
 */
import type { KvStoreLike } from '../platform/types.js';
import { cryptoRandom } from './crypto-random.js';
import { kvShardMapStore } from './map-store.js';
import { ShardPicker } from './picker.js';
import { mapRouter } from './router.js';
import { SharedShardMap, type RefreshState, type ShardMapApi, type SharedShardMapOptions } from './shared-map.js';
import type { ShardRouter, SharedShardMapStats } from './types.js';

export type { PlanOptions, ShardRoute, ShardRouter, ShardTarget } from './types.js';
export type { RefreshState, ShardMapApi } from './shared-map.js';

export interface StreamRouterOptions {
  /** What identifies the stream, `<account>/<region>/<Kinesis host>/<stream>`: names its KV keys (map-store.ts). */
  scope: string;
  streamName: string;
  /** The endpoint's `period`: the longest a shard map is trusted before it is listed again. */
  periodSeconds: number;
  /** Opens the shared KV store, lazily; throwing means "no KV" (memory-only maps). */
  openKv: () => KvStoreLike;
  /** One line per problem (KV unusable, ListShards failing); the caller reports it once. */
  report: (problem: string) => void;
  now: () => number;
  /** Default: crypto.getRandomValues (crypto-random.ts). */
  random?: () => number;
  tuning?: ShardMapTuning;
}

/** The shared map's timings (shared-map.ts defaults: KPL's); tests shorten them. */
export type ShardMapTuning = Pick<SharedShardMapOptions, 'minBackoffMs' | 'maxBackoffMs' | 'leaseRecheckMs' | 'coldStartWaitMs'>;

export interface StreamRouterStats extends SharedShardMapStats {
  state: RefreshState;
  /** Open shards in the map this instance routes with; absent without a map. */
  shards?: number;
  /** When that map was listed (ms since epoch), and how old it is now. */
  listedAtMs?: number;
  mapAgeMs?: number;
  /** The stream's maximum record size that map carries (DescribeStreamSummary); absent when not known. */
  maxRecordBytes?: number;
}

export interface StreamRouter {
  /** The router for one execution, its ListShards (and DescribeStreamSummary) calls made through `api`. */
  routerFor(api: ShardMapApi): ShardRouter;
  /** ListShards pages a refresh would want in this execution (0: none due); see SharedShardMap.refreshPages. */
  refreshPages(): number;
  /** Requests that refresh would like beyond its pages (DescribeStreamSummary); see SharedShardMap.refreshExtraRequests. */
  refreshExtraRequests(): number;
  /** The stream's maximum record size as the map in hand carries it; undefined when not known (yet). */
  maxRecordBytes(): number | undefined;
  stats(): StreamRouterStats;
  /** The map's counters, live: the object `stats` copies, updated in place (fleet metrics read it after every delivery). */
  readonly counters: Readonly<SharedShardMapStats>;
  /** How old the map in hand is (ms); undefined without one. */
  mapAgeMs(): number | undefined;
}

export function createStreamRouter(options: StreamRouterOptions): StreamRouter {
  const random = options.random ?? cryptoRandom;
  const holderId = Math.floor(random() * 2 ** 48).toString(36);
  const shared = new SharedShardMap({
    streamName: options.streamName,
    periodMs: options.periodSeconds * 1000,
    openStore: () => kvShardMapStore(options.openKv(), { scope: options.scope, holderId, now: options.now, report: options.report }),
    report: options.report,
    now: options.now,
    readStreamSummary: true,
    ...options.tuning,
  });
  const routing = { source: shared, picker: new ShardPicker({ random }), random, report: options.report };
  return {
    routerFor: (api) => mapRouter(routing, api),
    refreshPages: () => shared.refreshPages(),
    refreshExtraRequests: () => shared.refreshExtraRequests(),
    maxRecordBytes: () => shared.map?.maxRecordBytes,
    counters: shared.stats,
    mapAgeMs() {
      const map = shared.map;
      return map ? options.now() - map.listedAtMs : undefined;
    },
    stats() {
      const map = shared.map;
      return {
        ...shared.stats,
        state: shared.state,
        shards: map?.shards.length,
        listedAtMs: map?.listedAtMs,
        mapAgeMs: map ? options.now() - map.listedAtMs : undefined,
        maxRecordBytes: map?.maxRecordBytes,
      };
    },
  };
}
