/**
 * The shapes the shards folder shares with its consumers (delivery/) and between its own modules:
 * where a record should go (ShardTarget), how delivery asks for targets and reports where records
 * landed (ShardRouter), and the staleness evidence and refresh limits of a shared map. Types only,
 * so no module of the folder imports another's implementation just for a shape.
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

export interface PlanOptions {
  /**
   * Backend requests a shard-map refresh may spend while planning: what the execution has left
   * less what the pending PutRecords calls need. A refresh that does not fit is not started (the
   * current map still routes every record) and one that outgrows it is stopped. Absent = no limit.
   */
  refreshAllowance?: number;
}

/**
 * How delivery asks where each record should go. Contract: `plan` never throws and always answers
 * one target per record (without a usable map, random partition keys).
 */
export interface ShardRouter {
  /** One target per record; `avoid[i]`, when set, names a shard record i should not go to (it was throttled there). */
  plan(count: number, avoid?: ReadonlyArray<string | undefined>, options?: PlanOptions): Promise<ShardTarget[]>;
  /** Where a record actually landed, from the PutRecords answer; sentAtMs = when the call started. */
  observe(target: ShardTarget, landedShardId: string, sentAtMs: number): void;
}

/** A record planned for `predictedShardId` (with the map listed at `plannedWithListedAtMs`) landed on `landedShardId`. */
export interface StalenessEvidence {
  /** When the call carrying the record was sent. */
  seenAtMs: number;
  predictedShardId: string;
  landedShardId: string;
  plannedWithListedAtMs?: number;
}

export interface RefreshLimits {
  /** Backend requests a refresh may spend now (ListShards pages); absent = no limit. */
  maxRequests?: number;
}
