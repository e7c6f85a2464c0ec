/**
 * Builders with defaults for delivery unit tests (KPL test_utils.h `make_user_record` style), and
 * retrier callbacks that throw when a path the test did not expect is taken (KPL
 * `BOOST_FAIL("Retry should not be called")`).
 */
import type { Attempt, CallOutcome } from '../../src/delivery/attempt.js';
import type { RetrierCallbacks } from '../../src/delivery/retrier.js';
import { classifyErrorCode } from '../../src/kinesis/errors.js';
import type { EntryResult } from '../../src/kinesis/put-records.js';
import type { ShardTarget } from '../../src/shards/index.js';

export interface TestRecord {
  name: string;
  attempts: Attempt[];
}

export function record(name: string, tries = 1): TestRecord {
  return {
    name,
    attempts: Array.from({ length: tries }, (_, i) => ({ callId: i + 1, sent: true, startMs: i, endMs: i, errorCode: i === tries - 1 ? undefined : 'InternalFailure' })),
  };
}

export function target(shardId?: string): ShardTarget {
  return shardId ? { partitionKey: 'a', explicitHashKey: '1', shardId, mapListedAtMs: 0 } : { partitionKey: 'k' };
}

export function ok(index: number, shardId = 'shardId-000000000000'): EntryResult {
  return { index, ok: true, shardId, sequenceNumber: `seq-${index}` };
}

export function failed(index: number, errorCode: string, errorMessage = `${errorCode} message`): EntryResult {
  return { index, ok: false, errorCode, errorMessage, errorClass: classifyErrorCode(errorCode) };
}

export function answer(...results: EntryResult[]): CallOutcome {
  return { kind: 'answer', results };
}

export function callError(errorCode: string, httpStatus?: number, requestSent = true, errorMessage = `${errorCode} message`): CallOutcome {
  return { kind: 'error', errorCode, errorMessage, errorClass: classifyErrorCode(errorCode, httpStatus), requestSent };
}

/** Every callback throws unless the test provides it. */
export function strictCallbacks<R>(provided: Partial<RetrierCallbacks<R>>): RetrierCallbacks<R> {
  const unexpected = (name: string) => () => {
    throw new Error(`${name} should not be called`);
  };
  return {
    finish: unexpected('finish'),
    retry: unexpected('retry'),
    fail: unexpected('fail'),
    invalidate: unexpected('invalidate'),
    refreshCredentials: unexpected('refreshCredentials'),
    ...provided,
  };
}
