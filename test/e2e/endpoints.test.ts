/**
 * Endpoints as Fastly users configure them, through the compiled Wasm in Viceroy: several
 * endpoints, response conditions, sampling, placement none/waf_debug, a broken endpoint that is
 * disabled without stopping traffic, and lines for the same stream sharing PutRecords calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createStream, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { addSecret, setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';
import { sampleFraction } from '../../src/handler/select-lines.js';

const MAIN_STREAM = 'compute-logs';
const ERRORS_STREAM = 'errors-only';

let kinesis: LocalKinesis;
let proxy: FaultProxy;
let origin: DemoOrigin;
let app: ViceroyApp;

const CONFIG: Record<string, string> = {
  endpoints: 'main,sampled,errors,audit,broken,waf',
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
};

const PATHS = ['/', '/a', '/status/500', '/api/users', '/status/503', '/status/404', '/b?x=1', '/c'];

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  proxy = await startFaultProxy({ target: kinesis.url, recordsPerSecondPerShard: 1e9 });
  origin = await startDemoOrigin();
  await createStream(kinesis.url, MAIN_STREAM, 2);
  await createStream(kinesis.url, ERRORS_STREAM, 1);
  app = await startViceroy({
    ports: { origin: origin.port, kinesis: proxy.port },
    editManifest(toml) {
      let out = toml.replaceAll(`127.0.0.1:${kinesis.port}`, `127.0.0.1:${proxy.port}`);
      for (const [key, value] of Object.entries(CONFIG)) {
        out = setConfigItem(out, key, value.replace('127.0.0.1:4567', `127.0.0.1:${proxy.port}`));
      }
      for (const name of ['sampled', 'errors', 'audit', 'broken', 'waf']) {
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
