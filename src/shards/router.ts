/**
 * The shard-aware answer to delivery's "where does each record go" (types.ts ShardRouter):
 * `mapRouter`, a shard map from ListShards (shared through KV) and a picker that spreads records
 * evenly.
 *
 * It is also the one place that routes without a map: when no map can be had (a cold instance
 * whose refresh did not fit this execution, an unreachable KV store), and when its map source or
 * picker fails (a bug, reported), every record gets an ExplicitHashKey drawn at random from the
 * whole hash-key space — the spread random partition keys would give (in proportion to range
 * widths), while each record keeps its own partition key, its record id. No record is ever held
 * back for lack of a map, and the router's contract (never throws, one route per record) holds.
 */
import { sanitizeAwsMessage } from '../aws/error-message.js';
import { MAX_HASH_KEY } from '../kinesis/index.js';
import { randomHashKeyIn } from './picker.js';
import type { ShardMapApi } from './shared-map.js';
import type { ShardMap } from './shard-map.js';
import type { RefreshLimits, ShardRoute, ShardRouter, StalenessEvidence } from './types.js';

/** Hash keys uniform over 0…2^128−1: Kinesis puts each in the shard whose range holds it. */
export function randomRoutes(count: number, random: () => number): ShardRoute[] {
  return Array.from({ length: count }, () => ({ explicitHashKey: randomHashKeyIn(0n, MAX_HASH_KEY, random).toString() }));
}

/** Where a router gets its map and reports staleness (shared-map.ts `SharedShardMap`). */
export interface ShardMapSource {
  current(api: ShardMapApi, limits?: RefreshLimits): Promise<ShardMap | undefined>;
  invalidate(evidence: StalenessEvidence): boolean;
}

/** Chooses shards within a map (picker.ts `ShardPicker`). */
export interface MapPicker {
  pick(map: ShardMap, count: number, avoid?: ReadonlyArray<string | undefined>): ShardRoute[];
}

export interface MapRouterOptions {
  source: ShardMapSource;
  picker: MapPicker;
  /** For the random hash keys used without a map. */
  random: () => number;
  /** Told when the source or the picker failed (a bug); the records still go, by random hash keys. */
  report: (problem: string) => void;
}

/**
 * The shard-aware router bound to one execution's api (its ListShards calls spend that
 * execution's backend budget).
 */
export function mapRouter(options: MapRouterOptions, api: ShardMapApi): ShardRouter {
  const { source, picker } = options;
  return {
    async plan(count, avoid, planOptions) {
      try {
        const map = await source.current(api, { maxRequests: planOptions?.refreshAllowance, msLeft: planOptions?.msLeft });
        if (!map) return randomRoutes(count, options.random);
        const routes = picker.pick(map, count, avoid);
        if (routes.length === count) return routes;
        throw new Error(`picked ${routes.length} routes for ${count} records`);
      } catch (error) {
        options.report(`shard router failed (${sanitizeAwsMessage(error instanceof Error ? error.message : String(error))}); sending with random hash keys`);
        return randomRoutes(count, options.random);
      }
    },
    observe(target, landedShardId, sentAtMs) {
      // Only records routed by a map carry a prediction; landing on the predicted shard says nothing.
      if (target.shardId === undefined || target.shardId === landedShardId) return;
      source.invalidate({ seenAtMs: sentAtMs, predictedShardId: target.shardId, landedShardId, plannedWithListedAtMs: target.mapListedAtMs });
    },
  };
}
