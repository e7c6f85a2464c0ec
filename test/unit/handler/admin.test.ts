/** The admin stats page (handler/admin.ts) through handleRequest over the in-memory platform. */
import { afterEach, describe, expect, it } from 'vitest';
import { keyAccount } from '../../../src/aws/identity.js';
import { constantTimeEqual, FAILED_LOGIN_BURST, resetFailedLogins } from '../../../src/handler/admin.js';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import { handleRequest, type FetchEventLike } from '../../../src/handler/handle-request.js';
import { createFakePlatform, type BackendHandler } from '../../../src/testing/memory-platform.js';

const CONFIG = { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'us-east-1', 'main.format': '%m %U' };
const SECRETS = { 'main.access_key_id': 'AKIDADMINTEST', 'main.secret_access_key': 'admin-test-secret', admin_token: 'right-token-123' };

const origin: BackendHandler = () => new Response('from origin');
const kinesis: BackendHandler = async (request) => {
  const target = request.headers.get('x-amz-target');
  if (target?.endsWith('DescribeStreamSummary')) return Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
  if (target?.endsWith('ListShards')) {
    return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' }, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
  }
  const body = (await request.json()) as { Records: unknown[] };
  return Response.json({ FailedRecordCount: 0, Records: body.Records.map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })) });
};

async function get(platform: ReturnType<typeof createFakePlatform>, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const pending: Promise<unknown>[] = [];
  const event: FetchEventLike = { request: new Request(`http://example.com${path}`, { headers, method }), waitUntil: (p) => void pending.push(p) };
  const response = await handleRequest(event, platform);
  const text = await response.text();
  await Promise.all(pending);
  return { status: response.status, text, headers: response.headers };
}

const STREAM = `${keyAccount('AKIDADMINTEST')}/us-east-1/kinesis.us-east-1.amazonaws.com/logs`;

afterEach(() => {
  resetLoadedService();
  resetFailedLogins();
});

describe('GET /_kinesis_logger/stats', () => {
  it('answers the instance counters as JSON with the right token, without reaching the origin or logging', async () => {
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { origin, kinesis } });
    await get(platform, '/a');
    await get(platform, '/b');
    const stats = await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-123' });
    expect(stats.status).toBe(200);
    expect(stats.headers.get('content-type')).toBe('application/json');
    expect(stats.headers.get('cache-control')).toBe('no-store');
    const doc = JSON.parse(stats.text);
    expect(doc.scope).toBe('instance');
    expect(doc.note).toMatch(/Compute instance only/);
    // Right after traffic a fresh sandbox may answer: the page says so, and where the fleet's figures are.
    expect(doc.note).toMatch(/fresh sandbox: "delivered": 0 right after traffic is normal/);
    expect(doc.fleetMetrics).toMatch(/^off: set the service key metrics_log_endpoint/);
    expect(doc.endpoints.main).toMatchObject({
      stream: 'logs',
      accessMethod: 'user_credentials',
      deliveryStream: STREAM,
      credentials: { source: 'secret_store', fetches: 1 },
      stsCalls: 0,
    });
    expect(doc.streams[STREAM]).toMatchObject({
      endpoints: ['main'],
      delivery: { deliveries: 2, attempted: 2, delivered: 2, failed: 0, putRecordsCalls: 2 },
      shardMap: { state: 'ready', shards: 1, listShardsRounds: 1, listShardsCalls: 1, streamSummaryCalls: 1, maxRecordBytes: 1024 * 1024 },
    });
    expect(stats.text).not.toContain('admin-test-secret');
    expect(stats.text).not.toContain('AKIDADMINTEST');
    const originPaths = platform.sent.filter((s) => s.backend === 'origin').map((s) => new URL(s.request.url).pathname);
    expect(originPaths).toEqual(['/a', '/b']);
    // The admin request was not logged as traffic: two PutRecords, one ListShards, one DescribeStreamSummary.
    expect(platform.sent.filter((s) => s.backend === 'kinesis')).toHaveLength(4);
  });

  it('counts every line of a stream in one place, whichever of its endpoints produced lines', async () => {
    const config = { ...CONFIG, endpoints: 'main,errors', 'errors.stream_name': 'logs', 'errors.region': 'us-east-1', 'errors.format': 'E %U', 'errors.response_condition': 'resp.status >= 500' };
    const secrets = { ...SECRETS, 'errors.access_key_id': 'AKIDADMINTEST', 'errors.secret_access_key': 'admin-test-secret' };
    let status = 200;
    const platform = createFakePlatform({ config, secrets, backends: { origin: () => new Response('x', { status }), kinesis } });
    await get(platform, '/a'); // main only
    status = 503;
    await get(platform, '/b'); // main and errors, one call
    status = 200;
    await get(platform, '/c'); // main only
    const doc = JSON.parse((await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-123' })).text);
    expect(Object.keys(doc.streams)).toEqual([STREAM]);
    expect(doc.streams[STREAM]).toMatchObject({ endpoints: ['errors', 'main'], delivery: { attempted: 4, delivered: 4, putRecordsCalls: 3 } });
    expect(doc.endpoints.errors.deliveryStream).toBe(STREAM);
  });

  it('names the metrics log endpoint where the fleet-wide figures are, when one is set', async () => {
    const platform = createFakePlatform({ config: { ...CONFIG, metrics_log_endpoint: 'fleet', metrics_interval_s: '30' }, secrets: SECRETS, backends: { origin, kinesis } });
    const doc = JSON.parse((await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-123' })).text);
    expect(doc.fleetMetrics).toEqual({ logEndpoint: 'fleet', intervalSeconds: 30 });
  });

  it('answers 401 to a missing or wrong token, 404 to an unknown admin path, 405 to other methods', async () => {
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { origin, kinesis } });
    expect((await get(platform, '/_kinesis_logger/stats')).status).toBe(401);
    const wrong = await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-12' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await get(platform, '/_kinesis_logger/other', { authorization: 'Bearer right-token-123' })).status).toBe(404);
    expect((await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-123' }, 'DELETE')).status).toBe(405);
    expect(platform.sent).toEqual([]);
  });

  it('reads the token without the line break `--stdin <<<` stores after it', async () => {
    const platform = createFakePlatform({ config: CONFIG, secrets: { ...SECRETS, admin_token: 'right-token-123\r\n' }, backends: { origin, kinesis } });
    expect((await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-123' })).status).toBe(200);
    expect((await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-12' })).status).toBe(401);
  });

  it('counts failed logins on the page and reports a burst of them once per instance, never the token', async () => {
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { origin, kinesis } });
    for (let i = 0; i < FAILED_LOGIN_BURST - 1; i++) await get(platform, '/_kinesis_logger/stats', { authorization: `Bearer guess-${i}` });
    const errors = () => platform.loggers.get('kinesis_logger_errors')?.lines ?? [];
    expect(errors()).toEqual([]);
    for (let i = 0; i < FAILED_LOGIN_BURST + 5; i++) await get(platform, '/_kinesis_logger/stats');
    expect(errors()).toEqual([
      `compute-kinesis-logger: admin: ${FAILED_LOGIN_BURST} failed logins to /_kinesis_logger/ within 60 s on this instance (missing or wrong token); further ones are counted on the admin page (adminLogins), not reported`,
    ]);
    const doc = JSON.parse((await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-123' })).text);
    expect(doc.adminLogins).toMatchObject({ failed: 2 * FAILED_LOGIN_BURST + 4, lastFailedAt: expect.any(String) });
    expect(JSON.stringify(doc) + errors().join()).not.toContain('right-token-123');
  });

  it('answers 404 when no token is configured, or the secret store is missing, and never proxies', async () => {
    const { admin_token: _, ...withoutToken } = SECRETS;
    const platform = createFakePlatform({ config: CONFIG, secrets: withoutToken, backends: { origin, kinesis } });
    expect((await get(platform, '/_kinesis_logger/stats', { authorization: 'Bearer anything' })).status).toBe(404);
    expect((await get(platform, '/_kinesis_logger', { authorization: 'Bearer anything' })).status).toBe(404);
    const noStore = createFakePlatform({ config: CONFIG, backends: { origin, kinesis } });
    noStore.openSecrets = () => {
      throw new TypeError('SecretStore constructor: no such store');
    };
    expect((await get(noStore, '/_kinesis_logger/stats', { authorization: 'Bearer right-token-123' })).status).toBe(404);
    expect([...platform.sent, ...noStore.sent]).toEqual([]);
  });

  it('leaves look-alike paths to the origin', async () => {
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { origin, kinesis } });
    expect((await get(platform, '/_kinesis_loggerx/stats')).text).toBe('from origin');
  });
});

describe('constantTimeEqual', () => {
  it('compares whole tokens of any length', async () => {
    expect(await constantTimeEqual('abc', 'abc')).toBe(true);
    expect(await constantTimeEqual('abc', 'abd')).toBe(false);
    expect(await constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(await constantTimeEqual('', 'a')).toBe(false);
  });
});
