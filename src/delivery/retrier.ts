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
 *    included) or, past those, while its retry window lasts (`retryUntilMs`: the endpoint's
 *    retry_window_ms from the delivery's start; judged at the end of the record's last try, so the
 *    decision needs no clock); fatal ones are not.
 *  - A record refused with ProvisionedThroughputExceededException is retried on another shard
 *    (`avoidShard`), as KPL's FailIfThrottled docs suggest. A record whose call had an ambiguous
 *    outcome (sent, no readable answer: it may be stored) is retried with the same target
 *    (`sameTarget`), so that a duplicate lands on the shard of its original, after it, with the
 *    same partition key: a consumer of that shard can drop it.
 *  - A configuration error (a backend the service does not define) fails the records at once, as
 *    `configuration`: the call never left, and every try would fail alike until the service changes.
 *  - Auth errors (expired token, unknown key, bad signature) ask for one credentials refresh,
 *    which the provider rate-limits; if granted, the records get one more try, even past
 *    `maxAttempts` (one per delivery). Otherwise they fail.
 *  - A call that never left for want of budget fails its records: the execution has no requests
 *    or time left. Their reported error is that of their last try that did reach Kinesis.
 *
 * Contract: the pipeline appends this call's Attempt to every record before `handle`, so
 * `record.attempts.length` counts this try.
 */
import { BUDGET_EXHAUSTED } from '../aws/index.js';
import { isAmbiguousOutcome, isShardThrottle, type ErrorClass } from '../kinesis/index.js';
import type { ShardTarget } from '../shards/index.js';
import { lastSentAttempt, type CallOutcome, type HasAttempts } from './attempt.js';

export type FailureKind = 'not-retriable' | 'retries-exhausted' | 'budget-exhausted' | 'auth' | 'configuration';

export interface Failure {
  kind: FailureKind;
  errorCode: string;
  errorMessage: string;
}

/** How a retried record should be routed next. */
export interface RetryHint {
  /** A shard that throttled the record: go elsewhere. */
  avoidShard?: string;
  /** The target of a try that may have been stored: go there again. */
  sameTarget?: ShardTarget;
}

export interface RetrierCallbacks<R> {
  finish(record: R, landed: { shardId: string; sequenceNumber: string }): void;
  retry(record: R, hint: RetryHint): void;
  fail(record: R, failure: Failure): void;
  /** The record landed on `landedShardId`, not on the predicted `target.shardId`: the map is stale. */
  invalidate(target: ShardTarget, landedShardId: string): void;
  /** Ask for fresh credentials; true when the refresh will happen (it is rate-limited). */
  refreshCredentials(): boolean;
}

export interface RetrierOptions {
  /** Tries per record, first try included. */
  maxAttempts: number;
  /** Past maxAttempts, retriable failures are still retried when a try ended before this time (ms since epoch). */
  retryUntilMs?: number;
}


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
        for (const record of records) this.callbacks.retry(record, {});
        return;
      }
      for (const record of records) this.callbacks.fail(record, { kind: 'auth', errorCode: error.errorCode, errorMessage: error.errorMessage });
      return;
    }
    records.forEach((record, i) => this.retryOrFail(record, targets[i], error));
  }

  private retryOrFail(record: R, target: ShardTarget, { errorCode, errorMessage, errorClass }: { errorCode: string; errorMessage: string; errorClass: ErrorClass }): void {
    if (errorClass === 'configuration') {
      this.callbacks.fail(record, { kind: 'configuration', errorCode, errorMessage });
      return;
    }
    if (errorClass === 'fatal' || errorClass === 'auth') {
      this.callbacks.fail(record, { kind: 'not-retriable', errorCode, errorMessage });
      return;
    }
    if (!this.hasTriesLeft(record)) {
      this.callbacks.fail(record, { kind: 'retries-exhausted', errorCode, errorMessage });
      return;
    }
    if (isShardThrottle(errorCode)) this.callbacks.retry(record, { avoidShard: target.shardId });
    else if (isAmbiguousOutcome(errorCode) && target.explicitHashKey !== undefined) this.callbacks.retry(record, { sameTarget: target });
    else this.callbacks.retry(record, {});
  }

  private hasTriesLeft(record: R): boolean {
    if (record.attempts.length < this.options.maxAttempts) return true;
    const lastTryEndedMs = record.attempts[record.attempts.length - 1]?.endMs ?? Infinity;
    return this.options.retryUntilMs !== undefined && lastTryEndedMs < this.options.retryUntilMs;
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

/**
 * Defaults: 100 ms doubling to at most 5 s. Three tries wait at most 0.1 s + 0.2 s; within a retry
 * window the waits grow to seconds (a 30 s window takes about a dozen tries), so an outage costs a
 * few backend requests, not a request every few milliseconds.
 */
export const DEFAULT_BASE_RETRY_BACKOFF_MS = 100;
export const DEFAULT_MAX_RETRY_BACKOFF_MS = 5_000;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * before retry n (1-based) wait a uniform random time in [0, min(max, base·2^(n-1))).
 */
export function backoffMs(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(options.random() * ceiling);
}
