/**
 * What happens to each record of a call, from the call's outcome: finish, retry, fail, or (for a
 * record that landed on a shard other than the predicted one) invalidate the shard map. Pure
 * decisions delivered through callbacks (KPL retrier.cc; Vector should_retry_response); no I/O,
 * no clock, no sleeping — the pipeline does those.
 *
 * Rules (reference/kinesis.md §1.9, §3.4, §6.4):
 *  - Only records that failed are retried; a whole-call failure failed all of its records, so all
 *    of them are retried, and nothing else is.
 *  - By the error's class, decided once where the answer was read (kinesis/errors.ts): throttled
 *    and retriable errors are retried while the record has tries left (`maxAttempts`, first try
 *    included); fatal ones are not.
 *  - A record refused with ProvisionedThroughputExceededException is retried on another shard
 *    (`avoidShard`), as KPL's FailIfThrottled docs suggest.
 *  - Auth errors (expired token, unknown key, bad signature) ask for one credentials refresh,
 *    which the provider rate-limits; if granted, the records get one more try, even past
 *    `maxAttempts` (one per delivery). Otherwise they fail.
 *  - A call that never left for want of budget fails its records: the execution has no requests
 *    or time left. Their reported error is that of their last try that did reach Kinesis.
 *
 * Contract: the pipeline appends this call's Attempt to every record before `handle`, so
 * `record.attempts.length` counts this try.
 */
import { isShardThrottle, type ErrorClass } from '../kinesis/index.js';
import type { ShardTarget } from '../shards/index.js';
import { lastSentAttempt, type CallOutcome, type HasAttempts } from './attempt.js';

export type FailureKind = 'not-retriable' | 'retries-exhausted' | 'budget-exhausted' | 'auth';

export interface Failure {
  kind: FailureKind;
  errorCode: string;
  errorMessage: string;
}

export interface RetrierCallbacks<R> {
  finish(record: R, landed: { shardId: string; sequenceNumber: string }): void;
  retry(record: R, avoidShard: string | undefined): void;
  fail(record: R, failure: Failure): void;
  /** The record landed on `landedShardId`, not on the predicted `target.shardId`: the map is stale. */
  invalidate(target: ShardTarget, landedShardId: string): void;
  /** Ask for fresh credentials; true when the refresh will happen (it is rate-limited). */
  refreshCredentials(): boolean;
}

export interface RetrierOptions {
  /** Tries per record, first try included. */
  maxAttempts: number;
}

export const BUDGET_EXHAUSTED = 'BudgetExhausted';

export class Retrier<R extends HasAttempts> {
  private authRetryUsed = false;

  constructor(
    private readonly options: RetrierOptions,
    private readonly callbacks: RetrierCallbacks<R>,
  ) {}

  handle(batch: { records: readonly R[]; targets: readonly ShardTarget[] }, outcome: CallOutcome): void {
    if (outcome.kind === 'error') {
      this.handleCallError(batch.records, batch.targets, outcome);
      return;
    }
    outcome.results.forEach((result, i) => {
      const record = batch.records[i];
      const target = batch.targets[i];
      if (result.ok) {
        if (target.shardId !== undefined && result.shardId && result.shardId !== target.shardId) {
          this.callbacks.invalidate(target, result.shardId);
        }
        this.callbacks.finish(record, { shardId: result.shardId, sequenceNumber: result.sequenceNumber });
        return;
      }
      this.retryOrFail(record, target, result);
    });
  }

  private handleCallError(records: readonly R[], targets: readonly ShardTarget[], error: Extract<CallOutcome, { kind: 'error' }>): void {
    if (!error.requestSent && error.errorCode === BUDGET_EXHAUSTED) {
      for (const record of records) this.callbacks.fail(record, this.budgetFailure(record, error.errorMessage));
      return;
    }
    if (error.errorClass === 'auth') {
      // One refresh and one more try per delivery; a second auth error means the new credentials
      // are refused too, and asking again would only spend STS calls.
      if (!this.authRetryUsed && this.callbacks.refreshCredentials()) {
        this.authRetryUsed = true;
        for (const record of records) this.callbacks.retry(record, undefined);
        return;
      }
      for (const record of records) this.callbacks.fail(record, { kind: 'auth', errorCode: error.errorCode, errorMessage: error.errorMessage });
      return;
    }
    records.forEach((record, i) => this.retryOrFail(record, targets[i], error));
  }

  private retryOrFail(record: R, target: ShardTarget, { errorCode, errorMessage, errorClass }: { errorCode: string; errorMessage: string; errorClass: ErrorClass }): void {
    if (errorClass === 'fatal' || errorClass === 'auth') {
      this.callbacks.fail(record, { kind: 'not-retriable', errorCode, errorMessage });
      return;
    }
    if (record.attempts.length >= this.options.maxAttempts) {
      this.callbacks.fail(record, { kind: 'retries-exhausted', errorCode, errorMessage });
      return;
    }
    this.callbacks.retry(record, isShardThrottle(errorCode) ? target.shardId : undefined);
  }

  /** Fails a record for want of budget, reporting the error of its last try that reached Kinesis. */
  budgetFailure(record: R, fallbackMessage: string): Failure {
    const last = lastSentAttempt(record);
    return last?.errorCode
      ? { kind: 'budget-exhausted', errorCode: last.errorCode, errorMessage: last.errorMessage ?? '' }
      : { kind: 'budget-exhausted', errorCode: BUDGET_EXHAUSTED, errorMessage: fallbackMessage };
  }
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  random: () => number;
}

/** Defaults: 100 ms doubling to at most 2 s; three tries wait at most 0.1 s + 0.2 s. */
export const DEFAULT_BASE_RETRY_BACKOFF_MS = 100;
export const DEFAULT_MAX_RETRY_BACKOFF_MS = 2_000;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * before retry n (1-based) wait a uniform random time in [0, min(max, base·2^(n-1))).
 */
export function backoffMs(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(options.random() * ceiling);
}
