/**
 * Delivery of rendered lines to one stream: route → batch → PutRecords → retry failed entries →
 * report. The one place these stages meet; read it top to bottom.
 *
 * Never throws: every line ends delivered, or failed and reported (with counts) through
 * `reportFailure`.
 */
import type { DeliveryLimits } from '../config/schema.js';
import type { KinesisApi, PutRecordsRequestEntry } from '../kinesis/api.js';
import { bytesToBase64 } from '../kinesis/base64.js';
import { AwsCallError, classifyErrorCode } from '../kinesis/errors.js';
import { MAX_RECORDS_PER_PUT } from '../kinesis/limits.js';
import type { ShardRouter, ShardTarget } from '../shards/router.js';

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
}

export interface DeliveryOutcome {
  attempted: number;
  delivered: number;
  retried: number;
  failedByCode: Record<string, number>;
  droppedOversize: number;
  truncated: number;
  putRecordsCalls: number;
}

interface PendingRecord {
  data: Uint8Array;
  base64: string;
  /** Shard to avoid on the next try (throttled there). */
  avoidShard?: string;
  lastError?: { code: string; message: string };
}

const encoder = new TextEncoder();

export async function deliverLines(streamName: string, lines: readonly string[], deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = {
    attempted: lines.length,
    delivered: 0,
    retried: 0,
    failedByCode: {},
    droppedOversize: 0,
    truncated: 0,
    putRecordsCalls: 0,
  };
  let pending: PendingRecord[] = [];
  for (const line of lines) {
    const data = encoder.encode(line);
    pending.push({ data, base64: bytesToBase64(data) });
  }

  const failed: PendingRecord[] = [];
  for (let attempt = 1; pending.length > 0 && attempt <= deps.limits.maxAttempts; attempt++) {
    if (attempt > 1) {
      outcome.retried += pending.length;
      await deps.sleep(backoffMs(attempt - 1, deps));
    }
    const targets = await deps.router.plan(pending.length, pending.map((r) => r.avoidShard));
    const retry: PendingRecord[] = [];
    for (let start = 0; start < pending.length; start += MAX_RECORDS_PER_PUT) {
      const batch = pending.slice(start, start + MAX_RECORDS_PER_PUT);
      const batchTargets = targets.slice(start, start + MAX_RECORDS_PER_PUT);
      const sentAt = deps.now();
      outcome.putRecordsCalls++;
      try {
        const answer = await deps.api.putRecords({ StreamName: streamName, Records: batch.map((r, i) => entry(r, batchTargets[i])) });
        if (answer.Records?.length !== batch.length) {
          throw new AwsCallError('RecordCountMismatch', `sent ${batch.length} records, answer has ${answer.Records?.length ?? 0}`);
        }
        answer.Records.forEach((result, i) => {
          const record = batch[i];
          if (!result.ErrorCode) {
            outcome.delivered++;
            if (result.ShardId) deps.router.observe(batchTargets[i], result.ShardId, sentAt);
            return;
          }
          record.lastError = { code: result.ErrorCode, message: result.ErrorMessage ?? '' };
          const errorClass = classifyErrorCode(result.ErrorCode);
          if (errorClass === 'fatal') failed.push(record);
          else {
            record.avoidShard = errorClass === 'throttled' ? batchTargets[i].shardId : undefined;
            retry.push(record);
          }
        });
      } catch (error) {
        const callError = error instanceof AwsCallError ? error : new AwsCallError('InternalError', String(error));
        for (const record of batch) {
          record.lastError = { code: callError.errorCode, message: callError.errorMessage };
          (callError.retriable && callError.errorCode !== 'RecordCountMismatch' && callError.errorCode !== 'BudgetExhausted' ? retry : failed).push(record);
        }
      }
    }
    pending = retry;
  }
  failed.push(...pending);
  report(streamName, failed, outcome, deps);
  return outcome;
}

function entry(record: PendingRecord, target: ShardTarget): PutRecordsRequestEntry {
  const e: PutRecordsRequestEntry = { Data: record.base64, PartitionKey: target.partitionKey };
  if (target.explicitHashKey !== undefined) e.ExplicitHashKey = target.explicitHashKey;
  return e;
}

function backoffMs(retry: number, deps: DeliveryDeps): number {
  const base = deps.baseBackoffMs ?? 100;
  const cap = deps.maxBackoffMs ?? 2_000;
  return Math.floor(deps.random() * Math.min(cap, base * 2 ** retry));
}

/** One line per error code per delivery, not one per record. */
function report(streamName: string, failed: PendingRecord[], outcome: DeliveryOutcome, deps: DeliveryDeps): void {
  const byCode = new Map<string, { count: number; message: string }>();
  for (const record of failed) {
    const { code, message } = record.lastError ?? { code: 'Unknown', message: '' };
    const entry = byCode.get(code) ?? { count: 0, message };
    entry.count++;
    byCode.set(code, entry);
  }
  for (const [code, { count, message }] of byCode) {
    outcome.failedByCode[code] = count;
    deps.reportFailure(`Failed to put record onto stream ${streamName}: ${code} ${message} (${count} of ${outcome.attempted} records)`);
  }
}
