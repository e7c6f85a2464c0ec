/**
 * Facts the handler gathers that VCL services log and Compute can answer: Fastly-Client-IP and
 * Fastly-Orig-Host set on the first hop (for the origin and the log), unless the client is a
 * trusted upstream;
 * time.to_first_byte from when the response was ready; req.backend.name; device detection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import { handleRequest, type FetchEventLike } from '../../../src/handler/handle-request.js';
import { createFakePlatform, type BackendHandler, type FakePlatformOptions } from '../../../src/testing/memory-platform.js';

const SECRETS = { 'main.access_key_id': 'AKIDUNITTEST', 'main.secret_access_key': 'unit-test-secret' };

function config(format: string, extra: Record<string, string> = {}) {
  return { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'us-east-1', 'main.format': format, ...extra };
}

function acceptingKinesis(lines: string[]): BackendHandler {
  return async (request) => {
    if (request.headers.get('x-amz-target')?.endsWith('.DescribeStreamSummary')) return Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
    if (request.headers.get('x-amz-target')?.endsWith('.ListShards')) {
      return Response.json({
        Shards: [{ ShardId: 'shardId-0', HashKeyRange: { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() }, SequenceNumberRange: { StartingSequenceNumber: '1' } }],
      });
    }
    const body = (await request.json()) as { Records: { Data: string }[] };
    for (const r of body.Records) lines.push(Buffer.from(r.Data, 'base64').toString('utf8'));
    return Response.json({ FailedRecordCount: 0, Records: body.Records.map(() => ({ ShardId: 'shardId-0', SequenceNumber: '1' })) });
  };
}

/** Serves one request through handleRequest and returns the logged line and what the origin saw. */
async function serveOne(
  headers: Record<string, string>,
  options: Partial<FakePlatformOptions> & { format: string; configExtra?: Record<string, string>; url?: string },
) {
  const lines: string[] = [];
  const seen: Request[] = [];
  let clock = 1_000;
  const origin: BackendHandler = (request) => {
    seen.push(request);
    clock += 30; // the origin answers 30 ms after the request started
    return new Response('hello', { status: 200 });
  };
  const platform = createFakePlatform({
    ...options,
    config: config(options.format, options.configExtra),
    secrets: SECRETS,
    backends: { origin, kinesis: acceptingKinesis(lines) },
    now: () => clock,
  });
  const pending: Promise<unknown>[] = [];
  const event: FetchEventLike = {
    request: new Request(options.url ?? 'http://example.com/x', { headers }),
    waitUntil: (p) => void pending.push(p),
    client: { address: '203.0.113.7', requestId: 'req-1' },
  };
  const response = await handleRequest(event, platform);
  clock += 20; // the body takes 20 ms more
  await response.text();
  await Promise.all(pending);
  return { line: lines[0], originClientIp: seen[0].headers.get('fastly-client-ip'), originOrigHost: seen[0].headers.get('fastly-orig-host') };
}

afterEach(() => resetLoadedService());

describe('Fastly-Client-IP on the first hop', () => {
  it('is client.ip for the origin and the log, whatever the client sent', async () => {
    const forged = '1.2.3.4","is_tls":"false","x":"';
    const { line, originClientIp } = await serveOne({ 'Fastly-Client-IP': forged }, { format: '%h %{req.http.Fastly-Client-IP}V' });
    expect(originClientIp).toBe('203.0.113.7');
    expect(line).toBe('203.0.113.7 203.0.113.7');
  });

  it('is set when the client sent none', async () => {
    const { originClientIp } = await serveOne({}, { format: '%h' });
    expect(originClientIp).toBe('203.0.113.7');
  });

  it('is kept when the client is a trusted upstream', async () => {
    const { line, originClientIp } = await serveOne(
      { 'Fastly-Client-IP': '198.51.100.9' },
      { format: '%h', configExtra: { trusted_upstreams: '203.0.113.0/24' } },
    );
    expect(originClientIp).toBe('198.51.100.9');
    expect(line).toBe('198.51.100.9');
  });

  it('is not kept for a client outside the trusted ranges', async () => {
    const { originClientIp } = await serveOne({ 'Fastly-Client-IP': '198.51.100.9' }, { format: '%h', configExtra: { trusted_upstreams: '10.0.0.0/8' } });
    expect(originClientIp).toBe('203.0.113.7');
  });
});

describe('Fastly-Orig-Host on the first hop', () => {
  it("is the Host the client sent, for the origin and the log: the Kinesis default's host is no longer (null)", async () => {
    const { line, originOrigHost } = await serveOne({ Host: 'www.example.org' }, { format: '%{req.http.Fastly-Orig-Host}V %{Fastly-Orig-Host}i' });
    expect(originOrigHost).toBe('www.example.org');
    expect(line).toBe('www.example.org www.example.org');
  });

  it("is the request URL's host (and port) when the request has no Host header", async () => {
    const { line, originOrigHost } = await serveOne({}, { format: '%{req.http.Fastly-Orig-Host}V', url: 'http://shop.example:8080/x' });
    expect(originOrigHost).toBe('shop.example:8080');
    expect(line).toBe('shop.example:8080');
  });

  it('replaces one the client sent, which would choose the logged host', async () => {
    const { line, originOrigHost } = await serveOne({ Host: 'www.example.org', 'Fastly-Orig-Host': 'h"} ' }, { format: '%{req.http.Fastly-Orig-Host}V' });
    expect(originOrigHost).toBe('www.example.org');
    expect(line).toBe('www.example.org');
  });

  it('is kept when the client is a trusted upstream (a Fastly service in front sets it)', async () => {
    const trusted = { format: '%{req.http.Fastly-Orig-Host}V', configExtra: { trusted_upstreams: '203.0.113.0/24' } };
    const { line, originOrigHost } = await serveOne({ Host: 'origin-facing.example', 'Fastly-Orig-Host': 'www.example.org' }, trusted);
    expect(originOrigHost).toBe('www.example.org');
    expect(line).toBe('www.example.org');
    expect((await serveOne({ Host: 'origin-facing.example' }, trusted)).originOrigHost).toBe('origin-facing.example');
  });
});

describe('Compute equivalents of VCL variables', () => {
  it('time.to_first_byte, time.elapsed and req.backend.name / req.backend', async () => {
    const { line } = await serveOne({}, { format: '%{time.to_first_byte}V %{time.elapsed}V %{req.backend.name}V %{req.backend}V' });
    // time.end is when the response was handed over, not the body's last byte (handler/proxy.ts):
    // the 20 ms the body takes afterwards are in neither figure.
    expect(line).toBe('0.030 0.030 origin origin');
  });

  it('device detection from fastly:device', async () => {
    const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)';
    const format = '%{client.platform.hwtype}V %{client.platform.vendor}V %{client.platform.model}V %{client.platform.mobile}V %{client.platform.tablet}V %{client.display.touchscreen}V %{client.class.bot}V %{client.bot.name}V';
    const devices = { [ua]: { hwtype: 'Mobile Phone', brand: 'Apple', model: 'iPhone', name: 'Apple iPhone', isMobile: true, isTablet: false, isTouchscreen: true, isBot: false } };
    expect((await serveOne({ 'User-Agent': ua }, { format, devices })).line).toBe('Mobile Phone Apple iPhone 1 0 1 0 (null)');
    resetLoadedService();
    const bot = { 'Googlebot/2.1': { name: 'Googlebot', isBot: true } };
    expect((await serveOne({ 'User-Agent': 'Googlebot/2.1' }, { format: '%{client.class.bot}V %{client.bot.name}V', devices: bot })).line).toBe('1 Googlebot');
    resetLoadedService();
    expect((await serveOne({ 'User-Agent': 'unknown/1.0' }, { format, devices })).line).toBe('(null) (null) (null) 0 0 0 0 (null)');
  });

  it('X-SigSci-* headers of an inspected request, as the Next-Gen WAF edge deployment adds them', async () => {
    const { line } = await serveOne(
      { 'X-SigSci-Tags': 'FORGED' },
      {
        format: '%{X-SigSci-Tags}i %{X-SigSci-AgentResponse}i %{X-SigSci-Decision-MS}i %{waf.verdict}V',
        configExtra: { 'main.placement': 'waf_debug', waf_corp: 'corp', waf_workspace: 'ws' },
        inspect: () => ({ verdict: 'block', tags: ['SQLI', 'XSS'], decisionMs: 3, wafResponse: 406 }),
      },
    );
    expect(line).toBe('SQLI,XSS 406 3 block');
  });
});

