/**
 * ListShards paging and refresh failures against the paging stand-in (kinesalite neither pages
 * nor filters): a 2,500-shard stream, NextToken rules, and answers that must not replace a map.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { deliverLines } from '../../../src/delivery/pipeline.js';
import type { KinesisApi } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';
import { evenLayout, rangesLayout, startPagingKinesis, type PagingKinesis } from '../../support/paging-kinesis.js';
import { AtomicFakeKvStore, FakeClock } from '../../unit/shards/helpers.js';
import { countingApi, deliver, deliveryDeps, lines, SimulatedInstance } from './helpers.js';

const SPACE = 1n << 128n;
const PERIOD_MS = 60_000;
let server: PagingKinesis | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('ListShards paging', () => {
  it('a 2,500-shard stream: three pages, NextToken alone after the first, every shard used evenly', async () => {
    server = await startPagingKinesis('big', evenLayout(2500));
    const api = countingApi(server.url);
    const instance = new SimulatedInstance('big', new AtomicFakeKvStore(Date.now));
    for (let r = 0; r < 10; r++) expect((await deliver(instance, api, 'big', lines(`r${r}`, 500))).delivered).toBe(500);

    expect(server.listShardsCalls.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(server.listShardsCalls[0].body).toEqual({ StreamName: 'big', ShardFilter: { Type: 'AT_LATEST' }, MaxResults: 1000 });
    for (const call of server.listShardsCalls.slice(1)) expect(Object.keys(call.body)).toEqual(['NextToken']);
    expect(instance.shared.map!.shards).toHaveLength(2500);
    expect(server.recordsPerShard.size).toBe(2500);
    expect(new Set(server.recordsPerShard.values())).toEqual(new Set([2]));
  });

  it('the stand-in refuses NextToken with StreamName, as AWS does', async () => {
    server = await startPagingKinesis('big', evenLayout(1200));
    const api = countingApi(server.url);
    const first = await api.listShards({ StreamName: 'big', ShardFilter: { Type: 'AT_LATEST' }, MaxResults: 1000 });
    expect(first.Shards).toHaveLength(1000);
    const refused = await api.listShards({ StreamName: 'big', NextToken: first.NextToken }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AwsCallError);
    expect((refused as AwsCallError).errorCode).toBe('InvalidArgumentException');
    expect((await api.listShards({ NextToken: first.NextToken })).Shards).toHaveLength(200);
  });

  it('AT_LATEST leaves closed shards out; without it they are listed', async () => {
    const closed = evenLayout(1).map((s) => ({ ...s, SequenceNumberRange: { ...s.SequenceNumberRange, EndingSequenceNumber: '99' } }));
    server = await startPagingKinesis('s', rangesLayout([0n, SPACE / 3n], 1), closed);
    const api = countingApi(server.url);
    expect((await api.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_LATEST' } })).Shards).toHaveLength(2);
    expect((await api.listShards({ StreamName: 's' })).Shards).toHaveLength(3);
  });

  it('restarts a round whose NextToken expired', async () => {
    server = await startPagingKinesis('big', evenLayout(2100));
    server.expireNextTokens(1);
    const api = countingApi(server.url);
    const instance = new SimulatedInstance('big', undefined);
    await deliver(instance, api, 'big', lines('x', 10));
    expect(server.listShardsCalls.map((c) => c.status)).toEqual([200, 400, 200, 200, 200]);
    expect(instance.shared.map!.shards).toHaveLength(2100);
  });
});

describe('the execution budget: ListShards never takes the PutRecords calls\' requests', () => {
  /** The api of one execution whose every call takes from `budget`, as signed fetch does. */
  function budgeted(api: KinesisApi, budget: RequestBudget): KinesisApi {
    const take = () => {
      if (!budget.tryTake()) throw new AwsCallError('BudgetExhausted', 'backend request budget of this execution is spent', undefined, false);
    };
    return {
      putRecords: async (input) => {
        take();
        return api.putRecords(input);
      },
      listShards: async (input) => {
        take();
        return api.listShards(input);
      },
    };
  }

  it('a 2,500-shard stream (3 pages) with 3 requests left: the old map routes the call, the next execution with room lists', async () => {
    server = await startPagingKinesis('big', evenLayout(2500));
    const clock = new FakeClock(Date.now());
    const api = countingApi(server.url);
    const instance = new SimulatedInstance('big', new AtomicFakeKvStore(clock.now), { now: clock.now, periodMs: PERIOD_MS });
    await deliver(instance, api, 'big', lines('a', 10));
    const old = instance.shared.map!;
    expect(api.listShardsCalls).toBe(3);

    clock.advance(PERIOD_MS);
    const tight = new RequestBudget(3, Date.now() + 30_000);
    const execution = budgeted(api, tight);
    const outcome = await deliverLines('big', lines('b', 500), { ...deliveryDeps(execution, instance.routerFor(execution)), budget: tight });
    expect(outcome).toMatchObject({ delivered: 500, failed: 0, putRecordsCalls: 1 });
    expect(api.listShardsCalls).toBe(3);
    expect(instance.shared.map).toBe(old);
    expect(instance.shared.stats.refreshesDeferred).toBe(1);

    const roomy = new RequestBudget(31, Date.now() + 30_000);
    const next = budgeted(api, roomy);
    expect((await deliverLines('big', lines('c', 10), { ...deliveryDeps(next, instance.routerFor(next)), budget: roomy })).delivered).toBe(10);
    expect(api.listShardsCalls).toBe(6);
    expect(instance.shared.map).not.toBe(old);
    expect(roomy.spent).toBe(4);
  });
});

describe('refresh failures keep the previous map', () => {
  it.each([
    ['an error', { kind: 'error', status: 400, type: 'LimitExceededException', message: 'Rate exceeded for stream big' }],
    ['a server fault', { kind: 'error', status: 500, type: 'InternalFailure' }],
    ['a gap', { kind: 'gap' }],
    ['an overlap', { kind: 'overlap' }],
    ['an empty list', { kind: 'empty' }],
  ] as const)('ListShards answering %s: old map kept, records delivered, retried after backoff', async (_, mode) => {
    server = await startPagingKinesis('big', evenLayout(1500));
    const clock = new FakeClock(Date.now());
    const reports: string[] = [];
    const api = countingApi(server.url);
    const instance = new SimulatedInstance('big', new AtomicFakeKvStore(clock.now), { now: clock.now, periodMs: PERIOD_MS, report: (l) => reports.push(l) });
    await deliver(instance, api, 'big', lines('a', 10));
    const old = instance.shared.map!;
    expect(old.shards).toHaveLength(1500);

    clock.advance(PERIOD_MS);
    server.setMode(mode);
    const callsBefore = api.listShardsCalls;
    expect((await deliver(instance, api, 'big', lines('b', 1500))).delivered).toBe(1500);
    expect(api.listShardsCalls).toBeGreaterThan(callsBefore);
    expect(instance.shared.map).toBe(old);
    expect(instance.shared.state).toBe('invalid');
    expect(reports).toHaveLength(1);
    // Routed by the old map, which still matches the stream: every shard got one record.
    expect([...server.recordsPerShard.values()].filter((n) => n >= 1)).toHaveLength(1500);

    // Within the backoff nothing is listed; after it, a good answer replaces the map.
    const afterFailure = api.listShardsCalls;
    await deliver(instance, api, 'big', lines('c', 5));
    expect(api.listShardsCalls).toBe(afterFailure);
    server.setMode({ kind: 'ok' });
    server.setLayout(evenLayout(1600, 3000));
    clock.advance(1_000);
    await deliver(instance, api, 'big', lines('d', 5));
    expect(instance.shared.map!.shards).toHaveLength(1600);
    expect(instance.shared.state).toBe('ready');
  });

  it('no map at all and ListShards failing: random partition keys, nothing dropped', async () => {
    server = await startPagingKinesis('s', evenLayout(4));
    server.setMode({ kind: 'error', status: 400, type: 'AccessDeniedException', message: 'not authorized to perform: kinesis:ListShards' });
    const api = countingApi(server.url);
    const instance = new SimulatedInstance('s', new AtomicFakeKvStore(Date.now));
    expect((await deliver(instance, api, 's', lines('x', 400))).delivered).toBe(400);
    expect(instance.plans[0].every((t) => t.explicitHashKey === undefined && t.shardId === undefined)).toBe(true);
    expect(server.recordsPerShard.size).toBe(4);
  });
});
