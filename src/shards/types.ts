/**
 * The shapes the shards folder shares with its consumers (delivery/) and between its own modules:
 * where a record should go (ShardRoute, and ShardTarget once delivery has added the record's
 * partition key), how delivery asks for routes and reports where records landed (ShardRouter), and
 * the staleness evidence, refresh limits and counters of a shared map. Types only, so no module of the
 * folder imports another's implementation just for a shape.
 */

/** Where the router sends one record: always by ExplicitHashKey (the partition key is the record's own). */
export interface ShardRoute {
  /** Decimal hash key: inside the chosen shard's range, or drawn from the whole space without a map. */
  explicitHashKey: string;
  /** The shard this record is meant for, when a map was used. */
  shardId?: string;
  /** `listedAt` of the map the choice came from (staleness evidence must be newer). */
  mapListedAtMs?: number;
}

/** A record's full placement as sent: its partition key, and its route unless Kinesis hashes the key. */
export interface ShardTarget extends Partial<ShardRoute> {
  partitionKey: string;
}

export interface PlanOptions {
  /**
   * Backend requests a shard-map refresh may spend while planning (delivery/plan.ts reserved them
   * for it). A refresh that does not fit is not started (the current map, the KV copy or random
   * hash keys route every record) and one that outgrows it is stopped. Absent = no limit.
   */
  refreshAllowance?: number;
  /** Time left in the execution: every KV call and wait is kept inside it. */
  msLeft?: () => number;
}

/**
 * How delivery asks where each record should go. Contract: `plan` never throws and always answers
 * one route per record (without a usable map, random hash keys).
 */
export interface ShardRouter {
  /** One route per record; `avoid[i]`, when set, names a shard record i should not go to (it was throttled there). */
  plan(count: number, avoid?: ReadonlyArray<string | undefined>, options?: PlanOptions): Promise<ShardRoute[]>;
  /** Where a record actually landed, from the PutRecords answer; sentAtMs = when the call started. */
  observe(target: Partial<ShardRoute>, landedShardId: string, sentAtMs: number): void;
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
  /** Time left in the execution (KV calls and waits are bounded by it); absent = no bound. */
  msLeft?: () => number;
}

/** What a shared map tells about itself (shared-map.ts; the admin page shows it per stream). */
export interface SharedShardMapStats {
  /** ListShards rounds this instance started (a round = all pages of one listing). */
  listShardsRounds: number;
  /** ListShards calls (pages) those rounds sent; each is one backend request. */
  listShardsCalls: number;
  /** Refreshes answered by a map another instance put in KV. */
  adoptedFromKv: number;
  /** Refreshes that found the lease taken and kept the current map. */
  leaseHeldElsewhere: number;
  /** ListShards errors and inconsistent answers. */
  refreshFailures: number;
  /** Refreshes put off (or rounds stopped) to keep backend requests for PutRecords. */
  refreshesDeferred: number;
  /** Store reads or writes that failed (the instance then acted alone). */
  kvFailures: number;
  /** Times staleness evidence marked the map invalid. */
  invalidations: number;
  /** DescribeStreamSummary calls sent with listings (the stream's maximum record size); each is one backend request. */
  streamSummaryCalls: number;
}
