import { describe, expect, it } from 'vitest';
import { backoffMs, Retrier, type Failure } from '../../../src/delivery/retrier.js';
import { answer, callError, failed, ok, record, strictCallbacks, target, type TestRecord } from '../../support/delivery-builders.js';

const PTEE = 'ProvisionedThroughputExceededException';

function retrier(provided: Parameters<typeof strictCallbacks<TestRecord>>[0], maxAttempts = 3) {
  return new Retrier<TestRecord>({ maxAttempts }, strictCallbacks<TestRecord>(provided));
}

describe('Retrier: per-entry results', () => {
  it('finishes every record of an all-ok answer and retries nothing', () => {
    const finished: string[] = [];
    retrier({ finish: (r) => finished.push(r.name) }).handle(
      { records: [record('a'), record('b')], targets: [target(), target()] },
      answer(ok(0), ok(1)),
    );
    expect(finished).toEqual(['a', 'b']);
  });

  it('retries only the throttled entry, on another shard, and finishes the rest', () => {
    const finished: string[] = [];
    const retried: [string, string | undefined][] = [];
    retrier({ finish: (r) => finished.push(r.name), retry: (r, hint) => retried.push([r.name, hint.avoidShard]) }).handle(
      { records: [record('a'), record('b'), record('c')], targets: [target('shardId-1'), target('shardId-2'), target('shardId-1')] },
      answer(ok(0, 'shardId-1'), failed(1, PTEE), ok(2, 'shardId-1')),
    );
    expect(finished).toEqual(['a', 'c']);
    expect(retried).toEqual([['b', 'shardId-2']]);
  });

  it('retries InternalFailure and KMSThrottlingException without moving the record', () => {
    const retried: [string, string | undefined][] = [];
    retrier({ retry: (r, hint) => retried.push([r.name, hint.avoidShard]) }).handle(
      { records: [record('a'), record('b')], targets: [target('shardId-1'), target('shardId-1')] },
      answer(failed(0, 'InternalFailure'), failed(1, 'KMSThrottlingException')),
    );
    expect(retried).toEqual([
      ['a', undefined],
      ['b', undefined],
    ]);
  });

  it('fails a retriable entry that has used its attempts', () => {
    const failures: [string, Failure][] = [];
    retrier({ fail: (r, f) => failures.push([r.name, f]) }, 3).handle({ records: [record('a', 3)], targets: [target('shardId-1')] }, answer(failed(0, PTEE, 'Rate exceeded')));
    expect(failures).toEqual([['a', { kind: 'retries-exhausted', errorCode: PTEE, errorMessage: 'Rate exceeded' }]]);
  });

  it('fails an entry with an unknown (fatal) code at once', () => {
    const failures: Failure[] = [];
    retrier({ fail: (_, f) => failures.push(f) }).handle({ records: [record('a')], targets: [target()] }, answer(failed(0, 'KMSDisabledException')));
    expect(failures.map((f) => f.kind)).toEqual(['not-retriable']);
  });

  it('invalidates the map when a record lands on a shard other than the predicted one, and still finishes it', () => {
    const calls: string[] = [];
    retrier({
      finish: (r) => calls.push(`finish ${r.name}`),
      invalidate: (t, landed) => calls.push(`invalidate ${t.shardId}→${landed}`),
    }).handle({ records: [record('a'), record('b')], targets: [target('shardId-1'), target()] }, answer(ok(0, 'shardId-7'), ok(1, 'shardId-3')));
    // b had no prediction (random key): nothing to invalidate.
    expect(calls).toEqual(['invalidate shardId-1→shardId-7', 'finish a', 'finish b']);
  });

  it('fails every record of a RecordCountMismatch answer without retrying', () => {
    const failures: Failure[] = [];
    retrier({ fail: (_, f) => failures.push(f) }).handle(
      { records: [record('a'), record('b')], targets: [target(), target()] },
      answer(failed(0, 'RecordCountMismatch'), failed(1, 'RecordCountMismatch')),
    );
    expect(failures.map((f) => `${f.kind} ${f.errorCode}`)).toEqual(['not-retriable RecordCountMismatch', 'not-retriable RecordCountMismatch']);
  });
});

describe('Retrier: whole-call failures', () => {
  it.each([
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
    ['HTTP502', 502],
    ['ThrottlingException', 400],
    ['NetworkError', undefined],
    ['Timeout', undefined],
    ['MalformedResponse', 200],
    ['SomethingNew', 429],
  ])('retries every record after %s (%s)', (code, status) => {
    const retried: string[] = [];
    retrier({ retry: (r) => retried.push(r.name) }).handle({ records: [record('a'), record('b')], targets: [target(), target()] }, callError(code, status));
    expect(retried).toEqual(['a', 'b']);
  });

  it('moves every record of a whole-call ProvisionedThroughputExceededException to other shards', () => {
    const avoided: (string | undefined)[] = [];
    retrier({ retry: (_, hint) => avoided.push(hint.avoidShard) }).handle({ records: [record('a'), record('b')], targets: [target('s1'), target('s2')] }, callError(PTEE, 400));
    expect(avoided).toEqual(['s1', 's2']);
  });

  it.each([
    ['ResourceNotFoundException', 400],
    ['AccessDeniedException', 400],
    ['ValidationException', 400],
    ['InvalidArgumentException', 400],
    ['RequestEntityTooLargeException', 413],
    ['MissingCredentials', undefined],
    ['HTTP404', 404],
  ])('does not retry %s', (code, status) => {
    const failures: Failure[] = [];
    retrier({ fail: (_, f) => failures.push(f) }).handle({ records: [record('a')], targets: [target()] }, callError(code, status, code !== 'MissingCredentials'));
    expect(failures).toEqual([{ kind: 'not-retriable', errorCode: code, errorMessage: `${code} message` }]);
  });

  it('on an auth error asks for one refresh and retries once; a second auth error fails', () => {
    let refreshes = 0;
    const retried: string[] = [];
    const failures: Failure[] = [];
    const r = retrier({
      refreshCredentials: () => (refreshes++, true),
      retry: (rec) => retried.push(rec.name),
      fail: (_, f) => failures.push(f),
    });
    r.handle({ records: [record('a', 3)], targets: [target()] }, callError('ExpiredTokenException', 400));
    // The one auth retry is granted even past maxAttempts.
    expect(retried).toEqual(['a']);
    r.handle({ records: [record('a', 4)], targets: [target()] }, callError('UnrecognizedClientException', 400));
    expect(refreshes).toBe(1);
    expect(failures).toEqual([{ kind: 'auth', errorCode: 'UnrecognizedClientException', errorMessage: 'UnrecognizedClientException message' }]);
  });

  it('fails auth errors when the refresh is refused by the rate limit', () => {
    const failures: Failure[] = [];
    retrier({ refreshCredentials: () => false, fail: (_, f) => failures.push(f) }).handle(
      { records: [record('a')], targets: [target()] },
      callError('InvalidSignatureException', 400),
    );
    expect(failures.map((f) => f.kind)).toEqual(['auth']);
  });

  it('fails for want of budget, with the error of the last try that reached Kinesis', () => {
    const failures: Failure[] = [];
    const tried = record('a', 1);
    tried.attempts[0] = { callId: 1, sent: true, startMs: 0, endMs: 1, errorCode: PTEE, errorMessage: 'Rate exceeded' };
    tried.attempts.push({ callId: 2, sent: false, startMs: 2, endMs: 2, errorCode: 'BudgetExhausted', errorMessage: 'spent' });
    const fresh = record('b', 1);
    fresh.attempts[0] = { callId: 2, sent: false, startMs: 2, endMs: 2, errorCode: 'BudgetExhausted', errorMessage: 'spent' };
    retrier({ fail: (_, f) => failures.push(f) }).handle({ records: [tried, fresh], targets: [target(), target()] }, callError('BudgetExhausted', undefined, false, 'spent'));
    expect(failures).toEqual([
      { kind: 'budget-exhausted', errorCode: PTEE, errorMessage: 'Rate exceeded' },
      { kind: 'budget-exhausted', errorCode: 'BudgetExhausted', errorMessage: 'spent' },
    ]);
  });

  it('retries a throttled STS call (credentials not had, request not sent)', () => {
    const retried: string[] = [];
    retrier({ retry: (r) => retried.push(r.name) }).handle({ records: [record('a')], targets: [target()] }, callError('Throttling', 400, false));
    expect(retried).toEqual(['a']);
  });
});

describe('backoffMs: exponential with full jitter', () => {
  const options = { baseMs: 100, maxMs: 2_000 };
  it('draws uniformly below base·2^(n-1), capped', () => {
    expect(backoffMs(1, { ...options, random: () => 0.999 })).toBe(99);
    expect(backoffMs(2, { ...options, random: () => 0.999 })).toBe(199);
    expect(backoffMs(3, { ...options, random: () => 0.5 })).toBe(200);
    expect(backoffMs(10, { ...options, random: () => 0.999 })).toBe(1998);
    expect(backoffMs(3, { ...options, random: () => 0 })).toBe(0);
  });
});

describe('Retrier: the retry window\'s end and ambiguous outcomes', () => {
  /** A record whose tries used its maxAttempts (3), the last one from `startMs` to `endMs`. */
  function spent(name: string, startMs: number, endMs: number): TestRecord {
    const r = record(name, 3);
    r.attempts[2] = { ...r.attempts[2], startMs, endMs, errorCode: 'ServiceUnavailable' };
    return r;
  }
  const windowRetrier = (provided: Parameters<typeof strictCallbacks<TestRecord>>[0]) =>
    new Retrier<TestRecord>({ maxAttempts: 3, retryUntilMs: 10_000 }, strictCallbacks<TestRecord>(provided));

  it('retries past maxAttempts while the last try ended before the window\'s end, and not from its end on', () => {
    const retried: string[] = [];
    const failures: [string, string][] = [];
    const r = windowRetrier({ retry: (rec) => retried.push(rec.name), fail: (rec, f) => failures.push([rec.name, f.kind]) });
    r.handle({ records: [spent('before', 9_000, 9_999), spent('at', 9_000, 10_000), spent('after', 9_000, 10_001)], targets: [target(), target(), target()] }, callError('ServiceUnavailable', 503));
    expect(retried).toEqual(['before']);
    expect(failures).toEqual([
      ['at', 'retries-exhausted'],
      ['after', 'retries-exhausted'],
    ]);
  });

  it('judges the window by when the last try ended, not when it started', () => {
    const failures: string[] = [];
    windowRetrier({ fail: (rec) => failures.push(rec.name) }).handle({ records: [spent('long call', 9_000, 12_000)], targets: [target()] }, callError('Timeout'));
    expect(failures).toEqual(['long call']);
  });

  it('within its tries, a record is retried whatever the window says', () => {
    const retried: string[] = [];
    const r = new Retrier<TestRecord>({ maxAttempts: 3, retryUntilMs: 0 }, strictCallbacks<TestRecord>({ retry: (rec) => retried.push(rec.name) }));
    r.handle({ records: [record('second try due', 2)], targets: [target()] }, callError('ServiceUnavailable', 503));
    expect(retried).toEqual(['second try due']);
  });

  it.each(['Timeout', 'NetworkError', 'MalformedResponse'])('after %s, retries each record with its own target again (it may be stored there)', (code) => {
    const hints: [string, unknown][] = [];
    const t1 = target('shardId-1');
    const t2 = { partitionKey: 'b', explicitHashKey: '99', shardId: 'shardId-2', mapListedAtMs: 5 };
    new Retrier<TestRecord>({ maxAttempts: 3 }, strictCallbacks<TestRecord>({ retry: (rec, hint) => hints.push([rec.name, hint]) })).handle(
      { records: [record('a'), record('b')], targets: [t1, t2] },
      callError(code, code === 'MalformedResponse' ? 200 : undefined),
    );
    expect(hints).toEqual([
      ['a', { sameTarget: t1 }],
      ['b', { sameTarget: t2 }],
    ]);
  });

  it('after an ambiguous outcome, a record Kinesis routes by its partition key (no hash key) gets no target to keep', () => {
    const hints: unknown[] = [];
    new Retrier<TestRecord>({ maxAttempts: 3 }, strictCallbacks<TestRecord>({ retry: (_, hint) => hints.push(hint) })).handle(
      { records: [record('a')], targets: [{ partitionKey: 'tenant-7' }] },
      callError('Timeout'),
    );
    expect(hints).toEqual([{}]);
  });

  it('after an unambiguous failure (nothing stored), the record is routed anew', () => {
    const hints: unknown[] = [];
    new Retrier<TestRecord>({ maxAttempts: 3 }, strictCallbacks<TestRecord>({ retry: (_, hint) => hints.push(hint) })).handle(
      { records: [record('a')], targets: [target('shardId-1')] },
      answer(failed(0, 'InternalFailure')),
    );
    expect(hints).toEqual([{}]);
  });
});

describe('Retrier: entries whose error is not retriable', () => {
  it.each(['ExpiredTokenException', 'KMSAccessDeniedException'])('fails an entry refused with %s at once, whatever tries it has left', (code) => {
    const failures: Failure[] = [];
    retrier({ fail: (_, f) => failures.push(f) }).handle({ records: [record('a')], targets: [target('shardId-1')] }, answer(failed(0, code)));
    expect(failures).toEqual([{ kind: 'not-retriable', errorCode: code, errorMessage: `${code} message` }]);
  });
});
