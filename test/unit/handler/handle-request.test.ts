import { afterEach, describe, expect, it } from 'vitest';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import { handleRequest, type FetchEventLike } from '../../../src/handler/handle-request.js';
import { createFakePlatform, type BackendHandler } from '../../../src/testing/memory-platform.js';

const CONFIG = {
  endpoints: 'main',
  'main.stream_name': 'logs',
  'main.region': 'us-east-1',
  'main.format': '%m %U %>s %b',
};
const SECRETS = { 'main.access_key_id': 'AKIDUNITTEST', 'main.secret_access_key': 'unit-test-secret', 'audit.access_key_id': 'AKIDUNITTEST', 'audit.secret_access_key': 'unit-test-secret' };

function event(request: Request) {
  const pending: Promise<unknown>[] = [];
  const e: FetchEventLike & { settled: () => Promise<unknown> } = {
    request,
    waitUntil: (p) => void pending.push(p),
    client: { address: '203.0.113.7', requestId: 'req-1' },
    settled: () => Promise.all(pending),
  };
  return e;
}

/** A one-shard Kinesis stand-in that accepts everything and remembers the decoded lines. */
function acceptingKinesis(lines: string[]): BackendHandler {
  return async (request) => {
    if (request.headers.get('x-amz-target') === 'Kinesis_20131202.DescribeStreamSummary') return Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
    if (request.headers.get('x-amz-target') === 'Kinesis_20131202.ListShards') {
      return Response.json({
        Shards: [
          {
            ShardId: 'shardId-000000000000',
            HashKeyRange: { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() },
            SequenceNumberRange: { StartingSequenceNumber: '1' },
          },
        ],
      });
    }
    const body = (await request.json()) as { Records: { Data: string }[] };
    for (const r of body.Records) lines.push(Buffer.from(r.Data, 'base64').toString('utf8'));
    return Response.json({ FailedRecordCount: 0, Records: body.Records.map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })) });
  };
}

const origin: BackendHandler = (request) =>
  new Response(`body of ${new URL(request.url).pathname}`, { status: 201, headers: { 'x-origin': 'yes', 'content-type': 'text/plain' } });

afterEach(() => resetLoadedService());

describe('handleRequest', () => {
  it('returns the origin response unchanged and logs one rendered line after it', async () => {
    const lines: string[] = [];
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { origin, kinesis: acceptingKinesis(lines) } });
    const e = event(new Request('http://example.com/a/b?x=1'));
    const response = await handleRequest(e, platform);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-origin')).toBe('yes');
    expect(lines).toEqual([]); // nothing is sent before the body has been streamed
    expect(await response.text()).toBe('body of /a/b');
    await e.settled();
    expect(lines).toEqual(['GET /a/b 201 12']);
    const put = platform.sent.find((s) => s.backend === 'kinesis' && s.request.headers.get('x-amz-target')?.endsWith('.PutRecords'))!.request;
    expect(put.headers.get('x-amz-target')).toBe('Kinesis_20131202.PutRecords');
    expect(put.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDUNITTEST\/\d{8}\/us-east-1\/kinesis\/aws4_request, SignedHeaders=/);
  });

  it('hands an unsized body back untouched when no format that logs requests reads its size, in a sandbox\'s first request too', async () => {
    const lines: string[] = [];
    const answers: Response[] = [];
    const unsized: BackendHandler = () => {
      answers.push(new Response(new Blob(['chunked body']).stream(), { status: 200 }));
      return answers[answers.length - 1];
    };
    // `audit` (placement none, CLF: reads %b) renders nothing per request.
    const config = { ...CONFIG, endpoints: 'main,audit', 'main.format': '%m %U %>s %D', 'audit.stream_name': 'logs', 'audit.region': 'us-east-1', 'audit.placement': 'none', 'audit.format': '%h %l %u %t "%r" %>s %b' };
    const platform = createFakePlatform({ config, secrets: SECRETS, backends: { origin: unsized, kinesis: acceptingKinesis(lines) } });
    // A sandbox's first request loads the configuration to decide, before the response: no format
    // that logs requests reads %b, so the origin's response itself goes back, then as later.
    const first = event(new Request('http://example.com/first'));
    expect(await handleRequest(first, platform)).toBe(answers[0]);
    await first.settled();
    const second = event(new Request('http://example.com/second'));
    expect(await handleRequest(second, platform)).toBe(answers[1]);
    await second.settled();
    expect(lines.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['GET /first 200', 'GET /second 200']);
  });

  it('gathers no facts for a request no endpoint logs by itself (placement none only, nothing emitted)', async () => {
    const read: string[] = [];
    const env = new Proxy({}, { get: (_target, name) => void read.push(String(name)) });
    const platform = createFakePlatform({ config: { ...CONFIG, 'main.placement': 'none' }, secrets: SECRETS, backends: { origin }, env });
    const e = event(new Request('http://example.com/quiet'));
    expect(await (await handleRequest(e, platform)).text()).toBe('body of /quiet');
    await e.settled();
    // The service's environment (FASTLY_HOSTNAME, FASTLY_POP …) is the first thing gathering facts reads.
    expect(read).toEqual([]);
    expect(platform.sent.map((s) => s.backend)).toEqual(['origin']);
  });

  it('keeps serving when the config store is missing, and says so once per instance', async () => {
    const platform = createFakePlatform({ backends: { origin } });
    for (let i = 0; i < 3; i++) {
      const e = event(new Request('http://example.com/x'));
      const response = await handleRequest(e, platform);
      expect(await response.text()).toBe('body of /x');
      await e.settled();
    }
    const errors = platform.loggers.get('kinesis_logger_errors')!.lines;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/config store "kinesis_logger" cannot be read/);
  });

  it('reports a missing secret by its key, once, and never sends unsigned', async () => {
    const platform = createFakePlatform({ config: CONFIG, secrets: { 'main.access_key_id': 'AKIDUNITTEST' }, backends: { origin } });
    for (let i = 0; i < 2; i++) {
      const e = event(new Request('http://example.com/x'));
      await (await handleRequest(e, platform)).text();
      await e.settled();
    }
    const errors = platform.loggers.get('kinesis_logger_errors')!.lines;
    // Once per instance, not once per request.
    expect(errors).toEqual([
      'Failed to put record onto stream logs: MissingCredentials secret main.secret_access_key: missing or empty in Secret Store "kinesis_logger_secrets" (endpoint main); ' +
        'its lines are not sent until the secret exists, and are counted on the admin page',
    ]);
    expect(errors.join('\n')).not.toContain('AKIDUNITTEST');
    expect(platform.sent.filter((s) => s.backend === 'kinesis')).toEqual([]);
  });

  it('renders partition_key per request and sends it as the PartitionKey, without an ExplicitHashKey; the default is the record id', async () => {
    const entries: { PartitionKey: string; ExplicitHashKey?: string }[] = [];
    const recording: BackendHandler = async (request) => {
      if (request.headers.get('x-amz-target')?.endsWith('.PutRecords')) entries.push(...((await request.clone().json()) as { Records: typeof entries }).Records);
      return acceptingKinesis([])(request);
    };
    const config = { ...CONFIG, endpoints: 'main,keyed', 'keyed.stream_name': 'logs', 'keyed.region': 'us-east-1', 'keyed.format': 'k %U', 'keyed.partition_key': 'tenant-%{req.http.X-Tenant}V' };
    const secrets = { ...SECRETS, 'keyed.access_key_id': 'AKIDUNITTEST', 'keyed.secret_access_key': 'unit-test-secret' };
    const platform = createFakePlatform({ config, secrets, backends: { origin, kinesis: recording } });
    const e = event(new Request('http://example.com/t', { headers: { 'x-tenant': 'acme' } }));
    await (await handleRequest(e, platform)).text();
    await e.settled();
    expect(entries).toEqual([
      { Data: expect.any(String), PartitionKey: 'req-1-0', ExplicitHashKey: expect.stringMatching(/^\d+$/) },
      { Data: expect.any(String), PartitionKey: 'tenant-acme' },
    ]);
  });

  it('answers 503 when the origin is unreachable and still logs the request', async () => {
    const lines: string[] = [];
    const platform = createFakePlatform({
      config: CONFIG,
      secrets: SECRETS,
      backends: { origin: () => Promise.reject(new TypeError('connection refused')), kinesis: acceptingKinesis(lines) },
    });
    const e = event(new Request('http://example.com/down'));
    const response = await handleRequest(e, platform);
    expect(response.status).toBe(503);
    await response.text();
    await e.settled();
    expect(lines).toEqual(['GET /down 503 19']);
  });

  it('does not delay the response when Kinesis hangs', async () => {
    const hung: ((response: Response) => void)[] = [];
    const platform = createFakePlatform({
      // No retry window: the released calls fail, and logging ends at once.
      config: { ...CONFIG, 'main.retry_window_ms': '0' },
      secrets: SECRETS,
      backends: { origin, kinesis: () => new Promise<Response>((resolve) => hung.push(resolve)) },
    });
    const e = event(new Request('http://example.com/slow'));
    // No clock: the response and its whole body must come while logging cannot end, because no
    // Kinesis call answers until this test releases it (a handler that waited would never answer).
    const response = await handleRequest(e, platform);
    expect(await response.text()).toBe('body of /slow');
    let loggingEnded = false;
    const settled = e.settled().then(() => (loggingEnded = true));
    while (hung.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(loggingEnded).toBe(false);
    // Let the logging finish before the next test, so none of it outlives this platform.
    const release = setInterval(() => hung.splice(0).forEach((resolve) => resolve(new Response('{}', { status: 500 }))), 5);
    await settled;
    clearInterval(release);
    expect(loggingEnded).toBe(true);
  });

  it('logs waf_debug endpoints only for requests the WAF flagged, after the response', async () => {
    const lines: string[] = [];
    const config = { ...CONFIG, endpoints: 'main,waf', 'waf.stream_name': 'logs', 'waf.region': 'us-east-1', 'waf.placement': 'waf_debug', 'waf.format': 'waf %U', waf_corp: 'corp', waf_workspace: 'ws' };
    const inspected: string[] = [];
    const platform = createFakePlatform({
      config,
      secrets: { ...SECRETS, 'waf.access_key_id': 'AKIDUNITTEST', 'waf.secret_access_key': 'unit-test-secret' },
      backends: { origin, kinesis: acceptingKinesis(lines) },
      inspect(request, settings) {
        inspected.push(`${new URL(request.url).pathname} ${settings.corp}/${settings.workspace}`);
        const attack = request.url.includes('%3Cscript');
        return { verdict: attack ? 'block' : 'allow', tags: attack ? ['XSS'] : [], decisionMs: 1, wafResponse: attack ? 406 : 200 };
      },
    });
    for (const path of ['/ok', '/q?x=%3Cscript%3E']) {
      const e = event(new Request(`http://example.com${path}`));
      await (await handleRequest(e, platform)).text();
      await e.settled();
    }
    expect(inspected).toEqual(['/ok corp/ws', '/q corp/ws']);
    expect(lines.sort()).toEqual(['GET /ok 201 11', 'GET /q 201 10', 'waf /q']);
  });

  it('gives WAF inspection small request bodies, and only method, URL and headers of large ones', async () => {
    const config = { ...CONFIG, endpoints: 'main,waf', 'waf.stream_name': 'logs', 'waf.region': 'us-east-1', 'waf.placement': 'waf_debug', waf_corp: 'corp', waf_workspace: 'ws' };
    const bodies: (string | null)[] = [];
    const platform = createFakePlatform({
      config,
      secrets: { ...SECRETS, 'waf.access_key_id': 'AKIDUNITTEST', 'waf.secret_access_key': 'unit-test-secret' },
      backends: { origin: async (request) => new Response(`${(await request.arrayBuffer()).byteLength} bytes`), kinesis: acceptingKinesis([]) },
      inspect(request) {
        bodies.push(request.body ? 'with body' : null);
        return { verdict: 'allow', tags: [], decisionMs: 1, wafResponse: 200 };
      },
    });
    for (const size of [100, 1024 * 1024]) {
      const e = event(new Request('http://example.com/upload', { method: 'POST', body: 'x'.repeat(size), headers: { 'content-length': String(size) } }));
      expect(await (await handleRequest(e, platform)).text()).toBe(`${size} bytes`); // the origin still gets the whole body
      await e.settled();
    }
    expect(bodies).toEqual(['with body', null]);
  });
});
