/**
 * Delivery of rendered lines to one stream — the one place the stages meet (KPL pipeline.h):
 *
 *   prepare (record-size limit: truncate | drop; the calls the first round needs, for the plan)
 *   → per round: [backoff] → targets: the record's partition key, and the router's route (avoiding
 *     shards that throttled; the same target again after an ambiguous outcome; none for keys
 *     Kinesis hashes) → [KPL aggregation per shard, when enabled] → batcher → PutRecords
 *     → attempt appended to every record → retrier decides finish | retry | fail | invalidate
 *   → report (one line per error code, fallback endpoint, counters)
 *
 * A round re-sends only the records the retrier sent back; rounds end when none is left, which
 * the retrier guarantees: `maxAttempts` tries (+1 after a credentials refresh), or past them the
 * endpoint's retry window (`retry_window_ms` from the delivery's start), whose waits grow to
 * seconds and end at the window's end. Before each retry round the execution's budget is checked:
 * when no backend request or too little time is left, the records fail as budget-exhausted
 * instead of sleeping for nothing.
 *
 * Partition keys are the records' own (delivery/streams.ts gives each line its record id, or the
 * endpoint's partition_key rendering): the router only chooses hash keys. Routing never takes the
 * PutRecords calls' share of the budget: the first round's router is told how many requests a
 * shard-map refresh may spend (the composer's plan, or what is left less the calls the round
 * needs), later rounds none; a refresh that does not fit waits for an execution with room.
 *
 * Never throws: every line ends delivered, or failed/dropped and reported with counts.
 */
import type { RequestAllowance } from '../aws/budget.js';
import { sanitizeAwsMessage } from '../aws/error-message.js';
import type { DeliveryLimits } from '../config/index.js';
import { enterPhase } from '../platform/phases.js';
import { AwsCallError, type KinesisApi, putRecordsInput, readPutRecordsResults } from '../kinesis/index.js';
import type { ShardRouter, ShardTarget } from '../shards/index.js';
import { attemptsOf, type CallOutcome } from './attempt.js';
import { packBatches, type Batch } from './batcher.js';
import { prepareRecords, type DeliveryRecord, type Prepared } from './prepare.js';
import { reportDelivery, type DeliveryOutcome, type FailedRecord, type ReportSink } from './report.js';
import { backoffMs, DEFAULT_BASE_RETRY_BACKOFF_MS, DEFAULT_MAX_RETRY_BACKOFF_MS, Retrier, type Failure } from './retrier.js';
import { aggregatedUnits, memberOutcome, plainUnits, type SendUnit } from './send-units.js';

export type { DeliveryOutcome } from './report.js';

/** One line as delivery sends it. */
export interface DeliveryLine {
  line: string;
  /** Sent as the record's PartitionKey (1–256 characters). */
  partitionKey: string;
  /**
   * True when Kinesis routes the record by hashing its partition key (an endpoint's
   * partition_key): no ExplicitHashKey, so records of one key keep their order on one shard. False:
   * the router spreads it by ExplicitHashKey.
   */
  hashedKey: boolean;
}

export interface DeliveryDeps {
  api: KinesisApi;
  router: ShardRouter;
  limits: DeliveryLimits;
  /** Writes one line to the failure log endpoint. */
  reportFailure: (line: string) => void;
  /** Writes a configuration failure's line, once per cause (report.ts ReportSink); absent = reportFailure. */
  reportCause?: (cause: string, line: string) => void;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** What this delivery may spend (the api takes from the same one); retry rounds that cannot fit are not started. */
  budget?: Pick<RequestAllowance, 'remaining' | 'msLeft'>;
  /** Requests the first round's map refresh may spend (delivery/plan.ts); default: what is left less the round's calls. */
  refreshAllowance?: number;
  /** Rate-limited credentials refresh after an auth error; true when it will happen. */
  refreshCredentials?: () => boolean;
  /** The endpoint's fallback log endpoint: receives every line that was not delivered. */
  fallback?: (line: string) => void;
}

/** A retry round is not started with less time than this left (one call needs time to answer). */
export const MIN_RETRY_WINDOW_MS = 500;

/** Lines made into records, before anything is sent. */
export interface PreparedDelivery {
  streamName: string;
  lines: readonly DeliveryLine[];
  prepared: Prepared;
  /** PutRecords calls the first round needs (as plain records; aggregation needs no more). */
  callsNeeded: number;
}

export async function prepareDelivery(streamName: string, lines: readonly DeliveryLine[], limits: DeliveryLimits): Promise<PreparedDelivery> {
  enterPhase('limits');
  // Asynchronous: compression = gzip goes through the runtime's CompressionStream.
  const prepared = await prepareRecords(lines.map((l) => l.line), limits);
  const keys = prepared.records.map((record) => ({ partitionKey: lines[record.index].partitionKey }));
  return { streamName, lines, prepared, callsNeeded: packBatches(prepared.records, keys, limits).length };
}

export async function sendDelivery(delivery: PreparedDelivery, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const { streamName, lines, prepared } = delivery;
  const delivered: DeliveryRecord[] = [];
  const failed: FailedRecord[] = [];
  /** Records to send next round with the target of their last try (it may have been stored). */
  const sameTarget = new Map<DeliveryRecord, ShardTarget>();
  let retryNext: DeliveryRecord[] = [];
  let callStartMs = 0;
  const retryUntilMs = deps.limits.retryWindowMs > 0 ? deps.now() + deps.limits.retryWindowMs : undefined;

  const retrier = new Retrier<DeliveryRecord>(
    { maxAttempts: deps.limits.maxAttempts, retryUntilMs },
    {
      finish: (record) => delivered.push(record),
      retry: (record, hint) => {
        record.avoidShard = hint.avoidShard;
        if (hint.sameTarget) sameTarget.set(record, hint.sameTarget);
        else sameTarget.delete(record);
        retryNext.push(record);
      },
      fail: (record, failure) => failed.push({ ...record, failure }),
      // KPL's shard-map invalidate callback: the router decides whether the evidence is newer than its map.
      invalidate: (target, landedShardId) => deps.router.observe(target, landedShardId, callStartMs),
      refreshCredentials: () => deps.refreshCredentials?.() ?? false,
    },
  );

  let pending = prepared.records;
  let callId = 0;
  for (let round = 1; pending.length > 0; round++) {
    if (round > 1) {
      let delay = backoffMs(round - 1, {
        baseMs: deps.baseBackoffMs ?? DEFAULT_BASE_RETRY_BACKOFF_MS,
        maxMs: deps.maxBackoffMs ?? DEFAULT_MAX_RETRY_BACKOFF_MS,
        random: deps.random,
      });
      // Within a retry window the last try comes at its end, not a backoff after it.
      if (retryUntilMs !== undefined) delay = Math.min(delay, Math.max(0, retryUntilMs - deps.now()));
      if (!hasRoomForRetry(deps.budget, delay)) {
        for (const record of pending) failed.push({ ...record, failure: retrier.budgetFailure(record, 'no backend request or time left') });
        break;
      }
      enterPhase('wait');
      await deps.sleep(delay);
    }
    enterPhase('shard_pick');
    const targets = await targetsFor(deps, lines, pending, sameTarget, round === 1 ? firstRoundAllowance(deps, delivery.callsNeeded) : 0);
    enterPhase('limits');
    // Re-aggregated every round, like KPL: a retried record is routed (and packed) anew.
    const units = deps.limits.aggregation
      ? aggregatedUnits(pending, targets, Math.min(deps.limits.aggregation.maxBytes, deps.limits.maxRecordBytes))
      : plainUnits(pending, targets);
    retryNext = [];
    const unitTargets = units.map((unit) => unit.target);
    for (const batch of packBatches(units, unitTargets, { maxRequestBytes: deps.limits.maxRequestBytes })) {
      callStartMs = deps.now();
      const answer = await send(deps.api, streamName, batch);
      enterPhase('counters');
      const call = { callId: ++callId, startMs: callStartMs, endMs: deps.now() };
      const members = memberOutcome(batch.records, answer);
      // Every try is recorded, sent or not: the retrier bounds tries by it, while counters and
      // reports count only the sent ones (attempt.ts).
      attemptsOf(members.outcome, members.targets, call).forEach((attempt, i) => members.records[i].attempts.push(attempt));
      retrier.handle(members, members.outcome);
    }
    pending = retryNext;
  }

  return reportDelivery(
    { streamName, attempted: lines.length, delivered, failed, dropped: prepared.dropped, maxDataBytes: prepared.maxDataBytes },
    { reportFailure: deps.reportFailure, reportCause: deps.reportCause, fallback: deps.fallback },
  );
}

/**
 * Lines that cannot be sent at all (e.g. the endpoint's credentials cannot be had): handed to the
 * fallback and counted like any failure, without routing or sending anything; reported through
 * `sink` (the composer passes a silent one when the cause was reported once already).
 */
export function failDelivery(delivery: PreparedDelivery, failure: Failure, sink: ReportSink): DeliveryOutcome {
  const { streamName, lines, prepared } = delivery;
  return reportDelivery(
    {
      streamName,
      attempted: lines.length,
      delivered: [],
      failed: prepared.records.map((record) => ({ ...record, failure })),
      dropped: prepared.dropped,
      maxDataBytes: prepared.maxDataBytes,
    },
    sink,
  );
}

function hasRoomForRetry(budget: DeliveryDeps['budget'], delayMs: number): boolean {
  if (!budget) return true;
  return budget.remaining > 0 && budget.msLeft() > delayMs + MIN_RETRY_WINDOW_MS;
}

function firstRoundAllowance(deps: DeliveryDeps, callsNeeded: number): number | undefined {
  if (deps.refreshAllowance !== undefined) return deps.refreshAllowance;
  return deps.budget ? deps.budget.remaining - callsNeeded : undefined;
}

/**
 * This round's target per record: its own partition key, plus the route — the router's (which never
 * throws and answers one route per record: shards/types.ts), the same as last time after an
 * ambiguous outcome, or none when Kinesis hashes the key.
 */
async function targetsFor(
  deps: DeliveryDeps,
  lines: readonly DeliveryLine[],
  records: readonly DeliveryRecord[],
  sameTarget: ReadonlyMap<DeliveryRecord, ShardTarget>,
  refreshAllowance: number | undefined,
): Promise<ShardTarget[]> {
  const toRoute = records.filter((record) => !lines[record.index].hashedKey && !sameTarget.has(record));
  const { budget } = deps;
  const msLeft = budget ? () => budget.msLeft() : undefined;
  const routes = toRoute.length > 0 ? await deps.router.plan(toRoute.length, toRoute.map((r) => r.avoidShard), { refreshAllowance, msLeft }) : [];
  let next = 0;
  return records.map((record) => {
    const { partitionKey, hashedKey } = lines[record.index];
    if (hashedKey) return { partitionKey };
    return sameTarget.get(record) ?? { partitionKey, ...routes[next++] };
  });
}

async function send(api: KinesisApi, streamName: string, batch: Batch<SendUnit<DeliveryRecord>>): Promise<CallOutcome> {
  // Phase breakdown: the body (here and its JSON in the api), then signing, fetch and the answer (aws/signed-fetch.ts).
  enterPhase('request_body');
  const input = putRecordsInput(
    streamName,
    batch.records.map((record, i) => ({ data: record.base64, partitionKey: batch.targets[i].partitionKey, explicitHashKey: batch.targets[i].explicitHashKey })),
  );
  try {
    return { kind: 'answer', results: readPutRecordsResults(await api.putRecords(input), batch.records.length) };
  } catch (error) {
    if (error instanceof AwsCallError) {
      return { kind: 'error', errorCode: error.errorCode, errorMessage: error.errorMessage, errorClass: error.errorClass, requestSent: error.requestSent };
    }
    // Not from the api's contract (a bug, or a test double): not retried, but reported.
    const errorMessage = sanitizeAwsMessage(error instanceof Error ? error.message : error);
    return { kind: 'error', errorCode: 'InternalError', errorMessage, errorClass: 'fatal', requestSent: true };
  }
}
