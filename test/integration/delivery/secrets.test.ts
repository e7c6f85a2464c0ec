/**
 * Secrets never appear in a log line, a record, an error report or the admin page.
 *
 * Drives the whole request path (handleRequest over an in-memory platform whose `kinesis` and
 * `sts` backends reach the local stack over HTTP) through the scenarios that produce output —
 * deliveries, failures with fallback, a wrong secret, a wrong secret next to a static session
 * token, a revoked STS session, a missing secret, the admin page with right and wrong tokens —
 * while capturing every reported line, every console output, every client response body and every
 * HTTP body we sent to Kinesis and STS. Then asserts that none of the test secrets (secret keys,
 * session tokens, admin token, and the access key ids too) occurs anywhere in what was captured.
 *
 * The static-token scenario is the one that can leak: the verifier answers a bad signature as AWS
 * does, echoing the canonical request with `x-amz-security-token:<token>`, and that answer reaches
 * both the shard-map refresh report (ListShards) and the delivery report (PutRecords). Only
 * src/aws/error-message.ts stands between it and the error log; without it this test fails.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import { handleRequest, type FetchEventLike } from '../../../src/handler/handle-request.js';
import { createFakePlatform, type FakePlatform } from '../../../src/testing/memory-platform.js';
import { TEST_REGION } from '../../../src/testing/local-kinesis.js';
import { startStsStandIn, type StsStandIn } from '../../support/sts-stand-in.js';
import { newStream, startStack, type Stack } from '../../support/delivery-stack.js';

const MAIN_KEYS = { accessKeyId: 'AKIDSCANMAIN00000001', secretAccessKey: 'scan-main-secret-Zr4kP9-NEVER-LOG' };
const ROLE_BASE_KEYS = { accessKeyId: 'AKIDSCANROLEBASE0002', secretAccessKey: 'scan-role-base-secret-Lq2mV7-NEVER-LOG' };
const ADMIN_TOKEN = 'scan-admin-token-Hn5xW3-NEVER-LOG';
const WRONG_SECRET = 'scan-wrong-secret-Tb8cJ1-NEVER-LOG';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/scan-role';
/** Temporary keys an operator pasted into the Secret Store as user_credentials (with `<endpoint>.session_token`). */
const STATIC_TEMPORARY = {
  accessKeyId: 'ASIASCANSTATIC000003',
  secretAccessKey: 'scan-static-temp-secret-Pw6dR2-NEVER-LOG',
  sessionToken: 'scan-static-session-token-Yv9sK4-NEVER-LOG',
};

let stack: Stack;
let sts: StsStandIn;
let mainStream: string;
let roleStream: string;
const captured: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  stack.registry.add(MAIN_KEYS);
  stack.registry.add(ROLE_BASE_KEYS);
  sts = await startStsStandIn({ credentials: stack.registry, region: TEST_REGION, roleArn: ROLE_ARN, externalId: 'scan-external' });
  mainStream = await newStream(stack, 2, 'scan');
  roleStream = await newStream(stack, 1, 'scan');
  for (const method of ['log', 'error', 'warn', 'info', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void captured.push(args.map(String).join(' ')));
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  await sts?.stop();
  await stack?.stop();
});

afterEach(() => {
  resetLoadedService();
  
});

function configFor(extra: Record<string, string> = {}): Record<string, string> {
  return {
    endpoints: 'main,role',
    'main.stream_name': mainStream,
    'main.region': TEST_REGION,
    'main.format': '%m %U %>s',
    'main.endpoint_url': stack.verifier.url,
    'main.fallback_log_endpoint': 'main_fallback',
    'role.stream_name': roleStream,
    'role.region': TEST_REGION,
    'role.format': 'role %m %U %>s',
    'role.endpoint_url': stack.verifier.url,
    'role.iam_role': ROLE_ARN,
    'role.external_id': 'scan-external',
    'role.sts_url': sts.url,
    'role.fallback_log_endpoint': 'role_fallback',
    ...extra,
  };
}

function platformWith(secrets: Record<string, string>, config = configFor()): FakePlatform {
  return createFakePlatform({
    config,
    secrets,
    backends: {
      origin: (request) => new Response(`origin says ${new URL(request.url).pathname}`, { status: 200 }),
      kinesis: (request) => fetch(request),
      sts: (request) => fetch(request),
    },
  });
}

async function exchange(platform: FakePlatform, path: string, headers: Record<string, string> = {}): Promise<Response & { text_: string }> {
  const pending: Promise<unknown>[] = [];
  const event: FetchEventLike = {
    request: new Request(`http://example.com${path}`, { headers }),
    waitUntil: (p) => void pending.push(p),
    client: { address: '192.0.2.1' },
  };
  const response = await handleRequest(event, platform);
  const text = await response.text();
  await Promise.all(pending);
  captured.push(text);
  return Object.assign(response, { text_: text });
}

function collectPlatformOutput(platform: FakePlatform): void {
  for (const [name, logger] of platform.loggers) for (const line of logger.lines) captured.push(`${name} :: ${line}`);
}

describe('no secret in any output', () => {
  it('runs the scenarios, then finds none of the secrets in anything captured', async () => {
    const secrets = {
      'main.access_key_id': MAIN_KEYS.accessKeyId,
      'main.secret_access_key': MAIN_KEYS.secretAccessKey,
      'role.access_key_id': ROLE_BASE_KEYS.accessKeyId,
      'role.secret_access_key': ROLE_BASE_KEYS.secretAccessKey,
      admin_token: ADMIN_TOKEN,
    };
    const platform = platformWith(secrets);

    // 1. Plain traffic: both endpoints deliver (role through STS).
    for (let i = 0; i < 3; i++) expect((await exchange(platform, `/page/${i}`)).text_).toBe(`origin says /page/${i}`);

    // 2. Kinesis failing for a while: failures reported, lines to the fallback endpoints.
    stack.proxy.setFaults(() => ({ kind: 'status', status: 500, errorType: 'InternalFailure', message: 'injected' }));
    await exchange(platform, '/during-outage');
    stack.proxy.setFaults(undefined);

    // 3. The STS session is revoked: auth error, one refresh, one retry.
    stack.registry.revoke(sts.issued.at(-1)!.accessKeyId);
    await exchange(platform, '/after-revoke');

    // 4. The admin page: right token, wrong token, no token; it never reaches the origin.
    const stats = await exchange(platform, '/_kinesis_logger/stats', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(stats.status).toBe(200);
    const document = JSON.parse(stats.text_) as {
      scope: string;
      note: string;
      endpoints: Record<string, { deliveryStream: string; stsCalls: number; credentials: { source: string } }>;
      streams: Record<string, { delivery: { delivered: number; failed: number; failedByCode: Record<string, number> } }>;
    };
    expect(document.scope).toBe('instance');
    expect(document.note).toMatch(/this Compute instance only/);
    const mainDelivery = document.streams[document.endpoints.main.deliveryStream].delivery;
    expect(mainDelivery.delivered).toBe(4);
    expect(mainDelivery.failedByCode).toEqual({ InternalFailure: 1 });
    expect(document.endpoints.role.stsCalls).toBe(2);
    expect(document.endpoints.role.credentials.source).toBe('sts_assume_role');
    expect((await exchange(platform, '/_kinesis_logger/stats', { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await exchange(platform, '/_kinesis_logger/stats')).status).toBe(401);
    expect(platform.sent.filter((s) => s.backend === 'origin' && s.request.url.includes('_kinesis_logger'))).toEqual([]);
    expect(platform.loggers.get('main_fallback')!.lines).toEqual(['GET /during-outage 200']);
    expect(platform.loggers.get('role_fallback')!.lines).toEqual(['role GET /during-outage 200']);
    collectPlatformOutput(platform);

    // 5. A wrong secret in the store: InvalidSignatureException, reported.
    resetLoadedService();
    const wrong = platformWith({ ...secrets, 'main.secret_access_key': WRONG_SECRET });
    await exchange(wrong, '/wrong-secret');
    const errors = wrong.loggers.get('kinesis_logger_errors')!.lines;
    expect(errors.some((l) => l.startsWith(`Failed to put record onto stream ${mainStream}: InvalidSignatureException`))).toBe(true);
    collectPlatformOutput(wrong);

    // 5b. Temporary keys as user_credentials (a static session_token) with a wrong secret: every
    // refusal echoes the canonical request, token included — for ListShards (the shard-map refresh
    // report) and for PutRecords (the delivery report).
    resetLoadedService();
    stack.registry.add(STATIC_TEMPORARY);
    const withToken = platformWith({
      ...secrets,
      'main.access_key_id': STATIC_TEMPORARY.accessKeyId,
      'main.secret_access_key': WRONG_SECRET,
      'main.session_token': STATIC_TEMPORARY.sessionToken,
    });
    const rejectedBefore = stack.exchanges.filter((e) => e.rejectedWith).length;
    await exchange(withToken, '/wrong-secret-with-token');
    const tokenErrors = withToken.loggers.get('kinesis_logger_errors')!.lines;
    expect(tokenErrors.some((l) => /shard map: ListShards failed: InvalidSignatureException/.test(l))).toBe(true);
    expect(tokenErrors.some((l) => l.startsWith(`Failed to put record onto stream ${mainStream}: InvalidSignatureException`))).toBe(true);
    // The answers did carry the token: the reports had something to leak.
    const echoes = stack.exchanges.filter((e) => e.rejectedWith === 'InvalidSignatureException').slice(rejectedBefore);
    expect(echoes.some((e) => e.responseBody.includes(`x-amz-security-token:${STATIC_TEMPORARY.sessionToken}`))).toBe(true);
    collectPlatformOutput(withToken);

    // 6. A missing secret, and an admin page without a configured token (404).
    resetLoadedService();
    const missing = platformWith({ 'main.access_key_id': MAIN_KEYS.accessKeyId });
    await exchange(missing, '/missing-secret');
    expect((await exchange(missing, '/_kinesis_logger/stats', { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(404);
    collectPlatformOutput(missing);

    // Every HTTP body exchanged with Kinesis (both ways) and every form sent to STS. Not the
    // verifier's own refusals: they are AWS's words, echoing what we signed (token included) by
    // design; what we repeat of them is in the reports captured above.
    for (const e of stack.exchanges) {
      captured.push(e.requestBody);
      if (!e.rejectedWith) captured.push(e.responseBody);
      // Records travel base64-encoded: scan them decoded too.
      if (e.requestHeaders['x-amz-target'] === 'Kinesis_20131202.PutRecords') {
        for (const r of (JSON.parse(e.requestBody) as { Records: { Data: string }[] }).Records) captured.push(Buffer.from(r.Data, 'base64').toString('utf8'));
      }
    }
    for (const form of sts.requests) captured.push(new URLSearchParams(form).toString());

    const needles = [
      MAIN_KEYS.secretAccessKey,
      MAIN_KEYS.accessKeyId,
      ROLE_BASE_KEYS.secretAccessKey,
      ROLE_BASE_KEYS.accessKeyId,
      ADMIN_TOKEN,
      WRONG_SECRET,
      STATIC_TEMPORARY.secretAccessKey,
      STATIC_TEMPORARY.sessionToken,
      STATIC_TEMPORARY.accessKeyId,
      ...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken!, c.accessKeyId]),
    ];
    expect(sts.issued.length).toBeGreaterThanOrEqual(2);
    expect(captured.length).toBeGreaterThan(30);
    const haystack = captured.join('\n');
    // The capture did see the outputs that could have leaked: reports, records, admin page, STS forms.
    for (const seen of ['Failed to put record onto stream', 'InvalidSignatureException', 'MissingCredentials', '"scope": "instance"', 'AssumeRole', 'GET /page/1 200']) {
      expect(haystack).toContain(seen);
    }
    const found = needles.filter((needle) => haystack.includes(needle));
    expect(found).toEqual([]);
  });
});
