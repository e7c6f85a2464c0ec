/**
 * Delivery (destinations.ts and the composer, streams.ts) over an in-memory Kinesis and STS: which
 * lines share a PutRecords call, the record ids and partition keys they carry, the per-stream state
 * it keeps for the instance's life and how it is keyed, the missing-credentials path, the
 * execution's plan across groups, AssumeRole shared, backed off and reported once per cause, the
 * stream's maximum record size read with its map, and lines for a Fastly log endpoint written
 * there without any request.
 */
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { keyAccount } from '../../../src/aws/identity.js';
import { loadServiceConfig } from '../../../src/config/load.js';
import { createDelivery, type DeliveryEnvironment, type EndpointLine, type LoggingExecution } from '../../../src/delivery/index.js';
import { configItems, FakeConfig, FakeKvStore, FakeSecrets } from '../../../src/testing/memory-stores.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';
import { FakeClock } from '../../support/fake-clock.js';

const ONE_SHARD = { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() };
const ROLE = 'arn:aws:iam::123456789012:role/logs';

interface Call {
  target: string;
  authorization: string;
  lines: string[];
  records: { PartitionKey: string; ExplicitHashKey?: string }[];
  body: string;
}

/** One instance's composer for `items`; Kinesis and STS answer in memory and every call is kept. */
function instance(
  items: Record<string, string>,
  secrets: Record<string, string>,
  options: { sts?: () => Response; clock?: FakeClock; streamSummary?: () => Response } = {},
) {
  const config = loadServiceConfig(new FakeConfig(configItems(items)));
  expect(config.errors.map((e) => e.message)).toEqual([]);
  const clock = options.clock ?? new FakeClock();
  const calls: Call[] = [];
  const errorLog: string[] = [];
  const once: string[] = [];
  const fallback: string[] = [];
  const written = new Map<string, string[]>();
  const kv = new FakeKvStore(clock.now);
  const env: DeliveryEnvironment = {
    async fetch(request) {
      const target = request.headers.get('x-amz-target')?.split('.')[1] ?? 'AssumeRole';
      const body = await request.text();
      const parsed = target === 'AssumeRole' ? {} : (JSON.parse(body) as { Records?: Call['records'] & { Data: string }[] });
      const records = (parsed as { Records?: (Call['records'][number] & { Data: string })[] }).Records ?? [];
      calls.push({ target, authorization: request.headers.get('authorization')!, lines: records.map((r) => atob(r.Data)), records, body });
      if (target === 'AssumeRole') return options.sts?.() ?? assumeRoleAnswer(clock.ms + 3_600_000, calls.length);
      if (target === 'DescribeStreamSummary') return options.streamSummary?.() ?? Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
      if (target === 'ListShards') return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: ONE_SHARD, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
      return Response.json({ FailedRecordCount: 0, Records: records.map((_, i) => ({ ShardId: 'shardId-000000000000', SequenceNumber: String(i) })) });
    },
    openSecrets: () => new FakeSecrets(secrets),
    secretStoreName: 'kinesis_logger_secrets',
    openKv: () => kv,
    logger: (name) => ({ log: (line) => (name === 'spill' ? fallback.push(line) : written.set(name, [...(written.get(name) ?? []), line])) }),
    errorLog: { log: (line) => errorLog.push(line) },
    reportOnce: (line) => {
      if (!once.includes(line)) once.push(line);
    },
    now: clock.now,
    random: seededRandom(1),
    sleep: async (ms) => clock.advance(ms),
  };
  const delivery = createDelivery(config.endpoints, env);
  const byName = new Map(config.endpoints.map((e) => [e.name, e]));
  const lines = (...pairs: ([string, string] | [string, string, string])[]): EndpointLine[] =>
    pairs.map(([name, line, partitionKey]) => ({ endpoint: byName.get(name)!, line, partitionKey }));
  let requests = 0;
  const execution = (budget = 31): LoggingExecution => ({ budget: new RequestBudget(budget, clock.ms + 60_000, clock.now), requestId: `req${++requests}`, linesNumbered: 0 });
  const puts = () => calls.filter((c) => c.target === 'PutRecords');
  return { delivery, lines, execution, calls, puts, errorLog, once, fallback, clock, kv, written };
}

function assumeRoleAnswer(expiresAtMs: number, n: number): Response {
  const iso = new Date(expiresAtMs).toISOString();
  return new Response(
    `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIATEMP${n}</AccessKeyId><SecretAccessKey>temp-secret</SecretAccessKey>` +
      `<SessionToken>token${n}</SessionToken><Expiration>${iso}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
  );
}

const accessDenied = () =>
  new Response('<ErrorResponse><Error><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>', { status: 403 });

const endpoint = (name: string, stream: string, extra: Record<string, string> = {}) => ({
  [`${name}.stream_name`]: stream,
  [`${name}.region`]: 'us-east-1',
  [`${name}.format`]: '%U',
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${name}.${k}`, v])),
});
const keys = (name: string, id: string) => ({ [`${name}.access_key_id`]: id, [`${name}.secret_access_key`]: `secret-of-${id}` });
const scope = (account: string, stream: string) => `${account}/us-east-1/kinesis.us-east-1.amazonaws.com/${stream}`;
const keyId = (authorization: string) => authorization.match(/Credential=(\w+)\//)![1];

describe('createStreamDelivery: calls, streams and record ids', () => {
  it('sends lines of endpoints on one stream signed by one key in one call, and apart otherwise', async () => {
    const { delivery, lines, execution, puts } = instance(
      { endpoints: 'a,b,c,d', ...endpoint('a', 'logs'), ...endpoint('b', 'logs'), ...endpoint('c', 'logs'), ...endpoint('d', 'other') },
      { ...keys('a', 'AKIDSHARED'), ...keys('b', 'AKIDSHARED'), ...keys('c', 'AKIDOWN'), ...keys('d', 'AKIDSHARED') },
    );
    await delivery.deliver(lines(['a', 'a1'], ['b', 'b1'], ['c', 'c1'], ['d', 'd1'], ['a', 'a2']), execution());
    const byKey = puts().map((c) => [keyId(c.authorization), c.lines.sort().join(',')]).sort();
    expect(byKey).toEqual([
      ['AKIDOWN', 'c1'],
      ['AKIDSHARED', 'a1,a2,b1'],
      ['AKIDSHARED', 'd1'],
    ]);
    const stats = delivery.stats();
    expect(stats.streams[scope(keyAccount('AKIDSHARED'), 'logs')]).toMatchObject({ endpoints: ['a', 'b'], delivery: { delivered: 3, putRecordsCalls: 1 } });
    expect(stats.streams[scope(keyAccount('AKIDOWN'), 'logs')]).toMatchObject({ endpoints: ['c'], delivery: { delivered: 1 } });
    expect(stats.streams[scope(keyAccount('AKIDSHARED'), 'other')]).toMatchObject({ endpoints: ['d'], delivery: { delivered: 1 } });
    expect(stats.endpoints.b).toMatchObject({ stream: scope(keyAccount('AKIDSHARED'), 'logs'), credentials: { source: 'secret_store', fetches: 1 } });
  });

  it('keys each stream by account, region, Kinesis host and name: one map per such stream, listed once across executions', async () => {
    const { delivery, lines, execution, calls, kv } = instance(
      {
        endpoints: 'a,b,c,d,e',
        ...endpoint('a', 'logs'),
        ...endpoint('b', 'logs'),
        ...endpoint('c', 'logs'), // same name, another account (its own key)
        ...endpoint('d', 'logs', { endpoint_url: 'https://kinesis-fips.us-east-1.amazonaws.com/' }), // same name and key, another host
        ...endpoint('e', 'logs', { iam_role: ROLE }), // the role's account
      },
      { ...keys('a', 'AKIDONE'), ...keys('b', 'AKIDONE'), ...keys('c', 'AKIDTWO'), ...keys('d', 'AKIDONE'), ...keys('e', 'AKIDBASE') },
    );
    await delivery.deliver(lines(['a', 'x'], ['b', 'y'], ['c', 'z'], ['d', 'w'], ['e', 'v']), execution());
    await delivery.deliver(lines(['b', 'again'], ['c', 'again']), execution());
    const expected = [
      scope(keyAccount('AKIDONE'), 'logs'),
      scope(keyAccount('AKIDTWO'), 'logs'),
      `${keyAccount('AKIDONE')}/us-east-1/kinesis-fips.us-east-1.amazonaws.com/logs`,
      scope('123456789012', 'logs'),
    ];
    expect(Object.keys(delivery.stats().streams).sort()).toEqual([...expected].sort());
    // The live counters (what fleet metrics read after every delivery) are the stats' own figures, not copies.
    const live = delivery.streamCounters().filter((c) => !c.scope.startsWith('endpoint '));
    expect(live.map((c) => c.scope).sort()).toEqual([...expected].sort());
    for (const counters of live) {
      const stats = delivery.stats().streams[counters.scope];
      expect(counters.delivery).toBe(stats.delivery);
      expect([counters.region, counters.name, counters.shardMap.listShardsRounds, counters.mapAgeMs()]).toEqual([stats.region, stats.name, stats.shardMap.listShardsRounds, stats.shardMap.mapAgeMs]);
    }
    expect(live.map((c) => c.delivery.delivered).reduce((a, b) => a + b)).toBe(7);
    expect(calls.filter((c) => c.target === 'ListShards')).toHaveLength(4);
    expect([...kv.entries.keys()].filter((k) => k.startsWith('shard-map/')).sort()).toEqual(expected.map((s) => `shard-map/${s}`).sort());
    // The key id is never written into KV in clear.
    expect([...kv.entries.keys()].join()).not.toMatch(/AKID/);
  });

  it('gives every line a record id as its PartitionKey: <request id>-<n>, distinct, kept by a retry; partition_key lines are hashed by their own key', async () => {
    const { delivery, lines, execution, puts } = instance(
      { endpoints: 'a,b,t', ...endpoint('a', 'logs'), ...endpoint('b', 'logs'), ...endpoint('t', 'logs', { partition_key: '%{req.http.X-Tenant}V' }) },
      { ...keys('a', 'AKID1'), ...keys('b', 'AKID1'), ...keys('t', 'AKID1') },
    );
    await delivery.deliver(lines(['a', 'one'], ['b', 'two'], ['t', 'three', 'tenant-42'], ['a', 'four'], ['t', 'five', '']), execution());
    await delivery.deliver(lines(['a', 'six']), execution());
    const records = puts().flatMap((c) => c.records.map((r, i) => ({ ...r, line: c.lines[i] })));
    const byLine = Object.fromEntries(records.map((r) => [r.line, r]));
    expect(byLine.one).toMatchObject({ PartitionKey: 'req1-0' });
    expect(byLine.two).toMatchObject({ PartitionKey: 'req1-1' });
    expect(byLine.four).toMatchObject({ PartitionKey: 'req1-3' });
    expect(byLine.six).toMatchObject({ PartitionKey: 'req2-0' });
    for (const line of ['one', 'two', 'four', 'six']) expect(byLine[line].ExplicitHashKey).toMatch(/^\d+$/);
    // partition_key: no ExplicitHashKey, Kinesis hashes the key; an empty rendering falls back to the record id.
    expect(byLine.three).toEqual({ PartitionKey: 'tenant-42', line: 'three', Data: expect.any(String) });
    expect(byLine.five).toMatchObject({ PartitionKey: 'req1-4' });
    expect(byLine.five.ExplicitHashKey).toMatch(/^\d+$/);
  });

  it('fails the lines of an endpoint whose secret is missing without a request, reports it once, counts them, and hands them to its fallback', async () => {
    const { delivery, lines, execution, puts, errorLog, fallback } = instance(
      { endpoints: 'ok,broken', ...endpoint('ok', 'logs'), ...endpoint('broken', 'logs', { fallback_log_endpoint: 'spill' }) },
      keys('ok', 'AKIDOK'),
    );
    for (let i = 0; i < 2; i++) await delivery.deliver(lines(['ok', `fine-${i}`], ['broken', `lost-${i}`]), execution());
    expect(puts().flatMap((c) => c.lines)).toEqual(['fine-0', 'fine-1']);
    expect(fallback).toEqual(['lost-0', 'lost-1']);
    expect(errorLog).toEqual([
      'Failed to put record onto stream logs: MissingCredentials secret broken.access_key_id: missing or empty in Secret Store "kinesis_logger_secrets" (endpoint broken); ' +
        'its lines are not sent until the secret exists, and are counted on the admin page',
    ]);
    const stats = delivery.stats();
    expect(stats.streams[scope(keyAccount('AKIDOK'), 'logs')].delivery).toMatchObject({ delivered: 2, failed: 0 });
    expect(stats.endpoints.broken).toMatchObject({ stream: undefined, unsigned: { attempted: 2, failed: 2, failedByCode: { MissingCredentials: 2 } } });
    // The live counters (fleet metrics) have them too, under the stream they were for.
    const unsigned = delivery.streamCounters().find((c) => c.scope === 'endpoint broken');
    expect(unsigned).toMatchObject({ region: 'us-east-1', name: 'logs', delivery: { deliveries: 2, failed: 2 }, shardMap: { listShardsRounds: 0 } });
    expect(unsigned?.delivery).toBe(stats.endpoints.broken.unsigned);
  });
});

describe('createStreamDelivery: the execution plan', () => {
  it('on a cold sandbox, every group\'s PutRecords goes out; map refreshes take only what is left after a retry reserve', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `e${i}`);
    const items = Object.assign({ endpoints: names.join(',') }, ...names.map((n) => endpoint(n, `stream-${n}`)));
    const { delivery, lines, execution, calls } = instance(items, Object.assign({}, ...names.map((n) => keys(n, 'AKIDCOLD'))));
    const first = execution(16);
    await delivery.deliver(lines(...names.map((n): [string, string] => [n, `line of ${n}`])), first);
    // 12 PutRecords, 2 kept for retries: 2 of the 12 streams are listed now, the others later;
    // maps come before the streams' record sizes (DescribeStreamSummary), for which none is left.
    expect(calls.filter((c) => c.target === 'PutRecords')).toHaveLength(12);
    expect(calls.filter((c) => c.target === 'ListShards')).toHaveLength(2);
    expect(calls.filter((c) => c.target === 'DescribeStreamSummary')).toHaveLength(0);
    expect(first.budget.spent).toBe(14);
    const streams = Object.values(delivery.stats().streams);
    expect(streams.reduce((n, s) => n + s.delivery.delivered, 0)).toBe(12);
    // A refresh put off for budget is deferred: no failure, no backoff, no report.
    expect(streams.filter((s) => s.shardMap.state === 'invalid').every((s) => s.shardMap.refreshesDeferred === 1 && s.shardMap.refreshFailures === 0)).toBe(true);

    const second = execution(16);
    await delivery.deliver(lines(...names.map((n): [string, string] => [n, `again ${n}`])), second);
    expect(calls.filter((c) => c.target === 'ListShards')).toHaveLength(4);
  });

  it('a group that does not fit at all is not sent: its lines fail as budget-exhausted and are reported', async () => {
    const { delivery, lines, execution, puts, errorLog, fallback } = instance(
      { endpoints: 'a,b', ...endpoint('a', 'one'), ...endpoint('b', 'two', { fallback_log_endpoint: 'spill' }) },
      { ...keys('a', 'AKID1'), ...keys('b', 'AKID1') },
    );
    await delivery.deliver(lines(['a', 'sent'], ['b', 'no room']), execution(1));
    expect(puts().flatMap((c) => c.lines)).toEqual(['sent']);
    expect(fallback).toEqual(['no room']);
    expect(errorLog).toEqual([
      'Failed to put record onto stream two: BudgetExhausted not sent: no backend request left for it in this execution (1 of 1 records; backend request or time budget of this execution spent before it was sent)',
    ]);
  });
});

describe('createStreamDelivery: one stream\'s map among several endpoints', () => {
  const listingsOf = (calls: Call[], stream: string) => calls.filter((c) => c.target === 'ListShards' && c.body.includes(`"${stream}"`)).length;

  it('trusts a stream\'s map for the shortest period of the endpoints writing to it, and no other stream\'s period', async () => {
    const { delivery, lines, execution, calls, clock } = instance(
      { endpoints: 'a,b,c', ...endpoint('a', 'logs'), ...endpoint('b', 'logs', { period: '120' }), ...endpoint('c', 'other', { period: '60' }) },
      { ...keys('a', 'AKIDONE'), ...keys('b', 'AKIDONE'), ...keys('c', 'AKIDONE') },
    );
    await delivery.deliver(lines(['a', 'x']), execution());
    expect(listingsOf(calls, 'logs')).toBe(1);
    clock.advance(61_000);
    await delivery.deliver(lines(['a', 'x']), execution());
    expect(listingsOf(calls, 'logs')).toBe(1);
    clock.advance(60_000);
    await delivery.deliver(lines(['a', 'x']), execution());
    expect(listingsOf(calls, 'logs')).toBe(2);
  });

  it('reports a shard-map problem once, naming the stream', async () => {
    const { delivery, lines, execution, once, kv } = instance({ endpoints: 'a', ...endpoint('a', 'logs') }, keys('a', 'AKIDONE'));
    // A damaged KV entry: the instance ignores it, lists, and says so.
    await kv.put(`shard-map/${scope(keyAccount('AKIDONE'), 'logs')}`, 'not a shard map');
    await delivery.deliver(lines(['a', 'x']), execution());
    const mapLines = once.filter((l) => l.includes('shard map'));
    expect(mapLines).toHaveLength(1);
    expect(mapLines[0].startsWith(`compute-kinesis-logger: stream ${scope(keyAccount('AKIDONE'), 'logs')}: shard map: `)).toBe(true);
  });
});

describe('createStreamDelivery: what an execution gives back', () => {
  it('returns every reserved request it did not spend to the free pool, for the rest of the execution', async () => {
    const { delivery, lines, execution } = instance({ endpoints: 'a,b', ...endpoint('a', 'logs'), ...endpoint('b', 'other') }, { ...keys('a', 'AKIDONE'), ...keys('b', 'AKIDTWO') });
    const ex = execution(20);
    await delivery.deliver(lines(['a', 'x'], ['b', 'y']), ex);
    // Two maps listed (ListShards and DescribeStreamSummary each) and two PutRecords calls; nothing is left held by a reservation.
    expect(ex.budget.spent).toBe(6);
    expect(ex.budget.remaining).toBe(20 - 6);
  });

  it('gives back the page it had reserved for a listing when the map came from KV instead', async () => {
    const items = { endpoints: 'a', ...endpoint('a', 'logs') };
    const first = instance(items, keys('a', 'AKIDONE'));
    await first.delivery.deliver(first.lines(['a', 'x']), first.execution());
    // Another instance of the fleet, whose KV already holds the map the first one listed.
    const second = instance(items, keys('a', 'AKIDONE'));
    for (const [key, value] of first.kv.entries) second.kv.entries.set(key, value);
    const ex = second.execution(20);
    await second.delivery.deliver(second.lines(['a', 'y']), ex);
    expect(second.calls.map((c) => c.target)).toEqual(['PutRecords']);
    expect(ex.budget.remaining).toBe(20 - 1);
  });

  it('gives back what it had reserved for a group whose credentials could not be had', async () => {
    const { delivery, lines, execution } = instance(
      { endpoints: 'a,b', ...endpoint('a', 'logs'), ...endpoint('b', 'other', { iam_role: ROLE }) },
      { ...keys('a', 'AKIDONE'), ...keys('b', 'AKIDBASE') },
      { sts: accessDenied },
    );
    const ex = execution(20);
    await delivery.deliver(lines(['a', 'x'], ['b', 'y']), ex);
    // a: ListShards, DescribeStreamSummary and PutRecords; b: the refused AssumeRole only.
    expect(ex.budget.spent).toBe(4);
    expect(ex.budget.remaining).toBe(20 - 4);
  });

  it('names every endpoint a refused AssumeRole stops, also two that share a stream and a call', async () => {
    const { delivery, lines, execution, errorLog } = instance(
      { endpoints: 'a,b', ...endpoint('a', 'one', { iam_role: ROLE }), ...endpoint('b', 'one', { iam_role: ROLE }) },
      { ...keys('a', 'AKIDBASE'), ...keys('b', 'AKIDBASE') },
      { sts: accessDenied },
    );
    await delivery.deliver(lines(['a', 'a1'], ['b', 'b1']), execution());
    expect(errorLog).toEqual([expect.stringContaining('(endpoints a, b; AssumeRole of arn:aws:iam::123456789012:role/logs)')]);
  });
});

describe('createStreamDelivery: AssumeRole', () => {
  it('shares one AssumeRole among endpoints with the same role and base key, and one call among their streams', async () => {
    const { delivery, lines, execution, calls } = instance(
      { endpoints: 'a,b,c', ...endpoint('a', 'one', { iam_role: ROLE }), ...endpoint('b', 'two', { iam_role: ROLE }), ...endpoint('c', 'one', { iam_role: ROLE }) },
      { ...keys('a', 'AKIDBASE'), ...keys('b', 'AKIDBASE'), ...keys('c', 'AKIDBASE') },
    );
    await delivery.deliver(lines(['a', 'a1'], ['b', 'b1'], ['c', 'c1']), execution());
    expect(calls.filter((c) => c.target === 'AssumeRole')).toHaveLength(1);
    const puts = calls.filter((c) => c.target === 'PutRecords');
    expect(puts.map((c) => [keyId(c.authorization), c.lines.sort().join(',')]).sort()).toEqual([
      ['ASIATEMP1', 'a1,c1'],
      ['ASIATEMP1', 'b1'],
    ]);
    expect(delivery.stats().endpoints.b.credentials).toMatchObject({ source: 'sts_assume_role', fetches: 1 });
  });

  it('a refused AssumeRole: at most one call per execution, backed off 1 s ×1.5, one report per cause, every line counted and handed on', async () => {
    let answer = accessDenied;
    const { delivery, lines, execution, calls, errorLog, fallback, clock } = instance(
      { endpoints: 'a,b', ...endpoint('a', 'one', { iam_role: ROLE, fallback_log_endpoint: 'spill' }), ...endpoint('b', 'two', { iam_role: ROLE, fallback_log_endpoint: 'spill' }) },
      { ...keys('a', 'AKIDBASE'), ...keys('b', 'AKIDBASE') },
      { sts: () => answer() },
    );
    const stsCalls = () => calls.filter((c) => c.target === 'AssumeRole').length;
    await delivery.deliver(lines(['a', 'a1'], ['b', 'b1']), execution());
    expect(stsCalls()).toBe(1);
    expect(calls.filter((c) => c.target !== 'AssumeRole')).toEqual([]);
    // Within the backoff: no call at all.
    clock.advance(999);
    await delivery.deliver(lines(['a', 'a2']), execution());
    expect(stsCalls()).toBe(1);
    // After it: one call; the next backoff is 1.5 s.
    clock.advance(1);
    await delivery.deliver(lines(['a', 'a3']), execution());
    expect(stsCalls()).toBe(2);
    clock.advance(1_499);
    await delivery.deliver(lines(['b', 'b2']), execution());
    expect(stsCalls()).toBe(2);
    expect(errorLog).toEqual([
      expect.stringMatching(/^Failed to put record onto stream one: AccessDenied STS AssumeRole: User is not authorized to perform: sts:AssumeRole \(endpoints a, b; AssumeRole of arn:aws:iam::123456789012:role\/logs\); their lines are not sent while it fails/),
    ]);
    expect(fallback).toEqual(['a1', 'b1', 'a2', 'a3', 'b2']);
    const streams = delivery.stats().streams;
    expect(streams[scope('123456789012', 'one')].delivery).toMatchObject({ attempted: 3, failed: 3, failedByCode: { AccessDenied: 3 } });
    expect(streams[scope('123456789012', 'two')].delivery).toMatchObject({ attempted: 2, failed: 2 });

    // It works again: delivered; a later failure is a new episode, reported again.
    answer = () => assumeRoleAnswer(clock.ms + 3_600_000, 99);
    clock.advance(2_000);
    await delivery.deliver(lines(['a', 'a4']), execution());
    expect(calls.filter((c) => c.target === 'PutRecords').flatMap((c) => c.lines)).toEqual(['a4']);
  });

  it('writes the lines of a log_endpoint destination to that Fastly log endpoint, with no backend request, bounded by max_record_bytes', async () => {
    const { delivery, lines, execution, calls, written, once } = instance(
      {
        endpoints: 'direct,datadog,small',
        ...endpoint('direct', 'logs'),
        'datadog.destination': 'log_endpoint',
        'datadog.log_endpoint': 'my-datadog',
        'datadog.format': '%U',
        'small.destination': 'log_endpoint',
        'small.log_endpoint': 'tiny',
        'small.max_record_bytes': '1024',
        'small.oversize': 'drop',
      },
      keys('direct', 'AKIDDIRECT'),
    );
    const first = execution();
    await delivery.deliver(lines(['datadog', 'd1'], ['datadog', 'd2'], ['small', 'x'.repeat(2000)], ['small', 'fits']), first);
    expect(calls).toEqual([]);
    expect(first.budget.spent).toBe(0);
    expect(Object.fromEntries(written)).toEqual({ 'my-datadog': ['d1', 'd2'], tiny: ['fits'] });
    expect(once).toEqual([expect.stringContaining('small: a line over max_record_bytes (1024) was dropped (oversize=drop)')]);
    expect(delivery.stats().logEndpoints).toEqual({
      datadog: { logEndpoint: 'my-datadog', written: 2, failedWrites: 0, truncated: 0, droppedOversize: 0 },
      small: { logEndpoint: 'tiny', written: 1, failedWrites: 0, truncated: 0, droppedOversize: 1 },
    });
    // The Kinesis endpoint beside them is unaffected: its lines still go out signed.
    await delivery.deliver(lines(['direct', 'k1'], ['datadog', 'd3']), execution());
    expect(calls.filter((c) => c.target === 'PutRecords').flatMap((c) => c.lines)).toEqual(['k1']);
    expect(written.get('my-datadog')).toEqual(['d1', 'd2', 'd3']);
  });
});

describe("createStreamDelivery: the stream's maximum record size", () => {
  const MIB = 1024 * 1024;
  const raised = () => Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', MaxRecordSizeInKiB: 10240 } });
  const denied = () =>
    Response.json(
      { __type: 'AccessDeniedException', message: 'User is not authorized to perform: kinesis:DescribeStreamSummary on resource logs' },
      { status: 400, headers: { 'x-amzn-ErrorType': 'AccessDeniedException' } },
    );

  it('a stream raised to 10 MiB takes a 3 MiB line whole once its map says so; lines render within it', async () => {
    const { delivery, lines, execution, puts, calls, once } = instance({ endpoints: 'main', ...endpoint('main', 'logs') }, keys('main', 'AKIDBIG'), { streamSummary: raised });
    const big = 'x'.repeat(3 * MIB);
    const main = lines(['main', ''])[0].endpoint;
    expect(delivery.maxRecordBytes(main)).toBe(MIB);
    // The first delivery of a cold sandbox prepares with 1 MiB: the line is truncated to fit.
    await delivery.deliver(lines(['main', big]), execution());
    expect(puts()[0].lines[0].length).toBeLessThan(MIB);
    expect(calls.filter((c) => c.target === 'DescribeStreamSummary')).toHaveLength(1);
    expect(delivery.maxRecordBytes(main)).toBe(10 * MIB);
    await delivery.deliver(lines(['main', big], ['main', 'small']), execution());
    expect(puts()[1].lines).toEqual([big, 'small']);
    expect(delivery.stats().streams[scope(keyAccount('AKIDBIG'), 'logs')].shardMap.maxRecordBytes).toBe(10 * MIB);
    expect(once).toEqual([]);
  });

  it('max_record_bytes above the stream\'s maximum: cut to the stream\'s, said once', async () => {
    const { delivery, lines, execution, puts, once } = instance(
      { endpoints: 'main', ...endpoint('main', 'logs', { max_record_bytes: String(4 * MIB), max_request_bytes: String(4 * MIB) }) },
      keys('main', 'AKIDSET'),
    );
    const line = 'y'.repeat(2 * MIB);
    await delivery.deliver(lines(['main', line]), execution());
    expect(puts()[0].lines).toEqual([line]); // believed while the stream's maximum is not known
    await delivery.deliver(lines(['main', line]), execution());
    await delivery.deliver(lines(['main', line]), execution());
    expect(puts()[1].lines[0].length).toBeLessThan(MIB);
    expect(once).toEqual([
      `compute-kinesis-logger: main: max_record_bytes (${4 * MIB}) is larger than stream ${scope(keyAccount('AKIDSET'), 'logs')}'s maximum record size (${MIB}); records are limited to the stream's`,
    ]);
  });

  it('DescribeStreamSummary denied: lines go at 1 MiB, reported once, not asked again', async () => {
    const clock = new FakeClock();
    const { delivery, lines, execution, puts, calls, once } = instance(
      { endpoints: 'main', ...endpoint('main', 'logs', { period: '60' }) },
      keys('main', 'AKIDNOPE'),
      { streamSummary: denied, clock },
    );
    await delivery.deliver(lines(['main', 'first']), execution());
    clock.advance(61_000);
    await delivery.deliver(lines(['main', 'z'.repeat(2 * MIB)]), execution());
    expect(puts().map((c) => c.lines.length)).toEqual([1, 1]);
    expect(puts()[1].lines[0].length).toBeLessThan(MIB);
    expect(calls.filter((c) => c.target === 'ListShards')).toHaveLength(2);
    expect(calls.filter((c) => c.target === 'DescribeStreamSummary')).toHaveLength(1);
    expect(once).toEqual([expect.stringMatching(/: shard map: DescribeStreamSummary was denied \(AccessDeniedException\).*Allow kinesis:DescribeStreamSummary/)]);
  });
});
