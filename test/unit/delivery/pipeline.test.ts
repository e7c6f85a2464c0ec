/**
 * The pipeline composed over a scripted in-memory KinesisApi: what is sent on each try, what is
 * reported, and that counters come out of the attempts.
 */
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { failDelivery, prepareDelivery, sendDelivery, type DeliveryDeps, type DeliveryLine } from '../../../src/delivery/pipeline.js';
import type { KinesisApi, PutRecordsInput, PutRecordsOutput, PutRecordsResultEntry } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';
import { createStreamRouter, type ShardRoute, type ShardRouter, type StreamRouter } from '../../../src/shards/index.js';
import { buildShardMap } from '../../../src/shards/shard-map.js';
import { equalShards, PagingListShards } from '../../support/shards.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { FakeClock } from '../../support/fake-clock.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

/** Lines as the composer hands them over: each with its record id as partition key, spread by the router. */
const L = (lines: readonly string[]): DeliveryLine[] => lines.map((line, i) => ({ line, partitionKey: `request-${i}`, hashedKey: false }));

const deliverLines = async (streamName: string, lines: DeliveryLine[], deps: DeliveryDeps) => sendDelivery(await prepareDelivery(streamName, lines, deps.limits), deps);

type Answer = (input: PutRecordsInput, call: number) => PutRecordsOutput | AwsCallError;

const decode = (data: string) => new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));

function scriptedApi(answer: Answer) {
  const sent: string[][] = [];
  const api: KinesisApi = {
    describeStreamSummary: async () => ({}),
    async putRecords(input) {
      sent.push(input.Records.map((r) => decode(r.Data)));
      const result = answer(input, sent.length);
      if (result instanceof AwsCallError) throw result;
      return result;
    },
    async listShards() {
      throw new Error('not used');
    },
  };
  return { api, sent };
}

const allOk = (input: PutRecordsInput): PutRecordsOutput => ({
  FailedRecordCount: 0,
  // Lands where the router aimed (its ExplicitHashKey is the shard number here).
  Records: input.Records.map((r, i) => ({ ShardId: `shardId-${r.ExplicitHashKey ?? 0}`, SequenceNumber: String(i) })),
});

/** A two-shard router that predicts shards and records what it was asked to avoid. */
function twoShardRouter() {
  const avoidSeen: (string | undefined)[][] = [];
  const observed: string[] = [];
  let next = 0;
  const router: ShardRouter = {
    async plan(count, avoid) {
      avoidSeen.push([...(avoid ?? [])]);
      return Array.from({ length: count }, (_, i): ShardRoute => {
        let shard = next++ % 2;
        if (avoid?.[i] === `shardId-${shard}`) shard = 1 - shard;
        return { explicitHashKey: String(shard), shardId: `shardId-${shard}`, mapListedAtMs: 0 };
      });
    },
    observe(t, landed, sentAt) {
      observed.push(`${t.shardId}→${landed}@${sentAt}`);
    },
  };
  return { router, avoidSeen, observed };
}

function deps(api: KinesisApi, overrides: Partial<DeliveryDeps> = {}) {
  const reports: string[] = [];
  const fallback: string[] = [];
  const sleeps: number[] = [];
  let clock = 1_000;
  const d: DeliveryDeps = {
    api,
    router: twoShardRouter().router,
    limits: { maxAttempts: 3, maxRecordBytes: 1024 * 1024, maxRequestBytes: 5 * 1024 * 1024, oversize: 'truncate', retryWindowMs: 0 },
    reportFailure: (line) => reports.push(line),
    fallback: (line) => fallback.push(line),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.5,
    now: () => clock++,
    ...overrides,
  };
  return { deps: d, reports, fallback, sleeps };
}

describe('deliverLines', () => {
  it('sends each line once when all goes well, nothing reported', async () => {
    const { api, sent } = scriptedApi(allOk);
    const { deps: d, reports, fallback, sleeps } = deps(api);
    const outcome = await deliverLines('s', L(['a', 'b', 'c']), d);
    expect(sent).toEqual([['a', 'b', 'c']]);
    expect(outcome).toEqual({
      attempted: 3,
      delivered: 3,
      retried: 0,
      retriedAfterAmbiguous: 0,
      failed: 0,
      failedByCode: {},
      failedByKind: {},
      droppedOversize: 0,
      truncated: 0,
      putRecordsCalls: 1,
      misrouted: 0,
      deliveredByShard: { 'shardId-0': 2, 'shardId-1': 1 },
    });
    expect(reports).toEqual([]);
    expect(fallback).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  it('re-sends only the failed entries, after a jittered backoff, avoiding the shard that throttled', async () => {
    const { api, sent } = scriptedApi((input, call) =>
      call === 1
        ? {
            FailedRecordCount: 2,
            Records: input.Records.map((r, i): PutRecordsResultEntry =>
              i === 1 ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-1' } : i === 2 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' } : { ShardId: `shardId-${r.ExplicitHashKey}`, SequenceNumber: '1' },
            ),
          }
        : allOk(input),
    );
    const { router, avoidSeen } = twoShardRouter();
    const { deps: d, sleeps, reports } = deps(api, { router, baseBackoffMs: 100 });
    const outcome = await deliverLines('s', L(['a', 'b', 'c', 'd']), d);
    expect(sent).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'c'],
    ]);
    expect(avoidSeen).toEqual([[undefined, undefined, undefined, undefined], ['shardId-1', undefined]]);
    expect(sleeps).toEqual([50]); // random 0.5 × 100 ms
    expect(outcome).toMatchObject({ delivered: 4, retried: 2, failed: 0, putRecordsCalls: 2 });
    expect(reports).toEqual([]);
  });

  it('reports what finally failed once per error code, with counts, and hands those lines to the fallback in input order', async () => {
    const { api } = scriptedApi((input) => ({
      FailedRecordCount: 3,
      Records: input.Records.map((r): PutRecordsResultEntry => {
        const line = decode(r.Data);
        return line.startsWith('throttled') ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' } : { ShardId: 'shardId-0', SequenceNumber: '1' };
      }),
    }));
    const { deps: d, reports, fallback } = deps(api);
    const outcome = await deliverLines('logs', L(['throttled-1', 'ok-1', 'throttled-2', 'throttled-3']), d);
    expect(reports).toEqual(['Failed to put record onto stream logs: ProvisionedThroughputExceededException Rate exceeded (3 of 4 records; gave up after 3 attempts)']);
    expect(fallback).toEqual(['throttled-1', 'throttled-2', 'throttled-3']);
    expect(outcome).toMatchObject({ delivered: 1, failed: 3, retried: 6, putRecordsCalls: 3, failedByCode: { ProvisionedThroughputExceededException: 3 }, failedByKind: { 'retries-exhausted': 3 } });
  });

  it('retries all records of a failed call, and only those', async () => {
    const { api, sent } = scriptedApi((input, call) => (call === 1 ? new AwsCallError('ServiceUnavailable', 'busy', 503) : allOk(input)));
    const { deps: d } = deps(api, { limits: { maxAttempts: 3, maxRecordBytes: 1024, maxRequestBytes: 64 * 1024 + 600, oversize: 'truncate', retryWindowMs: 0 } });
    // Two calls in the first round (bytes limit: 108 records of 600 bytes + a 9–11 byte key), the first of which fails.
    const lines = Array.from({ length: 200 }, (_, i) => `${i}`.padEnd(600, '.'));
    const outcome = await deliverLines('s', L(lines), d);
    expect(sent.map((s) => s.length)).toEqual([108, 92, 108]);
    expect(sent[2]).toEqual(sent[0]);
    expect(outcome).toMatchObject({ delivered: 200, retried: 108, putRecordsCalls: 3 });
  });

  it('does not start a retry round without budget, and reports the last real error', async () => {
    const { api, sent } = scriptedApi(() => new AwsCallError('InternalFailure', 'broken', 500));
    const budget = { remaining: 0, msLeft: () => 60_000 };
    const { deps: d, reports, sleeps } = deps(api, { budget });
    const outcome = await deliverLines('s', L(['a']), d);
    expect(sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(outcome.failedByKind).toEqual({ 'budget-exhausted': 1 });
    expect(reports).toEqual(['Failed to put record onto stream s: InternalFailure broken (1 of 1 records; backend request or time budget of this execution spent after 1 attempt)']);
  });

  it('counts only calls that were sent: a call stopped by the budget is neither an attempt nor a retry', async () => {
    // Two calls per round (bytes limit); the second finds the budget spent, as signed fetch reports it.
    const { api, sent } = scriptedApi((_, call) =>
      call === 1 ? new AwsCallError('InternalFailure', 'broken', 500) : new AwsCallError('BudgetExhausted', 'backend request budget of this execution is spent', undefined, false),
    );
    const { deps: d, reports } = deps(api, {
      // Nothing left after this round: no retry round starts.
      budget: { remaining: 0, msLeft: () => 60_000 },
      limits: { maxAttempts: 3, maxRecordBytes: 1024, maxRequestBytes: 1024 + 1, oversize: 'truncate', retryWindowMs: 0 },
    });
    const outcome = await deliverLines('s', L(['a'.repeat(700), 'b'.repeat(700)]), d);
    expect(sent).toHaveLength(2);
    expect(outcome).toMatchObject({ delivered: 0, failed: 2, retried: 0, putRecordsCalls: 1, failedByKind: { 'budget-exhausted': 2 } });
    expect(reports).toEqual([
      'Failed to put record onto stream s: BudgetExhausted backend request budget of this execution is spent (1 of 2 records; backend request or time budget of this execution spent before it was sent)',
      'Failed to put record onto stream s: InternalFailure broken (1 of 2 records; backend request or time budget of this execution spent after 1 attempt)',
    ]);
  });

  it('does not count tries that never left for want of credentials as attempts or retries', async () => {
    // STS throttled: the first try never leaves; the second is sent and delivered.
    const { api, sent } = scriptedApi((input, call) => (call === 1 ? new AwsCallError('Throttling', 'STS AssumeRole: Rate exceeded', 400, false) : allOk(input)));
    const { deps: d } = deps(api);
    expect(await deliverLines('s', L(['a', 'b']), d)).toMatchObject({ delivered: 2, retried: 0, putRecordsCalls: 1 });
    expect(sent).toHaveLength(2);

    // Never any credentials: three tries, none sent; the report says so instead of "after 3 attempts".
    const never = scriptedApi(() => new AwsCallError('Throttling', 'STS AssumeRole: Rate exceeded', 400, false));
    const { deps: d2, reports } = deps(never.api);
    expect(await deliverLines('s', L(['a']), d2)).toMatchObject({ failed: 1, retried: 0, putRecordsCalls: 0, failedByKind: { 'retries-exhausted': 1 } });
    expect(reports).toEqual(['Failed to put record onto stream s: Throttling STS AssumeRole: Rate exceeded (1 of 1 records; gave up after 3 tries, none sent)']);

    // Sent twice, then a try without credentials: two attempts, one retry, and the third named.
    const mixed = scriptedApi((_, call) => (call < 3 ? new AwsCallError('InternalFailure', 'broken', 500) : new AwsCallError('Throttling', 'STS AssumeRole: Rate exceeded', 400, false)));
    const { deps: d3, reports: reports3 } = deps(mixed.api);
    expect(await deliverLines('s', L(['a']), d3)).toMatchObject({ failed: 1, retried: 1, putRecordsCalls: 2 });
    expect(reports3).toEqual(['Failed to put record onto stream s: Throttling STS AssumeRole: Rate exceeded (1 of 1 records; gave up after 2 attempts, 1 more not sent)']);
  });

  it('does not sleep past the deadline', async () => {
    const { api, sent } = scriptedApi(() => new AwsCallError('InternalFailure', 'broken', 500));
    const { deps: d } = deps(api, { budget: { remaining: 10, msLeft: () => 400 } });
    await deliverLines('s', L(['a']), d);
    expect(sent).toHaveLength(1);
  });

  it('refreshes credentials once on an auth error and retries', async () => {
    let refreshes = 0;
    const { api, sent } = scriptedApi((input, call) => (call === 1 ? new AwsCallError('ExpiredTokenException', 'expired', 400) : allOk(input)));
    const { deps: d } = deps(api, { refreshCredentials: () => (refreshes++, true) });
    const outcome = await deliverLines('s', L(['a']), d);
    expect(refreshes).toBe(1);
    expect(sent).toHaveLength(2);
    expect(outcome.delivered).toBe(1);
  });

  it('tells the router about records that landed on another shard, with the call start time', async () => {
    const { api } = scriptedApi((input) => ({ FailedRecordCount: 0, Records: input.Records.map(() => ({ ShardId: 'shardId-9', SequenceNumber: '1' })) }));
    const { router, observed } = twoShardRouter();
    const { deps: d } = deps(api, { router });
    const outcome = await deliverLines('s', L(['a', 'b']), d);
    expect(observed).toEqual(['shardId-0→shardId-9@1000', 'shardId-1→shardId-9@1000']);
    expect(outcome.misrouted).toBe(2);
  });

  it('failDelivery reports lines that cannot be sent at all', async () => {
    const reports: string[] = [];
    const fallback: string[] = [];
    const limits = { maxAttempts: 3, maxRecordBytes: 1024 * 1024, maxRequestBytes: 5 * 1024 * 1024, oversize: 'truncate', retryWindowMs: 0 } as const;
    const outcome = failDelivery(await prepareDelivery('s', L(['a', 'b']), limits), { kind: 'not-retriable', errorCode: 'MissingCredentials', errorMessage: 'secret x: missing' }, {
      reportFailure: (l) => reports.push(l),
      fallback: (l) => fallback.push(l),
    });
    expect(reports).toEqual(['Failed to put record onto stream s: MissingCredentials secret x: missing (2 of 2 records; not retriable, never sent)']);
    expect(fallback).toEqual(['a', 'b']);
    expect(outcome).toMatchObject({ failed: 2, putRecordsCalls: 0 });
  });
});

describe('deliverLines: the retry window, ambiguous outcomes, keys Kinesis hashes', () => {
  const windowLimits = (retryWindowMs: number) => ({ maxAttempts: 3, maxRecordBytes: 1024 * 1024, maxRequestBytes: 5 * 1024 * 1024, oversize: 'truncate', retryWindowMs }) as const;

  it('past max_attempts, retries until the window ends, waits growing to 5 s, the last try at its end', async () => {
    const { api, sent } = scriptedApi(() => new AwsCallError('NetworkError', 'connection refused'));
    const { deps: d, sleeps, reports } = deps(api, { limits: windowLimits(30_000), random: () => 0.99 });
    const outcome = await deliverLines('s', L(['a']), d);
    expect(sent.length).toBeGreaterThan(3);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(5_000);
    expect(sleeps.slice(0, 6)).toEqual([99, 198, 396, 792, 1584, 3168]);
    // Waits add up to the window (less the few ms the fake clock counts per call), no more.
    const waited = sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(30_000);
    expect(waited).toBeGreaterThan(29_900);
    expect(outcome).toMatchObject({ delivered: 0, failed: 1, failedByKind: { 'retries-exhausted': 1 } });
    expect(reports).toEqual([`Failed to put record onto stream s: NetworkError connection refused (1 of 1 records; gave up after ${sent.length} attempts)`]);
  });

  it('delivers once the outage ends inside the window; without a window, max_attempts tries', async () => {
    const outage = (until: number) => scriptedApi((input, call) => (call < until ? new AwsCallError('ServiceUnavailable', 'down', 503) : allOk(input)));
    const within = outage(8);
    expect(await deliverLines('s', L(['a', 'b']), deps(within.api, { limits: windowLimits(30_000) }).deps)).toMatchObject({ delivered: 2, failed: 0 });
    expect(within.sent).toHaveLength(8);
    const without = outage(8);
    expect(await deliverLines('s', L(['a', 'b']), deps(without.api, { limits: windowLimits(0) }).deps)).toMatchObject({ delivered: 0, failed: 2 });
    expect(without.sent).toHaveLength(3);
  });

  it('retries an ambiguous outcome with the same target (hash key, shard, partition key), a throttled one elsewhere', async () => {
    const targets: { pk: string; ehk?: string }[][] = [];
    const api: KinesisApi = {
      describeStreamSummary: async () => ({}),
      async putRecords(input) {
        targets.push(input.Records.map((r) => ({ pk: r.PartitionKey, ehk: r.ExplicitHashKey })));
        if (targets.length === 1) throw new AwsCallError('Timeout', 'no answer within 10000 ms');
        return allOk(input);
      },
      listShards: () => Promise.reject(new Error('not used')),
    };
    const { deps: d } = deps(api);
    const outcome = await deliverLines('s', L(['a', 'b']), d);
    expect(targets[1]).toEqual(targets[0]);
    expect(outcome).toMatchObject({ delivered: 2, retried: 2, retriedAfterAmbiguous: 2 });
  });

  it('keeps the target of an ambiguous try for the next, and routes anew after a failure that stored nothing', async () => {
    // A router that never gives the same route twice: a kept target cannot come out of it by chance.
    let routes = 0;
    const router: ShardRouter = {
      async plan(count) {
        return Array.from({ length: count }, (): ShardRoute => {
          const n = routes++;
          return { explicitHashKey: String(n), shardId: `shardId-${n}`, mapListedAtMs: 0 };
        });
      },
      observe() {},
    };
    const calls: { pk: string; ehk?: string }[][] = [];
    const api: KinesisApi = {
      async putRecords(input) {
        calls.push(input.Records.map((r) => ({ pk: r.PartitionKey, ehk: r.ExplicitHashKey })));
        if (calls.length === 1) throw new AwsCallError('Timeout', 'no answer within 10000 ms');
        if (calls.length === 2) return { FailedRecordCount: 2, Records: input.Records.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'internal' })) };
        return allOk(input);
      },
      listShards: () => Promise.reject(new Error('not used')),
      describeStreamSummary: () => Promise.reject(new Error('not used')),
    };
    const outcome = await deliverLines('s', L(['a', 'b']), deps(api, { router }).deps);
    expect(calls).toEqual([
      [{ pk: 'request-0', ehk: '0' }, { pk: 'request-1', ehk: '1' }],
      [{ pk: 'request-0', ehk: '0' }, { pk: 'request-1', ehk: '1' }],
      [{ pk: 'request-0', ehk: '2' }, { pk: 'request-1', ehk: '3' }],
    ]);
    expect(outcome).toMatchObject({ delivered: 2, retried: 4, retriedAfterAmbiguous: 2, misrouted: 0 });
  });

  it('the last try of a window comes at its end, and none after it (a clock that stands still between waits)', async () => {
    let calls = 0;
    const api: KinesisApi = {
      async putRecords(input) {
        // Bounded, so that a window that never ends fails here instead of hanging.
        if (++calls > 20) return allOk(input);
        throw new AwsCallError('ServiceUnavailable', 'down', 503);
      },
      listShards: () => Promise.reject(new Error('not used')),
      describeStreamSummary: () => Promise.reject(new Error('not used')),
    };
    let clock = 5_000;
    const sleeps: number[] = [];
    const d = deps(api, { limits: windowLimits(1_000), random: () => 0.99, now: () => clock, sleep: async (ms) => void (sleeps.push(ms), (clock += ms)) }).deps;
    const outcome = await deliverLines('s', L(['a']), d);
    // 99 + 198 + 396 = 693 ms of backoff; the fourth wait is cut to the 307 ms left; the try at 6,000 is the last.
    expect(sleeps).toEqual([99, 198, 396, 307]);
    expect(clock).toBe(6_000);
    expect(calls).toBe(5);
    expect(outcome).toMatchObject({ delivered: 0, failed: 1, failedByKind: { 'retries-exhausted': 1 } });
  });

  it('sends records whose key Kinesis hashes without an ExplicitHashKey, and does not ask the router for them', async () => {
    const { api } = scriptedApi(allOk);
    const asked: number[] = [];
    const router: ShardRouter = {
      async plan(count) {
        asked.push(count);
        return Array.from({ length: count }, () => ({ explicitHashKey: '1', shardId: 'shardId-1' }));
      },
      observe() {},
    };
    const entries: { pk: string; ehk?: string }[] = [];
    const recording: KinesisApi = { ...api, putRecords: async (input) => (entries.push(...input.Records.map((r) => ({ pk: r.PartitionKey, ehk: r.ExplicitHashKey }))), api.putRecords(input)) };
    const lines: DeliveryLine[] = [
      { line: 'tenant line', partitionKey: 'tenant-7', hashedKey: true },
      { line: 'plain line', partitionKey: 'req-1', hashedKey: false },
    ];
    await deliverLines('s', lines, deps(recording, { router }).deps);
    expect(asked).toEqual([1]);
    expect(entries).toEqual([{ pk: 'tenant-7', ehk: undefined }, { pk: 'req-1', ehk: '1' }]);
  });
});

describe('deliverLines: shard-map refreshes leave the budget for PutRecords', () => {
  /**
   * One execution as delivery/streams.ts composes it: a RequestBudget that every call takes from
   * (as signed fetch does, failing unsent when none is left), ListShards paging 12 shards 4 per
   * page, PutRecords answering from the hash keys, and the stream's real router state.
   */
  function execution(requests: number, shared: StreamRouter, clock: FakeClock) {
    const budget = new RequestBudget(requests, clock.ms + 60_000, clock.now);
    const paging = new PagingListShards(() => equalShards(12), 4);
    const truth = buildShardMap(equalShards(12), 0);
    if (!truth.ok) throw new Error(truth.reason);
    const calls = { listShards: 0, putRecords: 0 };
    const take = () => {
      if (!budget.tryTake()) throw new AwsCallError('BudgetExhausted', 'backend request budget of this execution is spent', undefined, false);
    };
    const api: KinesisApi = {
      describeStreamSummary: async () => ({}),
      async listShards(input) {
        take();
        calls.listShards++;
        return paging.listShards(input);
      },
      async putRecords(input) {
        take();
        calls.putRecords++;
        return {
          FailedRecordCount: 0,
          Records: input.Records.map((r, i) => ({ ShardId: shardHolding(truth.map, BigInt(r.ExplicitHashKey ?? '0')), SequenceNumber: String(i) })),
        };
      },
    };
    const { deps: d, reports } = deps(api, { router: shared.routerFor(api), budget, now: clock.now });
    return { d, reports, calls, budget };
  }

  it('tells the router what a refresh may spend: the requests left less the calls the round needs', async () => {
    const seen: (number | undefined)[] = [];
    const router: ShardRouter = {
      async plan(count, _avoid, options) {
        seen.push(options?.refreshAllowance);
        return Array.from({ length: count }, () => ({ explicitHashKey: '0' }));
      },
      observe() {},
    };
    const { api } = scriptedApi(allOk);
    // 1,200 small records: three calls of at most 500.
    await deliverLines('s', L(Array.from({ length: 1200 }, (_, i) => `${i}`)), deps(api, { router, budget: { remaining: 10, msLeft: () => 60_000 } }).deps);
    expect(seen).toEqual([10 - 3]);
    await deliverLines('s', L(['x']), deps(api, { router }).deps);
    expect(seen).toEqual([7, undefined]);
  });

  function sharedMap(clock: FakeClock): StreamRouter {
    return createStreamRouter({
      scope: '123456789012/us-east-1/kinesis.us-east-1.amazonaws.com/s',
      streamName: 's',
      periodSeconds: 60,
      openKv: () => new FakeKvStore(clock.now),
      report: (problem) => {
        throw new Error(`unexpected shard-map report: ${problem}`);
      },
      now: clock.now,
      random: seededRandom(7),
    });
  }

  it('an expired map is not refreshed when its pages would take the PutRecords calls\' requests: the old map routes, the next execution lists', async () => {
    const clock = new FakeClock();
    const shared = sharedMap(clock);
    const first = execution(31, shared, clock);
    expect((await deliverLines('s', L(['a']), first.d)).delivered).toBe(1);
    expect(first.calls).toEqual({ listShards: 3, putRecords: 1 });
    const old = shared.stats().listedAtMs;

    clock.advance(60_000);
    // 3 requests left, one PutRecords call pending: a 3-page round would leave none for it.
    const tight = execution(3, shared, clock);
    const outcome = await deliverLines('s', L(['b', 'c']), tight.d);
    expect(outcome).toMatchObject({ delivered: 2, failed: 0, putRecordsCalls: 1, misrouted: 0 });
    expect(tight.calls).toEqual({ listShards: 0, putRecords: 1 });
    expect(tight.reports).toEqual([]);
    expect(shared.stats()).toMatchObject({ listedAtMs: old, refreshesDeferred: 1 });

    // 4 left: room for both.
    const roomy = execution(4, shared, clock);
    expect((await deliverLines('s', L(['d']), roomy.d)).delivered).toBe(1);
    expect(roomy.calls).toEqual({ listShards: 3, putRecords: 1 });
    expect(shared.stats().listedAtMs).toBe(clock.ms);
    expect(clock.ms).toBeGreaterThan(old!);
  });

  it('a cold instance stops listing before the last requests: its records still go, with random keys', async () => {
    const clock = new FakeClock();
    const shared = sharedMap(clock);
    const cold = execution(3, shared, clock);
    const outcome = await deliverLines('s', L(['a', 'b']), cold.d);
    expect(outcome).toMatchObject({ delivered: 2, failed: 0, putRecordsCalls: 1 });
    expect(cold.calls).toEqual({ listShards: 2, putRecords: 1 });
    expect(cold.budget.remaining).toBe(0);
  });
});

/** Where Kinesis puts a hash key: the open shard whose range holds it. */
function shardHolding(map: { shards: readonly { shardId: string; start: bigint; end: bigint }[] }, hashKey: bigint): string {
  const shard = map.shards.find((s) => s.start <= hashKey && hashKey <= s.end);
  if (!shard) throw new Error(`no shard holds ${hashKey}`);
  return shard.shardId;
}

describe('deliverLines: retry rounds within the budget, and what is not the api\'s contract', () => {
  /** A router that records what each plan was given. */
  function recordingRouter() {
    const plans: { count: number; refreshAllowance?: number; msLeft?: number }[] = [];
    const router: ShardRouter = {
      async plan(count, _avoid, options) {
        plans.push({ count, refreshAllowance: options?.refreshAllowance, msLeft: options?.msLeft?.() });
        return Array.from({ length: count }, () => ({ explicitHashKey: '0', shardId: 'shardId-0', mapListedAtMs: 0 }));
      },
      observe() {},
    };
    return { router, plans };
  }
  const failOnce = () => scriptedApi((input, call) => (call === 1 ? new AwsCallError('InternalFailure', 'broken', 500) : allOk(input)));

  it('starts a retry round while the budget has requests and more time than the wait plus 500 ms, not with exactly that', async () => {
    // random 0: the first backoff is 0 ms, so the round needs more than MIN_RETRY_WINDOW_MS (500) left.
    const room = failOnce();
    expect(await deliverLines('s', L(['a']), deps(room.api, { random: () => 0, budget: { remaining: 1, msLeft: () => 501 } }).deps)).toMatchObject({ delivered: 1 });
    expect(room.sent).toHaveLength(2);
    const edge = failOnce();
    expect(await deliverLines('s', L(['a']), deps(edge.api, { random: () => 0, budget: { remaining: 1, msLeft: () => 500 } }).deps)).toMatchObject({ failed: 1, failedByKind: { 'budget-exhausted': 1 } });
    expect(edge.sent).toHaveLength(1);
  });

  it('lets only the first round\'s routing spend requests on a map refresh, and tells every round the time left', async () => {
    const { router, plans } = recordingRouter();
    await deliverLines('s', L(['a']), deps(failOnce().api, { router, budget: { remaining: 9, msLeft: () => 42_000 } }).deps);
    expect(plans).toEqual([
      { count: 1, refreshAllowance: 9 - 1, msLeft: 42_000 },
      { count: 1, refreshAllowance: 0, msLeft: 42_000 },
    ]);
  });

  it('does not ask the router at all when Kinesis hashes every key', async () => {
    const { router, plans } = recordingRouter();
    const outcome = await deliverLines('s', [{ line: 'x', partitionKey: 'tenant-1', hashedKey: true }], deps(scriptedApi(allOk).api, { router }).deps);
    expect(outcome.delivered).toBe(1);
    expect(plans).toEqual([]);
  });

  it('an api that throws something other than its errors fails the records as InternalError, unretried, with the message', async () => {
    const api: KinesisApi = {
      putRecords: () => Promise.reject(new TypeError('boom')),
      listShards: () => Promise.reject(new Error('not used')),
      describeStreamSummary: () => Promise.reject(new Error('not used')),
    };
    const { deps: d, reports } = deps(api);
    expect(await deliverLines('s', L(['a', 'b']), d)).toMatchObject({ failed: 2, retried: 0, failedByCode: { InternalError: 2 }, failedByKind: { 'not-retriable': 2 } });
    expect(reports).toEqual(['Failed to put record onto stream s: InternalError boom (2 of 2 records; not retriable, 1 attempt)']);
  });

  it('an auth error without a way to refresh credentials fails the records as auth, and never throws', async () => {
    const { api, sent } = scriptedApi(() => new AwsCallError('ExpiredTokenException', 'expired', 400));
    const d = deps(api).deps;
    delete d.refreshCredentials;
    expect(await deliverLines('s', L(['a']), d)).toMatchObject({ failed: 1, failedByKind: { auth: 1 } });
    expect(sent).toHaveLength(1);
  });
});
