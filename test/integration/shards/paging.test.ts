/**
 * ListShards paging and refresh failures against the paging stand-in (kinesalite neither pages
 * nor filters): a 2,500-shard stream, NextToken rules, and answers that must not replace a map.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedFetch } from '../../../src/aws/signed-fetch.js';
import { createKinesisApi } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';
import { evenLayout, rangesLayout, startPagingKinesis, type PagingKinesis } from '../../support/paging-kinesis.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { FakeClock } from '../../support/fake-clock.js';
import { fleetOf, lines } from '../../support/fleet.js';

const SPACE = 1n << 128n;
const PERIOD_MS = 60_000;
let server: PagingKinesis | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The stand-in's own api, unsigned (it checks only that an Authorization header is well formed). */
function standInApi(url: string) {
  const unsigned: SignedFetch = async (target, init) => {
    const response = await fetch(target, {
      method: init.method,
      headers: { ...init.headers, Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000', 'X-Amz-Date': '20150830T123600Z' },
      body: init.body,
    });
    return { status: response.status, ok: response.ok, headers: response.headers, text: await response.text() };
  };
  return createKinesisApi(url, unsigned);
}

describe('ListShards paging', () => {
  it('a 2,500-shard stream: three pages, NextToken alone after the first, every shard used evenly', async () => {
    server = await startPagingKinesis('big', evenLayout(2500));
    const [instance] = fleetOf(1, server.url, 'big', { kv: new FakeKvStore(Date.now) });
    for (let r = 0; r < 10; r++) expect((await instance.deliver(lines(`r${r}`, 500))).outcome.delivered).toBe(500);

    expect(server.listShardsCalls.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(server.listShardsCalls[0].body).toEqual({ StreamName: 'big', ShardFilter: { Type: 'AT_LATEST' }, MaxResults: 1000 });
    for (const call of server.listShardsCalls.slice(1)) expect(Object.keys(call.body)).toEqual(['NextToken']);
    expect(instance.streamStats().shardMap.shards).toBe(2500);
    expect(server.recordsPerShard.size).toBe(2500);
    expect(new Set(server.recordsPerShard.values())).toEqual(new Set([2]));
  });

  it('the stand-in refuses NextToken with StreamName, as AWS does', async () => {
    server = await startPagingKinesis('big', evenLayout(1200));
    const api = standInApi(server.url);
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
    const api = standInApi(server.url);
    expect((await api.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_LATEST' } })).Shards).toHaveLength(2);
    expect((await api.listShards({ StreamName: 's' })).Shards).toHaveLength(3);
  });

  it('restarts a round whose NextToken expired', async () => {
    server = await startPagingKinesis('big', evenLayout(2100));
    server.expireNextTokens(1);
    const [instance] = fleetOf(1, server.url, 'big', { kv: null });
    await instance.deliver(lines('x', 10));
    expect(server.listShardsCalls.map((c) => c.status)).toEqual([200, 400, 200, 200, 200]);
    expect(instance.streamStats().shardMap.shards).toBe(2100);
  });
});

describe('the execution budget: ListShards never takes the PutRecords calls\' requests', () => {
  it('a 2,500-shard stream (3 pages) with 3 requests left: the old map routes the call, the next execution with room lists', async () => {
    server = await startPagingKinesis('big', evenLayout(2500));
    const clock = new FakeClock(Date.now());
    const [instance] = fleetOf(1, server.url, 'big', { kv: new FakeKvStore(clock.now), now: clock.now, fields: { period: String(PERIOD_MS / 1000) } });
    const listShardsCalls = () => server!.listShardsCalls.length;
    await instance.deliver(lines('a', 10));
    const old = instance.streamStats().shardMap.listedAtMs;
    expect(listShardsCalls()).toBe(3);

    clock.advance(PERIOD_MS);
    const tight = await instance.deliver(lines('b', 500), { budgetRequests: 3 });
    expect(tight.outcome).toMatchObject({ delivered: 500, failed: 0, putRecordsCalls: 1 });
    expect(listShardsCalls()).toBe(3);
    expect(instance.streamStats().shardMap).toMatchObject({ listedAtMs: old, refreshesDeferred: 1 });

    const roomy = await instance.deliver(lines('c', 10));
    expect(roomy.outcome.delivered).toBe(10);
    expect(listShardsCalls()).toBe(6);
    expect(instance.streamStats().shardMap.listedAtMs).toBeGreaterThan(old!);
    expect(roomy.budget.spent).toBe(4);
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
    const [instance] = fleetOf(1, server.url, 'big', { kv: new FakeKvStore(clock.now), now: clock.now, fields: { period: String(PERIOD_MS / 1000) } });
    const listShardsCalls = () => server!.listShardsCalls.length;
    await instance.deliver(lines('a', 10));
    const old = instance.streamStats().shardMap;
    expect(old.shards).toBe(1500);

    clock.advance(PERIOD_MS);
    server.setMode(mode);
    const callsBefore = listShardsCalls();
    const failing = await instance.deliver(lines('b', 1500));
    expect(failing.outcome.delivered).toBe(1500);
    expect(listShardsCalls()).toBeGreaterThan(callsBefore);
    expect(instance.streamStats().shardMap).toMatchObject({ listedAtMs: old.listedAtMs, shards: 1500, state: 'invalid', refreshFailures: 1 });
    expect(failing.notices).toHaveLength(1);
    // Routed by the old map, which still matches the stream: every shard got one record.
    expect([...server.recordsPerShard.values()].filter((n) => n >= 1)).toHaveLength(1500);

    // Within the backoff nothing is listed; after it, a good answer replaces the map.
    const afterFailure = listShardsCalls();
    await instance.deliver(lines('c', 5));
    expect(listShardsCalls()).toBe(afterFailure);
    server.setMode({ kind: 'ok' });
    server.setLayout(evenLayout(1600, 3000));
    clock.advance(1_000);
    await instance.deliver(lines('d', 5));
    expect(instance.streamStats().shardMap).toMatchObject({ shards: 1600, state: 'ready' });
  });

  it('no map at all and ListShards failing: random hash keys, record ids kept, nothing dropped', async () => {
    server = await startPagingKinesis('s', evenLayout(4));
    server.setMode({ kind: 'error', status: 400, type: 'AccessDeniedException', message: 'not authorized to perform: kinesis:ListShards' });
    const [instance] = fleetOf(1, server.url, 's');
    const result = await instance.deliver(lines('x', 400), { requestId: 'no-map' });
    expect(result.outcome.delivered).toBe(400);
    const entries = result.putRecordsRequests.flat();
    expect(entries.map((entry) => entry.PartitionKey)).toEqual(Array.from({ length: 400 }, (_, i) => `no-map-${i}`));
    expect(entries.every((entry) => /^\d+$/.test(entry.ExplicitHashKey ?? ''))).toBe(true);
    expect(server.recordsPerShard.size).toBe(4);
  });
});
