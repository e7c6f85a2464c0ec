/**
 * Optional KPL aggregation (`<endpoint>.aggregation = kpl`): packs the records of one delivery
 * that are routed to the same shard into KPL aggregated Kinesis records (src/kinesis/kpl-record.ts),
 * so many lines cost one record and fewer 25 KiB payload units. Consumers must de-aggregate (KCL,
 * Lambda's Kinesis event source with the KPL de-aggregation library).
 *
 * Owns: turning routed records into send units — a unit is one Kinesis record carrying one or more
 * user records — and back. Contract: every member of a unit was routed to the same shard (an
 * aggregate is placed by its first member's ExplicitHashKey, and every member's key must lie in that
 * shard's range for consumers to see them on the right shard). Records without a planned shard
 * (random hash keys without a map, or keys Kinesis hashes) and a unit of one are sent as plain records.
 */
import { RecordAggregator } from '../kinesis/index.js';
import { bytesToBase64 } from '../kinesis/base64.js';
import type { ShardTarget } from '../shards/index.js';
import type { CallOutcome } from './attempt.js';

export interface SendUnit<R> {
  /** The user records this Kinesis record carries, in order. */
  members: R[];
  memberTargets: ShardTarget[];
  data: Uint8Array;
  base64: string;
  /** Where the Kinesis record goes. */
  target: ShardTarget;
}

/** One unit per record: no aggregation. */
export function plainUnits<R extends { data: Uint8Array; base64: string }>(records: readonly R[], targets: readonly ShardTarget[]): SendUnit<R>[] {
  return records.map((record, i) => plainUnit(record, targets[i]));
}

function plainUnit<R extends { data: Uint8Array; base64: string }>(record: R, target: ShardTarget): SendUnit<R> {
  return { members: [record], memberTargets: [target], data: record.data, base64: record.base64, target };
}

/** Aggregates records per planned shard, each Kinesis record at most `maxAggregateBytes`. */
export function aggregatedUnits<R extends { data: Uint8Array; base64: string }>(
  records: readonly R[],
  targets: readonly ShardTarget[],
  maxAggregateBytes: number,
): SendUnit<R>[] {
  const units: SendUnit<R>[] = [];
  const byShard = new Map<string, { aggregator: RecordAggregator; members: R[]; memberTargets: ShardTarget[] }>();

  const close = (open: { aggregator: RecordAggregator; members: R[]; memberTargets: ShardTarget[] }) => {
    if (open.members.length === 1) {
      units.push(plainUnit(open.members[0], open.memberTargets[0]));
      open.aggregator.flush();
    } else if (open.members.length > 1) {
      const record = open.aggregator.flush()!;
      const first = open.memberTargets[0];
      units.push({
        members: open.members,
        memberTargets: open.memberTargets,
        data: record.data,
        base64: bytesToBase64(record.data),
        target: { partitionKey: record.partitionKey, explicitHashKey: record.explicitHashKey, shardId: first.shardId, mapListedAtMs: first.mapListedAtMs },
      });
    }
    open.members = [];
    open.memberTargets = [];
  };

  records.forEach((record, i) => {
    const target = targets[i];
    if (target.shardId === undefined || target.explicitHashKey === undefined) {
      units.push(plainUnit(record, target));
      return;
    }
    let open = byShard.get(target.shardId);
    if (!open) byShard.set(target.shardId, (open = { aggregator: new RecordAggregator({ maxAggregateBytes }), members: [], memberTargets: [] }));
    if (!open.aggregator.add(record.data, target.partitionKey, target.explicitHashKey)) {
      close(open);
      if (!open.aggregator.add(record.data, target.partitionKey, target.explicitHashKey)) {
        // Too large to aggregate at all: it travels as a plain record.
        units.push(plainUnit(record, target));
        return;
      }
    }
    open.members.push(record);
    open.memberTargets.push(target);
  });
  for (const open of byShard.values()) close(open);
  return units;
}

/** The answer for a batch of units, as seen by each member: a unit's result is every member's. */
export function memberOutcome<R>(units: readonly SendUnit<R>[], outcome: CallOutcome): { records: R[]; targets: ShardTarget[]; outcome: CallOutcome } {
  const records = units.flatMap((unit) => unit.members);
  const targets = units.flatMap((unit) => unit.memberTargets);
  if (outcome.kind === 'error') return { records, targets, outcome };
  const results = units.flatMap((unit, i) => unit.members.map(() => outcome.results[i]));
  return { records, targets, outcome: { kind: 'answer', results } };
}
