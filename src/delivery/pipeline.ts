/**
 * Delivery of rendered lines to one stream — the one place the stages meet (KPL pipeline.h):
 *
 *   prepare (record-size limit: truncate | drop)
 *   → per round: [backoff] → router.plan (avoiding shards that throttled) → [KPL aggregation per
 *     shard, when enabled] → batcher → PutRecords
 *     → attempt appended to every record → retrier decides finish | retry | fail | invalidate
 *   → report (one line per error code, fallback endpoint, counters)
 *
 * A round re-sends only the records the retrier sent back; rounds end when none is left, which
 * the retrier guarantees after at most `maxAttempts` tries (+1 after a credentials refresh).
 * Before each retry round the execution's budget is checked: when no backend request or too
 * little time is left, the records fail as budget-exhausted instead of sleeping for nothing.
 * Routing never takes the PutRecords calls' share of the budget: the router is told how many
 * requests a shard-map refresh may spend (what is left less the calls the round needs), and routes
 * with the map it has when a refresh would not fit.
 *
 * Never throws: every line ends delivered, or failed/dropped and reported with counts.
 */
import type { RequestBudget } from '../aws/budget.js';
import { sanitizeAwsMessage } from '../aws/error-message.js';
import type { DeliveryLimits } from '../config/index.js';
import { enterPhase } from '../platform/phases.js';
import { AwsCallError, type KinesisApi, putRecordsInput, readPutRecordsResults } from '../kinesis/index.js';
import type { ShardRouter, ShardTarget } from '../shards/index.js';
import { attemptsOf, type CallOutcome } from './attempt.js';
import { packBatches, type Batch } from './batcher.js';
import { PARTITION_KEY_RESERVE_BYTES, prepareRecords, type DeliveryRecord } from './prepare.js';
import { reportDelivery, type DeliveryOutcome, type FailedRecord } from './report.js';
import { backoffMs, DEFAULT_BASE_RETRY_BACKOFF_MS, DEFAULT_MAX_RETRY_BACKOFF_MS, Retrier, type Failure } from './retrier.js';
import { aggregatedUnits, memberOutcome, plainUnits, type SendUnit } from './send-units.js';

export type { DeliveryOutcome } from './report.js';

export interface DeliveryDeps {
  api: KinesisApi;
  router: ShardRouter;
  limits: DeliveryLimits;
  /** Writes one line to the failure log endpoint. */
  reportFailure: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** The execution's budget (the api takes from the same one); retry rounds that cannot fit are not started. */
  budget?: Pick<RequestBudget, 'remaining' | 'msLeft'>;
  /** Rate-limited credentials refresh after an auth error; true when it will happen. */
  refreshCredentials?: () => boolean;
  /** The endpoint's fallback log endpoint: receives every line that was not delivered. */
  fallback?: (line: string) => void;
}

/** A retry round is not started with less time than this left (one call needs time to answer). */
export const MIN_RETRY_WINDOW_MS = 500;

export async function deliverLines(streamName: string, lines: readonly string[], deps: DeliveryDeps): Promise<DeliveryOutcome> {
  enterPhase('limits');
  const prepared = await prepareRecords(lines, deps.limits);
  const delivered: DeliveryRecord[] = [];
  const failed: FailedRecord[] = [];
  let retryNext: DeliveryRecord[] = [];
  let callStartMs = 0;

  const retrier = new Retrier<DeliveryRecord>(
    { maxAttempts: deps.limits.maxAttempts },
    {
      finish: (record) => delivered.push(record),
      retry: (record, avoidShard) => {
        record.avoidShard = avoidShard;
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
      const delay = backoffMs(round - 1, {
        baseMs: deps.baseBackoffMs ?? DEFAULT_BASE_RETRY_BACKOFF_MS,
        maxMs: deps.maxBackoffMs ?? DEFAULT_MAX_RETRY_BACKOFF_MS,
        random: deps.random,
      });
      if (!hasRoomForRetry(deps.budget, delay)) {
        for (const record of pending) failed.push({ ...record, failure: retrier.budgetFailure(record, 'no backend request or time left') });
        break;
      }
      enterPhase('wait');
      await deps.sleep(delay);
    }
    enterPhase('shard_pick');
    const targets = await plan(deps, pending);
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
    { reportFailure: deps.reportFailure, fallback: deps.fallback },
  );
}

/**
 * Lines that cannot be sent at all (e.g. the endpoint's secrets are missing): reported and handed
 * to the fallback like any failure, without routing or sending anything.
 */
export async function failLines(
  streamName: string,
  lines: readonly string[],
  failure: Failure,
  deps: Pick<DeliveryDeps, 'limits' | 'reportFailure' | 'fallback'>,
): Promise<DeliveryOutcome> {
  const prepared = await prepareRecords(lines, deps.limits);
  return reportDelivery(
    {
      streamName,
      attempted: lines.length,
      delivered: [],
      failed: prepared.records.map((record) => ({ ...record, failure })),
      dropped: prepared.dropped,
      maxDataBytes: prepared.maxDataBytes,
    },
    { reportFailure: deps.reportFailure, fallback: deps.fallback },
  );
}

function hasRoomForRetry(budget: DeliveryDeps['budget'], delayMs: number): boolean {
  if (!budget) return true;
  return budget.remaining > 0 && budget.msLeft() > delayMs + MIN_RETRY_WINDOW_MS;
}

/** Targets for this round (the router never throws and answers one target per record: shards/types.ts). */
function plan(deps: DeliveryDeps, records: readonly DeliveryRecord[]): Promise<ShardTarget[]> {
  const refreshAllowance = deps.budget ? deps.budget.remaining - putRecordsCallsNeeded(records, deps.limits) : undefined;
  return deps.router.plan(records.length, records.map((r) => r.avoidShard), { refreshAllowance });
}

/** The longest partition key a router may give a record; the call count below must not be short. */
const RESERVE_TARGET: ShardTarget = { partitionKey: 'k'.repeat(PARTITION_KEY_RESERVE_BYTES) };

/**
 * The PutRecords calls a round will make for `records`, estimated from above: packed as plain
 * records, each with the longest partition key. Our routers' keys are 1–13 bytes and an aggregate
 * costs its members well under 256 bytes of framing each, so the round's real packing of the
 * same records needs no more calls.
 */
export function putRecordsCallsNeeded(records: readonly DeliveryRecord[], limits: Pick<DeliveryLimits, 'maxRequestBytes'>): number {
  return packBatches(records, records.map(() => RESERVE_TARGET), { maxRequestBytes: limits.maxRequestBytes }).length;
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
