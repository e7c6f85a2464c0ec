/**
 * How delivery asks where each record should go. The shard-aware implementation (shard map from
 * ListShards, shared through KV) plugs in here; `randomKeyRouter` is the fallback that lets
 * Kinesis hash random partition keys, used when no map can be had.
 */
export interface ShardTarget {
  partitionKey: string;
  /** Decimal hash key inside the chosen shard's range; absent = let Kinesis hash the partition key. */
  explicitHashKey?: string;
  /** The shard this record is meant for, when a map was used. */
  shardId?: string;
  /** `listedAt` of the map the choice came from (staleness evidence must be newer). */
  mapListedAtMs?: number;
}

export interface ShardRouter {
  /** One target per record; `avoid[i]`, when set, names a shard record i should not go to (it was throttled there). */
  plan(count: number, avoid?: ReadonlyArray<string | undefined>): Promise<ShardTarget[]>;
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
