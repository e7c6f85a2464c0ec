/**
 * A backend the service does not define (the runtime refuses the fetch: `Requested backend named
 * '…' does not exist`): a permanent configuration error. The call fails at once — no retry for the
 * retry window, no attempt counted as reaching Kinesis — its lines go to the fallback, and the
 * cause is reported once, with what to fix, until a delivery gets through again. Through the
 * composer (streams.ts) and signed fetch, with the runtime's refusal as js-compute words it.
 */
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { BackendNotDefinedError, createSignedFetch } from '../../../src/aws/index.js';
import { loadServiceConfig } from '../../../src/config/load.js';
import { createDelivery, type DeliveryEnvironment, type LoggingExecution } from '../../../src/delivery/index.js';
import { configItems, FakeConfig, FakeKvStore, FakeSecrets } from '../../../src/testing/memory-stores.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';
import { FakeClock } from '../../support/fake-clock.js';

const ONE_SHARD = { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() };

/** What js-compute 3.46 throws, in Viceroy 0.20.1 and on Compute, for a fetch to an undefined backend. */
const refusal = (name: string) => new TypeError(`Requested backend named '${name}' does not exist`);

function instance(fields: Record<string, string>) {
  const config = loadServiceConfig(new FakeConfig(configItems({ endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'us-east-1', 'main.format': '%U', ...fields })));
  expect(config.errors).toEqual([]);
  const clock = new FakeClock();
  const defined = new Set(['kinesis', 'sts']);
  const tries: { backend: string; target: string }[] = [];
  const errorLog: string[] = [];
  const fallback: string[] = [];
  const env: DeliveryEnvironment = {
    async fetch(request, backend) {
      const name = backend.kind === 'static' ? backend.name : backend.host;
      const target = request.headers.get('x-amz-target')?.split('.')[1] ?? 'AssumeRole';
      tries.push({ backend: name, target });
      if (!defined.has(name)) throw refusal(name);
      if (target === 'AssumeRole') {
        const expires = new Date(clock.ms + 3_600_000).toISOString();
        return new Response(
          `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIATEMP</AccessKeyId><SecretAccessKey>s</SecretAccessKey>` +
            `<SessionToken>t</SessionToken><Expiration>${expires}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
        );
      }
      if (target === 'ListShards') return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: ONE_SHARD, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
      const { Records } = JSON.parse(await request.text()) as { Records: unknown[] };
      return Response.json({ FailedRecordCount: 0, Records: Records.map((_, i) => ({ ShardId: 'shardId-000000000000', SequenceNumber: String(i) })) });
    },
    openSecrets: () => new FakeSecrets({ 'main.access_key_id': 'AKIDMAIN', 'main.secret_access_key': 'main-secret' }),
    secretStoreName: 'kinesis_logger_secrets',
    openKv: () => new FakeKvStore(clock.now),
    logger: () => ({ log: (line) => fallback.push(line) }),
    errorLog: { log: (line) => errorLog.push(line) },
    reportOnce: (line) => errorLog.push(`once: ${line}`),
    now: clock.now,
    random: seededRandom(1),
    sleep: async (ms) => clock.advance(ms),
  };
  const delivery = createDelivery(config.endpoints, env);
  const [endpoint] = config.endpoints;
  let n = 0;
  const deliver = async (...lines: string[]) => {
    const execution: LoggingExecution = { budget: new RequestBudget(31, clock.ms + 60_000, clock.now), requestId: `req${++n}`, linesNumbered: 0 };
    const started = clock.ms;
    await delivery.deliver(lines.map((line) => ({ endpoint, line })), execution);
    return { waitedMs: clock.ms - started };
  };
  const puts = () => tries.filter((t) => t.target === 'PutRecords');
  return { delivery, deliver, defined, tries, puts, errorLog, fallback };
}

describe('signed fetch: a backend the service does not define', () => {
  const options = (fetch: DeliveryEnvironment['fetch'], backend: { kind: 'static'; name: string } | { kind: 'dynamic'; host: string; useSsl: boolean }) => ({
    service: 'kinesis' as const,
    region: 'us-east-1',
    credentials: { get: async () => ({ accessKeyId: 'AKIDX', secretAccessKey: 's' }) } as never,
    backend,
    fetch,
    budget: new RequestBudget(31, Date.now() + 60_000),
    timeoutMs: 1_000,
    signingKeyCache: new Map(),
  });
  const init = { method: 'POST', headers: {}, body: '{}' };

  it('turns the runtime\'s refusal into BackendNotDefinedError, naming the backend and what to define', async () => {
    const signed = createSignedFetch(options(async () => Promise.reject(refusal('nowhere')), { kind: 'static', name: 'nowhere' }));
    const error = await signed('https://kinesis.us-east-1.amazonaws.com/', init).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendNotDefinedError);
    expect((error as BackendNotDefinedError).errorCode).toBe('BackendNotDefined');
    expect((error as Error).message).toBe(
      'backend "nowhere" is not defined on this service (or the execution\'s backend requests are spent): define it ' +
        '([local_server.backends.nowhere] in fastly.toml for Viceroy, fastly backend create --name nowhere on the service) or set the endpoint\'s backend to "dynamic"',
    );
  });

  it('leaves other failures as they are: a network error may have reached Kinesis', async () => {
    const reset = createSignedFetch(options(async () => Promise.reject(new TypeError('connection reset')), { kind: 'static', name: 'kinesis' }));
    await expect(reset('https://kinesis.us-east-1.amazonaws.com/', init)).rejects.toThrow(/^connection reset$/);
  });
});

describe('delivery through a backend the service does not define', () => {
  it('fails each delivery at once: one try, never sent, no retry for the retry window', async () => {
    const s = instance({ 'main.backend': 'nowhere', 'main.fallback_log_endpoint': 'spill' });
    for (let i = 0; i < 3; i++) {
      const { waitedMs } = await s.deliver(`/a${i}`, `/b${i}`);
      expect(waitedMs).toBe(0); // the fake clock only moves while delivery sleeps before a retry
    }
    // One PutRecords try per delivery (and one ListShards try for the map): none retried.
    expect(s.puts()).toHaveLength(3);
    expect(s.fallback).toEqual(['/a0', '/b0', '/a1', '/b1', '/a2', '/b2']);
    const [stream] = Object.values(s.delivery.stats().streams);
    expect(stream.delivery).toMatchObject({ attempted: 6, delivered: 0, failed: 6, retried: 0, putRecordsCalls: 0, failedByKind: { configuration: 6 }, failedByCode: { BackendNotDefined: 6 } });
  });

  it('reports the cause once, with what to fix, and again after the backend worked and went missing again', async () => {
    const s = instance({ 'main.backend': 'nowhere' });
    await s.deliver('/1');
    await s.deliver('/2', '/3');
    expect(s.errorLog).toEqual([
      'Failed to put record onto stream logs: BackendNotDefined backend "nowhere" is not defined on this service (or the execution\'s backend requests are spent): ' +
        'define it ([local_server.backends.nowhere] in fastly.toml for Viceroy, fastly backend create --name nowhere on the service) or set the endpoint\'s backend to "dynamic" ' +
        '(1 of 1 records; not sent: a configuration error, every line fails until it is fixed)',
    ]);
    s.defined.add('nowhere');
    await s.deliver('/4');
    s.defined.delete('nowhere');
    await s.deliver('/5');
    expect(s.errorLog).toHaveLength(2);
    expect(s.errorLog[1]).toMatch(/^Failed to put record onto stream logs: BackendNotDefined .*\(1 of 1 records; not sent: a configuration error/);
  });

  it('STS through a backend the service does not define: the lines fail unsent, reported once per cause', async () => {
    const s = instance({ 'main.iam_role': 'arn:aws:iam::123456789012:role/logs', 'main.sts_backend': 'no_sts' });
    await s.deliver('/1');
    await s.deliver('/2');
    expect(s.puts()).toEqual([]);
    expect(s.tries.filter((t) => t.target === 'AssumeRole').length).toBeLessThanOrEqual(2);
    expect(s.errorLog).toHaveLength(1);
    const [unsigned] = Object.values(s.delivery.stats().streams).map((stream) => stream.delivery);
    expect(unsigned).toMatchObject({ failed: 2, putRecordsCalls: 0, failedByKind: { configuration: 2 } });
    expect(s.errorLog[0]).toMatch(/^Failed to put record onto stream logs: BackendNotDefined STS AssumeRole not sent: backend "no_sts" is not defined on this service .* set the endpoint's sts_backend to "dynamic"/);
  });
});
