/**
 * How delivery asks where each record should go. `mapRouter` is the shard-aware implementation
 * (a shard map from ListShards, shared through KV, and a picker that spreads records evenly);
 * `randomKeyRouter` is the fallback that lets Kinesis hash random partition keys, used when no
 * map can be had, so that no record is ever held back for lack of a map.
 */
import type { KinesisApi } from '../kinesis/api.js';
import type { ShardMap } from './shard-map.js';
import type { RefreshLimits, StalenessEvidence } from './shared-map.js';

export interface ShardTarget {
  partitionKey: string;
  /** Decimal hash key inside the chosen shard's range; absent = let Kinesis hash the partition key. */
  explicitHashKey?: string;
  /** The shard this record is meant for, when a map was used. */
  shardId?: string;
  /** `listedAt` of the map the choice came from (staleness evidence must be newer). */
  mapListedAtMs?: number;
}

export interface PlanOptions {
  /**
   * Backend requests a shard-map refresh may spend while planning: what the execution has left
   * less what the pending PutRecords calls need. A refresh that does not fit is not started (the
   * current map still routes every record) and one that outgrows it is stopped. Absent = no limit.
   */
  refreshAllowance?: number;
}

export interface ShardRouter {
  /** One target per record; `avoid[i]`, when set, names a shard record i should not go to (it was throttled there). */
  plan(count: number, avoid?: ReadonlyArray<string | undefined>, options?: PlanOptions): Promise<ShardTarget[]>;
  /** Where a record actually landed, from the PutRecords answer; sentAtMs = when the call started. */
  observe(target: ShardTarget, landedShardId: string, sentAtMs: number): void;
}

/** Random 16-hex-digit partition keys: Kinesis spreads by MD5, in proportion to range widths. */
export function randomKeyRouter(random: () => number = Math.random): ShardRouter {
  return {
    async plan(count) {
      return Array.from({ length: count }, () => ({
        partitionKey: Math.floor(random() * 2 ** 52).toString(16).padStart(13, '0'),
      }));
    },
    observe() {},
  };
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

/**
 * The shard-aware router bound to one execution's api (its ListShards calls spend that
 * execution's backend budget). Without any map it answers with `fallback`.
 */
export function mapRouter(source: ShardMapSource, picker: MapPicker, api: Pick<KinesisApi, 'listShards'>, fallback: ShardRouter): ShardRouter {
  return {
    async plan(count, avoid, options) {
      const map = await source.current(api, { maxRequests: options?.refreshAllowance });
      return map ? picker.pick(map, count, avoid) : fallback.plan(count, avoid);
    },
    observe(target, landedShardId, sentAtMs) {
      // Only records routed by a map carry a prediction; landing on the predicted shard says nothing.
      if (target.shardId === undefined || target.shardId === landedShardId) return;
      source.invalidate({ seenAtMs: sentAtMs, predictedShardId: target.shardId, landedShardId, plannedWithListedAtMs: target.mapListedAtMs });
    },
  };
}
