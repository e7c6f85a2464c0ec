/**
 * The two ways of answering delivery's "where does each record go" (types.ts ShardRouter):
 * `mapRouter`, shard-aware (a shard map from ListShards, shared through KV, and a picker that
 * spreads records evenly), and `randomKeyRouter`, random partition keys that Kinesis hashes.
 *
 * The map router is the only place that falls back to random keys: when no map can be had, and
 * when its own map source or picker fails (a bug, reported), so that no record is ever held back
 * for lack of a map and the router's contract (never throws, one target per record) holds.
 */
import { sanitizeAwsMessage } from '../aws/error-message.js';
import type { KinesisApi } from '../kinesis/index.js';
import type { ShardMap } from './shard-map.js';
import type { RefreshLimits, ShardRouter, ShardTarget, StalenessEvidence } from './types.js';

/** Random 16-hex-digit partition keys: Kinesis spreads by MD5, in proportion to range widths. */
export function randomKeyRouter(random: () => number = Math.random): ShardRouter {
  return {
    async plan(count) {
      return randomKeys(count, random);
    },
    observe() {},
  };
}

function randomKeys(count: number, random: () => number): ShardTarget[] {
  return Array.from({ length: count }, () => ({ partitionKey: Math.floor(random() * 2 ** 52).toString(16).padStart(13, '0') }));
}

/** Where a router gets its map and reports staleness (shared-map.ts `SharedShardMap`). */
export interface ShardMapSource {
  current(api: Pick<KinesisApi, 'listShards'>, limits?: RefreshLimits): Promise<ShardMap | undefined>;
  invalidate(evidence: StalenessEvidence): boolean;
}

/** Chooses shards within a map (picker.ts `ShardPicker`). */
export interface MapPicker {
  pick(map: ShardMap, count: number, avoid?: ReadonlyArray<string | undefined>): ShardTarget[];
}

export interface MapRouterOptions {
  source: ShardMapSource;
  picker: MapPicker;
  /** For the random partition keys used without a map. */
  random: () => number;
  /** Told when the source or the picker failed (a bug); the records still go, with random keys. */
  report: (problem: string) => void;
}

/**
 * The shard-aware router bound to one execution's api (its ListShards calls spend that
 * execution's backend budget).
 */
export function mapRouter(options: MapRouterOptions, api: Pick<KinesisApi, 'listShards'>): ShardRouter {
  const { source, picker } = options;
  return {
    async plan(count, avoid, planOptions) {
      try {
        const map = await source.current(api, { maxRequests: planOptions?.refreshAllowance });
        if (!map) return randomKeys(count, options.random);
        const targets = picker.pick(map, count, avoid);
        if (targets.length === count) return targets;
        throw new Error(`picked ${targets.length} targets for ${count} records`);
      } catch (error) {
        options.report(`shard router failed (${sanitizeAwsMessage(error instanceof Error ? error.message : String(error))}); sending with random partition keys`);
        return randomKeys(count, options.random);
      }
    },
    observe(target, landedShardId, sentAtMs) {
      // Only records routed by a map carry a prediction; landing on the predicted shard says nothing.
      if (target.shardId === undefined || target.shardId === landedShardId) return;
      source.invalidate({ seenAtMs: sentAtMs, predictedShardId: target.shardId, landedShardId, plannedWithListedAtMs: target.mapListedAtMs });
    },
  };
}
