/**
 * Delivery (destinations.ts and the composer, streams.ts) over an in-memory Kinesis: which lines
 * share a PutRecords call, the missing-credentials path, the per-stream state it keeps for the
 * instance's life, and lines for a Fastly log endpoint written there without any request.
 */
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { loadServiceConfig } from '../../../src/config/load.js';
import { createDelivery, type DeliveryEnvironment, type EndpointLine } from '../../../src/delivery/index.js';
import { configItems, FakeConfig, FakeKvStore, FakeSecrets } from '../../../src/testing/memory-stores.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

const ONE_SHARD = { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() };

/** One instance's composer for `items`; Kinesis answers in memory and every call is kept. */
function instance(items: Record<string, string>, secrets: Record<string, string>) {
  const config = loadServiceConfig(new FakeConfig(configItems(items)));
  expect(config.errors.map((e) => e.message)).toEqual([]);
  const calls: { target: string; authorization: string; lines: string[] }[] = [];
  const errorLog: string[] = [];
  const once: string[] = [];
  const fallback: string[] = [];
  const written = new Map<string, string[]>();
  const env: DeliveryEnvironment = {
    async fetch(request) {
      const target = request.headers.get('x-amz-target')!.split('.')[1];
      const body = (await request.json()) as { Records?: { Data: string }[] };
      calls.push({ target, authorization: request.headers.get('authorization')!, lines: (body.Records ?? []).map((r) => atob(r.Data)) });
      if (target === 'ListShards') return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: ONE_SHARD, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
      return Response.json({ FailedRecordCount: 0, Records: body.Records!.map((_, i) => ({ ShardId: 'shardId-000000000000', SequenceNumber: String(i) })) });
    },
    openSecrets: () => new FakeSecrets(secrets),
    secretStoreName: 'kinesis_logger_secrets',
    openKv: () => new FakeKvStore(),
    logger: (name) => ({ log: (line) => (name === 'spill' ? fallback.push(line) : written.set(name, [...(written.get(name) ?? []), line])) }),
    errorLog: { log: (line) => errorLog.push(line) },
    reportOnce: (line) => {
      if (!once.includes(line)) once.push(line);
    },
    now: Date.now,
    random: seededRandom(1),
    sleep: async () => {},
  };
  const delivery = createDelivery(config.endpoints, env);
  const byName = new Map(config.endpoints.map((e) => [e.name, e]));
  const lines = (...pairs: [string, string][]): EndpointLine[] => pairs.map(([name, line]) => ({ endpoint: byName.get(name)!, line }));
  const execution = () => new RequestBudget(31, Date.now() + 60_000);
  return { delivery, lines, execution, calls, errorLog, once, fallback, written };
}

const endpoint = (name: string, stream: string, extra: Record<string, string> = {}) => ({
  [`${name}.stream_name`]: stream,
  [`${name}.region`]: 'us-east-1',
  [`${name}.format`]: '%U',
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${name}.${k}`, v])),
});
const keys = (name: string, id: string) => ({ [`${name}.access_key_id`]: id, [`${name}.secret_access_key`]: `secret-of-${id}` });

describe('createStreamDelivery', () => {
  it('sends lines of endpoints on one stream signed by one key in one call, and apart otherwise', async () => {
    const { delivery, lines, execution, calls } = instance(
      { endpoints: 'a,b,c,d', ...endpoint('a', 'logs'), ...endpoint('b', 'logs'), ...endpoint('c', 'logs'), ...endpoint('d', 'other') },
      { ...keys('a', 'AKIDSHARED'), ...keys('b', 'AKIDSHARED'), ...keys('c', 'AKIDOWN'), ...keys('d', 'AKIDSHARED') },
    );
    await delivery.deliver(lines(['a', 'a1'], ['b', 'b1'], ['c', 'c1'], ['d', 'd1'], ['a', 'a2']), execution());
    const puts = calls.filter((c) => c.target === 'PutRecords');
    const byKey = puts.map((c) => [c.authorization.match(/Credential=(\w+)\//)![1], c.lines.sort().join(',')]).sort();
    expect(byKey).toEqual([
      ['AKIDOWN', 'c1'],
      ['AKIDSHARED', 'a1,a2,b1'],
      ['AKIDSHARED', 'd1'],
    ]);
    const stats = delivery.stats();
    expect(stats.streams['us-east-1/logs']).toMatchObject({ endpoints: ['a', 'b', 'c'], delivery: { delivered: 4, putRecordsCalls: 2 } });
    expect(stats.streams['us-east-1/other']).toMatchObject({ endpoints: ['d'], delivery: { delivered: 1 } });
    expect(stats.endpoints.b).toMatchObject({ stream: 'us-east-1/logs', credentials: { source: 'secret_store', fetches: 1 } });
  });

  it('keeps one shard map per stream for the instance: endpoints of a stream list it once, across executions', async () => {
    const { delivery, lines, execution, calls } = instance({ endpoints: 'a,b', ...endpoint('a', 'logs'), ...endpoint('b', 'logs') }, { ...keys('a', 'AKIDA'), ...keys('b', 'AKIDB') });
    await delivery.deliver(lines(['a', 'x'], ['b', 'y']), execution());
    await delivery.deliver(lines(['b', 'z']), execution());
    expect(calls.filter((c) => c.target === 'ListShards')).toHaveLength(1);
    expect(delivery.stats().streams['us-east-1/logs'].shardMap).toMatchObject({ state: 'ready', shards: 1, listShardsCalls: 1 });
  });

  it('fails the lines of an endpoint whose secret is missing without a request, reports it once, and hands them to its fallback', async () => {
    const { delivery, lines, execution, calls, errorLog, once, fallback } = instance(
      { endpoints: 'ok,broken', ...endpoint('ok', 'logs'), ...endpoint('broken', 'logs', { fallback_log_endpoint: 'spill' }) },
      keys('ok', 'AKIDOK'),
    );
    for (let i = 0; i < 2; i++) await delivery.deliver(lines(['ok', `fine-${i}`], ['broken', `lost-${i}`]), execution());
    expect(calls.filter((c) => c.target === 'PutRecords').flatMap((c) => c.lines)).toEqual(['fine-0', 'fine-1']);
    expect(fallback).toEqual(['lost-0', 'lost-1']);
    expect(errorLog).toEqual([]);
    expect(once).toEqual([
      'Failed to put record onto stream logs: MissingCredentials secret broken.access_key_id: missing or empty in the secret store (endpoint broken); ' +
        'its lines are not sent until the secret exists, and are counted on the admin page',
    ]);
    expect(delivery.stats().streams['us-east-1/logs'].delivery).toMatchObject({ delivered: 2, failed: 2, failedByCode: { MissingCredentials: 2 } });
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
    const budget = execution();
    await delivery.deliver(lines(['datadog', 'd1'], ['datadog', 'd2'], ['small', 'x'.repeat(2000)], ['small', 'fits']), budget);
    expect(calls).toEqual([]);
    expect(budget.spent).toBe(0);
    expect(Object.fromEntries(written)).toEqual({ 'my-datadog': ['d1', 'd2'], tiny: ['fits'] });
    expect(once).toEqual([expect.stringContaining('small: a line over max_record_bytes (1024) was dropped (oversize=drop)')]);
    expect(delivery.stats().logEndpoints).toEqual({
      datadog: { logEndpoint: 'my-datadog', written: 2, truncated: 0, droppedOversize: 0 },
      small: { logEndpoint: 'tiny', written: 1, truncated: 0, droppedOversize: 1 },
    });
    // The Kinesis endpoint beside them is unaffected: its lines still go out signed.
    await delivery.deliver(lines(['direct', 'k1'], ['datadog', 'd3']), execution());
    expect(calls.filter((c) => c.target === 'PutRecords').flatMap((c) => c.lines)).toEqual(['k1']);
    expect(written.get('my-datadog')).toEqual(['d1', 'd2', 'd3']);
  });
});
