/**
 * What a delivery ends as, said out loud: named failure kinds → one
 * `Failed to put record onto stream <stream>: <ErrorCode> <ErrorMessage> (…counts…)` line per
 * error code and kind, per delivery (never one per record; Fastly's endpoint wording, reference/
 * kinesis.md §4.5), the undelivered lines to the fallback log endpoint, and the counters.
 *
 * Owns: the wording, the grouping, the per-delivery outcome and the per-instance counters it is
 * added to. Does not decide what failed (retrier.ts) and keeps no state of its own: a
 * configuration error's line goes to `reportCause`, whose owner writes it once per cause.
 *
 * Messages come from AWS (or our own codes). AWS's can carry signing material (a refused signature
 * echoes the canonical request, session token included), so every message passes
 * `sanitizeAwsMessage` on its way out: first sentence of the first line, signing values redacted,
 * length capped, so one odd answer can neither leak a secret nor flood the log endpoint.
 */
import { sanitizeAwsMessage } from '../aws/error-message.js';
import { countAttempts, sentAndUnsent, type HasAttempts } from './attempt.js';
import type { DroppedLine } from './prepare.js';
import type { Failure, FailureKind } from './retrier.js';

export const FAILURE_PREFIX = 'Failed to put record onto stream';
export const RECORD_TOO_LARGE = 'RecordTooLarge';

/** The counters of one delivery. */
export interface DeliveryOutcome {
  attempted: number;
  delivered: number;
  /** Re-sends: tries after the first that were sent, over all records (tries that never left are not counted). */
  retried: number;
  /** Re-sends after an ambiguous outcome (timeout, network error, unreadable answer): possible duplicates. */
  retriedAfterAmbiguous: number;
  /** Records sent (or meant to be) that finally failed; dropped oversize lines are not among them. */
  failed: number;
  /** Failed records by error code, plus dropped oversize lines under RecordTooLarge. */
  failedByCode: Record<string, number>;
  failedByKind: Partial<Record<FailureKind, number>>;
  droppedOversize: number;
  /** Records sent truncated (delivered or not). */
  truncated: number;
  putRecordsCalls: number;
  /** Records that landed on another shard than predicted (shard map stale). */
  misrouted: number;
  /** Delivered records by the shard they landed on (for the metrics lines' records per shard). */
  deliveredByShard: Record<string, number>;
}

export interface ReportedRecord extends HasAttempts {
  /** Position in the delivery's input. */
  readonly index: number;
  /** The line as rendered, whole. */
  readonly line: string;
  readonly truncated: boolean;
}

export interface FailedRecord extends ReportedRecord {
  readonly failure: Failure;
}

export interface DeliverySummary {
  streamName: string;
  attempted: number;
  delivered: readonly ReportedRecord[];
  failed: readonly FailedRecord[];
  dropped: readonly DroppedLine[];
  /** The data limit a record had to fit (for the dropped/truncated lines). */
  maxDataBytes: number;
}

export interface ReportSink {
  /** The error log endpoint (ServiceConfig.errorLogEndpoint). */
  reportFailure(line: string): void;
  /**
   * Where a `configuration` failure's line goes instead, with its cause (the error code), so that
   * the composer writes it once per cause rather than once per delivery; absent = reportFailure.
   */
  reportCause?(cause: string, line: string): void;
  /** The endpoint's fallback log endpoint, when configured: gets every undelivered line. */
  fallback?(line: string): void;
}

/** A failed group's tries: the most any of its records sent, and the most that never left. */
interface Tries {
  sent: number;
  unsent: number;
}

/**
 * The number a report names is of attempts that were sent; tries that never left (credentials
 * could not be had) are named as such, so "after 3 attempts" always means Kinesis saw three. A
 * record stopped by the budget says so in its own words whatever its history.
 */
const KIND_PHRASE: Record<FailureKind, (t: Tries) => string> = {
  'not-retriable': (t) => `not retriable, ${sentPhrase(t)}`,
  'retries-exhausted': (t) => (t.sent > 0 ? `gave up after ${sentPhrase(t)}` : `gave up after ${plural(t.unsent, 'try', 'tries')}, none sent`),
  'budget-exhausted': (t) =>
    t.sent > 0
      ? `backend request or time budget of this execution spent after ${plural(t.sent, 'attempt')}`
      : 'backend request or time budget of this execution spent before it was sent',
  auth: (t) => `credentials refused, ${sentPhrase(t)}`,
  configuration: (t) => `${t.sent > 0 ? `${sentPhrase(t)}, then` : 'not sent:'} a configuration error, every line fails until it is fixed`,
};

function sentPhrase({ sent, unsent }: Tries): string {
  if (sent === 0) return 'never sent';
  return unsent > 0 ? `${plural(sent, 'attempt')}, ${unsent} more not sent` : plural(sent, 'attempt');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function reportDelivery(summary: DeliverySummary, sink: ReportSink): DeliveryOutcome {
  const { streamName, attempted } = summary;
  const groups = new Map<string, { failure: Failure; count: number; tries: Tries }>();
  for (const record of summary.failed) {
    const key = `${record.failure.errorCode}\u0000${record.failure.kind}`;
    const group = groups.get(key) ?? { failure: record.failure, count: 0, tries: { sent: 0, unsent: 0 } };
    const { sent, unsent } = sentAndUnsent(record);
    group.count++;
    group.tries = { sent: Math.max(group.tries.sent, sent), unsent: Math.max(group.tries.unsent, unsent) };
    groups.set(key, group);
  }
  for (const { failure, count, tries } of groups.values()) {
    const message = sanitizeAwsMessage(failure.errorMessage);
    const line = `${FAILURE_PREFIX} ${streamName}: ${failure.errorCode}${message ? ` ${message}` : ''} (${count} of ${attempted} records; ${KIND_PHRASE[failure.kind](tries)})`;
    if (failure.kind === 'configuration' && sink.reportCause) sink.reportCause(failure.errorCode, line);
    else sink.reportFailure(line);
  }
  if (summary.dropped.length > 0) {
    const largest = Math.max(...summary.dropped.map((d) => d.bytes));
    sink.reportFailure(
      `${FAILURE_PREFIX} ${streamName}: ${RECORD_TOO_LARGE} line of up to ${largest} bytes exceeds the ${summary.maxDataBytes}-byte record data limit ` +
        `(max_record_bytes less room for the partition key) (${summary.dropped.length} of ${attempted} records; dropped, oversize=drop)`,
    );
  }
  const truncated = summary.delivered.filter((r) => r.truncated).length + summary.failed.filter((r) => r.truncated).length;
  if (truncated > 0) {
    sink.reportFailure(
      `compute-kinesis-logger: stream ${streamName}: ${truncated} of ${attempted} records truncated to ${summary.maxDataBytes} bytes of data (oversize=truncate)`,
    );
  }
  if (sink.fallback) {
    // Input order, so the fallback endpoint reads like the stream would have.
    const undelivered: { index: number; line: string }[] = [...summary.failed, ...summary.dropped];
    undelivered.sort((a, b) => a.index - b.index);
    for (const { line } of undelivered) sink.fallback(line);
  }

  const failedByCode: Record<string, number> = {};
  const failedByKind: Partial<Record<FailureKind, number>> = {};
  for (const record of summary.failed) {
    failedByCode[record.failure.errorCode] = (failedByCode[record.failure.errorCode] ?? 0) + 1;
    failedByKind[record.failure.kind] = (failedByKind[record.failure.kind] ?? 0) + 1;
  }
  if (summary.dropped.length > 0) failedByCode[RECORD_TOO_LARGE] = summary.dropped.length;
  const deliveredByShard: Record<string, number> = {};
  for (const record of summary.delivered) {
    const shardId = record.attempts[record.attempts.length - 1]?.shardId;
    if (shardId) deliveredByShard[shardId] = (deliveredByShard[shardId] ?? 0) + 1;
  }
  const counts = countAttempts([...summary.delivered, ...summary.failed]);
  return {
    attempted,
    delivered: summary.delivered.length,
    retried: counts.retried,
    retriedAfterAmbiguous: counts.retriedAfterAmbiguous,
    failed: summary.failed.length,
    failedByCode,
    failedByKind,
    droppedOversize: summary.dropped.length,
    truncated,
    putRecordsCalls: counts.putRecordsCalls,
    misrouted: counts.misrouted,
    deliveredByShard,
  };
}

/** Per-instance totals over every delivery to one stream (the admin stats page shows these). */
export interface DeliveryCounters extends DeliveryOutcome {
  deliveries: number;
}

export function newCounters(): DeliveryCounters {
  return {
    deliveries: 0,
    attempted: 0,
    delivered: 0,
    retried: 0,
    retriedAfterAmbiguous: 0,
    failed: 0,
    failedByCode: {},
    failedByKind: {},
    droppedOversize: 0,
    truncated: 0,
    putRecordsCalls: 0,
    misrouted: 0,
    deliveredByShard: {},
  };
}

export function addOutcome(counters: DeliveryCounters, outcome: DeliveryOutcome): void {
  counters.deliveries++;
  counters.attempted += outcome.attempted;
  counters.delivered += outcome.delivered;
  counters.retried += outcome.retried;
  counters.retriedAfterAmbiguous += outcome.retriedAfterAmbiguous;
  counters.failed += outcome.failed;
  counters.droppedOversize += outcome.droppedOversize;
  counters.truncated += outcome.truncated;
  counters.putRecordsCalls += outcome.putRecordsCalls;
  counters.misrouted += outcome.misrouted;
  for (const [code, n] of Object.entries(outcome.failedByCode)) counters.failedByCode[code] = (counters.failedByCode[code] ?? 0) + n;
  for (const [shard, n] of Object.entries(outcome.deliveredByShard)) counters.deliveredByShard[shard] = (counters.deliveredByShard[shard] ?? 0) + n;
  for (const [kind, n] of Object.entries(outcome.failedByKind) as [FailureKind, number][]) {
    counters.failedByKind[kind] = (counters.failedByKind[kind] ?? 0) + n;
  }
}
