/**
 * The history of each record: every try appends an Attempt (KPL attempt.h), successful or not,
 * sent or stopped before sending. Counters are derived from these histories; there is no separate
 * retry counter to drift out of step. A try that never left (no budget, no credentials) stays in
 * the history — it used one of the record's `maxAttempts` — but it is not an attempt Kinesis saw:
 * retries and the attempts a report names count sent tries only.
 *
 * Owns: the Attempt shape, the outcome of one PutRecords call as the rest of delivery sees it,
 * and the derivations (calls made, retries and those after an ambiguous outcome, misrouted
 * records). Does not decide anything.
 */
import { isAmbiguousOutcome, type EntryResult, type ErrorClass } from '../kinesis/index.js';
import type { ShardTarget } from '../shards/index.js';

export interface Attempt {
  /** Which PutRecords call carried it (one per call, counted from 1 within a delivery). */
  callId: number;
  /** False when the call never left (no budget, no credentials). */
  sent: boolean;
  startMs: number;
  endMs: number;
  /** The shard the router meant it for, if it predicted one. */
  targetShardId?: string;
  /** Where it landed (success only). */
  shardId?: string;
  sequenceNumber?: string;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * One PutRecords call as delivery sees it: an entry per record sent, or a whole-call failure. Both
 * carry the error's class as kinesis/errors.ts decided it when the answer was read.
 */
export type CallOutcome =
  | { kind: 'answer'; results: EntryResult[] }
  | { kind: 'error'; errorCode: string; errorMessage: string; errorClass: ErrorClass; requestSent: boolean };

export interface HasAttempts {
  readonly attempts: readonly Attempt[];
}

export interface CallInfo {
  callId: number;
  startMs: number;
  endMs: number;
}

/** The Attempt each record of a call gets, in the order the records were sent. */
export function attemptsOf(outcome: CallOutcome, targets: readonly ShardTarget[], call: CallInfo): Attempt[] {
  return targets.map((target, i) => {
    const base = { callId: call.callId, startMs: call.startMs, endMs: call.endMs, targetShardId: target.shardId };
    if (outcome.kind === 'error') {
      return { ...base, sent: outcome.requestSent, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage };
    }
    const result = outcome.results[i];
    return result.ok
      ? { ...base, sent: true, shardId: result.shardId, sequenceNumber: result.sequenceNumber }
      : { ...base, sent: true, errorCode: result.errorCode, errorMessage: result.errorMessage };
  });
}

export function isDelivered(attempt: Attempt | undefined): boolean {
  return !!attempt && attempt.sent && attempt.errorCode === undefined;
}

/** The last attempt that reached Kinesis (its error says more than "no budget left"). */
export function lastSentAttempt(record: HasAttempts): Attempt | undefined {
  for (let i = record.attempts.length - 1; i >= 0; i--) if (record.attempts[i].sent) return record.attempts[i];
  return undefined;
}

/** Tries of one record that reached Kinesis, and those that never left. */
export function sentAndUnsent(record: HasAttempts): { sent: number; unsent: number } {
  let sent = 0;
  for (const attempt of record.attempts) if (attempt.sent) sent++;
  return { sent, unsent: record.attempts.length - sent };
}

export interface AttemptCounts {
  /** Tries of all records, sent or not. */
  tries: number;
  /** Tries that were sent (reached Kinesis, or at least left for it). */
  sent: number;
  /** Sent tries after the first, per record (a record sent 3 times counts 2; unsent tries count 0). */
  retried: number;
  /**
   * Those of `retried` that followed an ambiguous outcome (a timeout, a network error, an
   * unreadable answer): the earlier try may have been stored, so this one may be a duplicate.
   */
  retriedAfterAmbiguous: number;
  /** PutRecords calls that left (distinct call ids of sent attempts). */
  putRecordsCalls: number;
  /** Records that landed on a shard other than the one predicted. */
  misrouted: number;
}

export function countAttempts(records: readonly HasAttempts[]): AttemptCounts {
  const calls = new Set<number>();
  let tries = 0;
  let sent = 0;
  let retried = 0;
  let retriedAfterAmbiguous = 0;
  let misrouted = 0;
  for (const record of records) {
    const counts = sentAndUnsent(record);
    tries += record.attempts.length;
    sent += counts.sent;
    retried += Math.max(0, counts.sent - 1);
    let previousSent: Attempt | undefined;
    for (const attempt of record.attempts) {
      if (!attempt.sent) continue;
      calls.add(attempt.callId);
      if (previousSent?.errorCode !== undefined && isAmbiguousOutcome(previousSent.errorCode)) retriedAfterAmbiguous++;
      if (isDelivered(attempt) && attempt.targetShardId !== undefined && attempt.shardId !== attempt.targetShardId) misrouted++;
      previousSent = attempt;
    }
  }
  return { tries, sent, retried, retriedAfterAmbiguous, putRecordsCalls: calls.size, misrouted };
}
