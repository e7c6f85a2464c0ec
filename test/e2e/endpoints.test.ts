/**
 * Endpoints as Fastly users configure them, through the compiled Wasm in Viceroy: several
 * endpoints, response conditions, sampling, placement none/waf_debug, a broken endpoint that is
 * disabled without stopping traffic, and lines for the same stream sharing PutRecords calls;
 * `partition_key` (Kinesis hashes the rendered key), `aggregation = kpl` (records that
 * de-aggregate with the independent aws-kinesis-agg library) and `trusted_upstreams` (a client
 * connecting from 127.0.0.2 is a trusted upstream, one from 127.0.0.1 is not).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import agg from 'aws-kinesis-agg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createStream, openShards, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { addSecret, setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';
import { sampleFraction } from '../../src/handler/select-lines.js';

const MAIN_STREAM = 'compute-logs';
const ERRORS_STREAM = 'errors-only';
const KEYED_STREAM = 'keyed';
const PACKED_STREAM = 'packed';
const CLIENTS_STREAM = 'clients';

let kinesis: LocalKinesis;
let proxy: FaultProxy;
let origin: DemoOrigin;
let app: ViceroyApp;

const CONFIG: Record<string, string> = {
  endpoints: 'main,sampled,errors,audit,broken,waf,keyed,packed,packedb,clients',
  // 127.0.0.2 is a proxy in front of the service: the Fastly-Client-IP it sends is kept.
  trusted_upstreams: '127.0.0.2, 2001:db8::/32',
  'main.format': '%m %U %>s %{req.xid}V',
  // Same stream and keys as main: its lines share main's PutRecords calls.
  'sampled.stream_name': MAIN_STREAM,
  'sampled.region': 'us-east-1',
  'sampled.endpoint_url': 'http://127.0.0.1:4567/',
  'sampled.format': 'sampled %U %{req.xid}V',
  'sampled.sample_rate': '0.5',
  'errors.stream_name': ERRORS_STREAM,
  'errors.region': 'us-east-1',
  'errors.endpoint_url': 'http://127.0.0.1:4567/',
  'errors.format': '%>s %U',
  'errors.response_condition': 'resp.status >= 500 || req.url ~ "^/api/"',
  'audit.stream_name': MAIN_STREAM,
  'audit.region': 'us-east-1',
  'audit.endpoint_url': 'http://127.0.0.1:4567/',
  'audit.placement': 'none',
  'broken.stream_name': MAIN_STREAM,
  'broken.region': 'us-east-1',
  'broken.format': '%{json.escape(req.url}V',
  'waf.stream_name': MAIN_STREAM,
  'waf.region': 'us-east-1',
  'waf.endpoint_url': 'http://127.0.0.1:4567/',
  'waf.placement': 'waf_debug',
  'waf.format': 'waf %U',
  waf_corp: 'example-corp',
  waf_workspace: 'example-workspace',
  // Kinesis hashes the tenant: one tenant's records stay on one shard.
  'keyed.stream_name': KEYED_STREAM,
  'keyed.region': 'us-east-1',
  'keyed.endpoint_url': 'http://127.0.0.1:4567/',
  'keyed.format': '%U',
  'keyed.partition_key': '%{req.http.X-Tenant}V',
  'keyed.response_condition': 'req.url ~ "^/keyed/"',
  // Two endpoints on one single-shard stream: the two lines of a request share one aggregated record.
  'packed.stream_name': PACKED_STREAM,
  'packed.region': 'us-east-1',
  'packed.endpoint_url': 'http://127.0.0.1:4567/',
  'packed.format': 'a %U',
  'packed.aggregation': 'kpl',
  'packed.response_condition': 'req.url ~ "^/packed/"',
  'packedb.stream_name': PACKED_STREAM,
  'packedb.region': 'us-east-1',
  'packedb.endpoint_url': 'http://127.0.0.1:4567/',
  'packedb.format': 'b %U',
  'packedb.aggregation': 'kpl',
  'packedb.response_condition': 'req.url ~ "^/packed/"',
  'clients.stream_name': CLIENTS_STREAM,
  'clients.region': 'us-east-1',
  'clients.endpoint_url': 'http://127.0.0.1:4567/',
  'clients.format': '%U %{req.http.Fastly-Client-IP}V',
  'clients.response_condition': 'req.url ~ "^/client-ip/"',
};

const PATHS = ['/', '/a', '/status/500', '/api/users', '/status/503', '/status/404', '/b?x=1', '/c'];

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  proxy = await startFaultProxy({ target: kinesis.url, recordsPerSecondPerShard: 1e9 });
  origin = await startDemoOrigin();
  await createStream(kinesis.url, MAIN_STREAM, 2);
  await createStream(kinesis.url, ERRORS_STREAM, 1);
  await createStream(kinesis.url, KEYED_STREAM, 4);
  await createStream(kinesis.url, PACKED_STREAM, 1);
  await createStream(kinesis.url, CLIENTS_STREAM, 1);
  app = await startViceroy({
    ports: { origin: origin.port, kinesis: proxy.port },
    editManifest(toml) {
      let out = toml.replaceAll(`127.0.0.1:${kinesis.port}`, `127.0.0.1:${proxy.port}`);
      for (const [key, value] of Object.entries(CONFIG)) {
        out = setConfigItem(out, key, value.replace('127.0.0.1:4567', `127.0.0.1:${proxy.port}`));
      }
      for (const name of ['sampled', 'errors', 'audit', 'broken', 'waf', 'keyed', 'packed', 'packedb', 'clients']) {
        out = addSecret(out, `${name}.access_key_id`, 'AKIDLOCALDEVELOPMENT');
        out = addSecret(out, `${name}.secret_access_key`, 'local-development-secret-not-a-real-key');
      }
      return out;
    },
  });
});

afterAll(async () => {
  await app?.shutdown();
  await proxy?.stop();
  await origin?.stop();
  await kinesis?.stop();
});

async function settle(stream: string, atLeast: number) {
  const until = Date.now() + 20_000;
  for (;;) {
    const records = await readStream(kinesis.url, stream);
    if (records.length >= atLeast || Date.now() > until) {
      await new Promise((r) => setTimeout(r, 500)); // anything extra would show up now
      return (await readStream(kinesis.url, stream)).map((r) => r.data);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('several endpoints in Viceroy', () => {
  it('routes each request by placement, condition and sampling; a broken endpoint does not stop the others', async () => {
    const statuses: number[] = [];
    for (const path of PATHS) {
      const response = await app.fetch(path);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 500, 200, 503, 404, 200, 200]);

    const main = await settle(MAIN_STREAM, PATHS.length);
    const mainLines = main.filter((l) => /^GET /.test(l));
    expect(mainLines.map((l) => l.split(' ').slice(0, 3).join(' ')).sort()).toEqual(
      PATHS.map((p, i) => `GET ${p.split('?')[0]} ${statuses[i]}`).sort(),
    );

    // Sampling at 0.5 keeps exactly the requests whose id hashes below 0.5.
    const ids = mainLines.map((l) => l.split(' ')[3]);
    expect(new Set(ids).size).toBe(PATHS.length);
    const expectedSampled = mainLines.filter((l) => sampleFraction(l.split(' ')[3]) < 0.5).map((l) => `sampled ${l.split(' ')[1]} ${l.split(' ')[3]}`);
    const sampled = main.filter((l) => l.startsWith('sampled '));
    expect(sampled.sort()).toEqual(expectedSampled.sort());
    expect(main.filter((l) => !/^GET /.test(l) && !l.startsWith('sampled '))).toEqual([]); // nothing from audit, waf, broken

    const errors = (await settle(ERRORS_STREAM, 3)).sort();
    expect(errors).toEqual(['200 /api/users', '500 /status/500', '503 /status/503']);

    // main and sampled share calls: never more PutRecords calls than requests for both streams' lines.
    expect(proxy.stats.calls.PutRecords).toBeLessThanOrEqual(PATHS.length + errors.length);

    const reports = app.logLines('kinesis_logger_errors');
    if (process.env.DEBUG_E2E) console.log(reports.join('\n'));
    // Once per instance: each sandbox reports it once, never once per request.
    const brokenReports = reports.filter((l) => l.includes('broken.format'));
    expect(brokenReports.length).toBeGreaterThanOrEqual(1);
    expect(brokenReports.length).toBeLessThan(PATHS.length);
    expect(reports.find((l) => l.includes('broken.format'))).toMatch(/endpoint disabled, traffic is served/);
    // Viceroy answers every inspection with verdict "allow" and no tags: nothing is flagged, so
    // the waf_debug endpoint logs nothing here (flagged requests: test/unit/handler).
    expect(reports.filter((l) => l.includes('waf_debug'))).toEqual([]);
    expect(reports.filter((l) => l.startsWith('Failed to put record'))).toEqual([]);
  });
});

describe('partition_key, aggregation and trusted_upstreams in Viceroy', () => {
  it('partition_key: each record carries its tenant as PartitionKey, no ExplicitHashKey, on the shard whose range holds the key\'s MD5', async () => {
    const tenants = ['tenant-a', 'tenant-b', 'tenant-c'];
    for (let i = 0; i < 9; i++) await (await app.fetch(`/keyed/${i}`, { headers: { 'X-Tenant': tenants[i % 3] } })).arrayBuffer();
    const stored = await settle(KEYED_STREAM, 9);
    expect(stored.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `/keyed/${i}`).sort());
    const shards = await openShards(kinesis.url, KEYED_STREAM);
    // Kinesis's own rule, computed here independently: the key's MD5 as a 128-bit number.
    const shardOfKey = (key: string) => {
      const hash = BigInt(`0x${createHash('md5').update(key, 'utf8').digest('hex')}`);
      return shards.find((s) => BigInt(s.HashKeyRange.StartingHashKey) <= hash && hash <= BigInt(s.HashKeyRange.EndingHashKey))!.ShardId;
    };
    for (const record of await readStream(kinesis.url, KEYED_STREAM)) {
      const tenant = tenants[Number(record.data.split('/')[2]) % 3];
      expect(record.partitionKey, record.data).toBe(tenant);
      expect(record.shardId, record.data).toBe(shardOfKey(tenant));
    }
    const sent = proxy.forwarded.filter((e) => e.data.startsWith('/keyed/'));
    expect(sent).toHaveLength(9);
    for (const entry of sent) expect(entry.explicitHashKey, entry.data).toBeUndefined();
  });

  it('aggregation = kpl: the two lines of each request travel in one aggregated record that de-aggregates, checksum verified, into both', async () => {
    for (let i = 0; i < 3; i++) await (await app.fetch(`/packed/${i}`)).arrayBuffer();
    await settle(PACKED_STREAM, 3);
    const records = await readStream(kinesis.url, PACKED_STREAM);
    expect(records).toHaveLength(3);
    const perRecord = records.map((record) => deaggregate(record.bytes.toString('base64'), record.partitionKey).map((user) => Buffer.from(user.data, 'base64').toString('utf8')));
    expect(perRecord.map((lines) => lines.sort()).sort((x, y) => x[0].localeCompare(y[0]))).toEqual([0, 1, 2].map((i) => [`a /packed/${i}`, `b /packed/${i}`]));
  });

  it('trusted_upstreams: the Fastly-Client-IP a trusted upstream sends is kept; anyone else\'s is replaced by client.ip', async () => {
    expect(await fetchFrom('127.0.0.2', '/client-ip/proxied', { 'Fastly-Client-IP': '198.51.100.7' })).toBe(200);
    expect(await fetchFrom('127.0.0.1', '/client-ip/forged', { 'Fastly-Client-IP': '198.51.100.8' })).toBe(200);
    expect(await fetchFrom('127.0.0.2', '/client-ip/unset', {})).toBe(200);
    expect((await settle(CLIENTS_STREAM, 3)).sort()).toEqual(['/client-ip/forged 127.0.0.1', '/client-ip/proxied 198.51.100.7', '/client-ip/unset 127.0.0.2']);
  });
});

/** A GET to the app from `localAddress` (any 127.0.0.0/8 address reaches it): client.ip in the Wasm. */
function fetchFrom(localAddress: string, path: string, headers: Record<string, string>): Promise<number> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path, headers, localAddress }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The user records of one stored Kinesis record, by aws-kinesis-agg with its checksum verified. */
function deaggregate(data: string, partitionKey: string): { data: string }[] {
  let users: { data: string }[] | undefined;
  let failure: unknown;
  agg.deaggregateSync({ data, partitionKey, sequenceNumber: '1', kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: 0 } as never, true, (error: unknown, result?: { data: string }[]) => {
    failure = error;
    users = result;
  });
  if (failure) throw failure;
  return users!;
}
