/**
 * Delivery through the compiled Wasm in Viceroy: the signatures the Compute runtime computes are
 * checked by an independent verifier built on AWS's own signer, for access keys and for IAM-role
 * credentials from an STS stand-in; and under injected faults every record is delivered or
 * reported as failed, while the client's responses are unaffected.
 *
 *   Viceroy (bin/main.wasm) → SigV4 verifier → fault proxy → kinesalite
 *                           ↘ STS stand-in (iam_role)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../support/fault-proxy.js';
import { createStream, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { CredentialRegistry, startSigV4Verifier, type SigV4Verifier } from '../support/sigv4-verifier.js';
import { startStsStandIn, type StsStandIn } from '../support/sts-stand-in.js';
import { setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
const KEYS = { accessKeyId: 'AKIDE2EDELIVERYTEST1', secretAccessKey: 'e2e-delivery-secret-Zq3-never-printed' };
const ROLE_ARN = 'arn:aws:iam::111122223333:role/compute-logger';

interface Stack {
  kinesis: LocalKinesis;
  proxy: FaultProxy;
  verifier: SigV4Verifier;
  sts?: StsStandIn;
  origin: DemoOrigin;
  app: ViceroyApp;
}

let stack: Stack | undefined;

afterEach(async () => {
  if (!stack) return;
  await stack.app.shutdown();
  await stack.sts?.stop();
  await stack.verifier.stop();
  await stack.proxy.stop();
  await stack.origin.stop();
  await stack.kinesis.stop();
  stack = undefined;
});

async function start(options: {
  shards: number;
  faults?: Omit<FaultProxyOptions, 'target'>;
  iamRole?: boolean;
  config?: Record<string, string>;
  /** Appended to every stored secret, as `--stdin <<< "$VALUE"` appends a newline. */
  secretSuffix?: string;
}): Promise<Stack> {
  const kinesis = await startLocalKinesis();
  await createStream(kinesis.url, STREAM, options.shards);
  const proxy = await startFaultProxy({ target: kinesis.url, recordsPerSecondPerShard: 1e9, ...options.faults });
  const registry = new CredentialRegistry([KEYS]);
  const verifier = await startSigV4Verifier({ target: proxy.url, credentials: registry, region: 'us-east-1' });
  const sts = options.iamRole ? await startStsStandIn({ credentials: registry, roleArn: ROLE_ARN, externalId: 'e2e-external-id', lifetimeSeconds: 900 }) : undefined;
  const origin = await startDemoOrigin();
  const app = await startViceroy({
    ports: { origin: origin.port, kinesis: verifier.port, sts: sts?.port },
    editManifest(toml) {
      const suffix = JSON.stringify(options.secretSuffix ?? '').slice(1, -1);
      let out = toml
        .replace('data = "AKIDLOCALDEVELOPMENT"', `data = "${KEYS.accessKeyId}${suffix}"`)
        .replace('data = "local-development-secret-not-a-real-key"', `data = "${KEYS.secretAccessKey}${suffix}"`)
        .replace('data = "local-admin-token"', `data = "local-admin-token${suffix}"`);
      out = setConfigItem(out, 'main.format', '%m %U %>s');
      if (sts) {
        out = setConfigItem(out, 'main.iam_role', ROLE_ARN);
        out = setConfigItem(out, 'main.external_id', 'e2e-external-id');
        out = setConfigItem(out, 'main.sts_url', `http://127.0.0.1:${sts.port}/`);
      }
      for (const [key, value] of Object.entries(options.config ?? {})) out = setConfigItem(out, key, value);
      return out;
    },
  });
  stack = { kinesis, proxy, verifier, sts, origin, app };
  return stack;
}

/** Sends `count` requests one after another, each read whole. */
async function drive(app: ViceroyApp, count: number): Promise<{ statuses: number[] }> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await app.fetch(`/r/${i}`);
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return { statuses };
}

/** Waits until every request is either in the stream or counted in a failure report. */
async function accountFor(s: Stack, count: number): Promise<{ stored: string[]; reportedFailed: number; reports: string[] }> {
  const until = Date.now() + 45_000;
  for (;;) {
    const stored = (await readStream(s.kinesis.url, STREAM)).map((r) => r.data);
    const reports = s.app.logLines('kinesis_logger_errors').filter((l) => l.startsWith('Failed to put record onto stream'));
    const reportedFailed = reports.reduce((sum, line) => sum + Number(/\((\d+) of \d+ records[;)]/.exec(line)?.[1] ?? NaN), 0);
    if (stored.length + reportedFailed >= count || Date.now() > until) return { stored, reportedFailed, reports };
    await new Promise((r) => setTimeout(r, 250));
  }
}

const SECRET_VALUES = [KEYS.secretAccessKey, 'local-admin-token'];

/** Rejections of our calls: Viceroy's own start-up health check (an unsigned GET /) is not one. */
function rejectedCalls(verifier: SigV4Verifier) {
  return verifier.stats.rejections.filter((r) => r.code !== 'MissingAuthenticationTokenException');
}

describe('delivery from the Wasm in Viceroy', () => {
  it('signs every call so that AWS\'s own signer verifies it (access keys)', async () => {
    const s = await start({ shards: 4 });
    const { statuses } = await drive(s.app, 12);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const { stored } = await accountFor(s, 12);
    expect(stored.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `GET /r/${i} 200`).sort());
    expect(rejectedCalls(s.verifier)).toEqual([]);
    expect(s.verifier.stats.accepted).toBeGreaterThanOrEqual(13); // 12 PutRecords + at least one ListShards
    for (const secret of SECRET_VALUES) expect(s.app.output()).not.toContain(secret);
  });

  it('assumes the IAM role through STS and signs with the temporary credentials (session token signed)', async () => {
    const s = await start({ shards: 2, iamRole: true });
    await drive(s.app, 6);
    const { stored } = await accountFor(s, 6);
    expect(stored).toHaveLength(6);
    expect(s.sts!.stats.accepted).toBeGreaterThanOrEqual(1);
    expect(s.sts!.requests[0]).toMatchObject({ Action: 'AssumeRole', RoleArn: ROLE_ARN, ExternalId: 'e2e-external-id' });
    expect(rejectedCalls(s.verifier)).toEqual([]);
    const issued = new Set(s.sts!.issued.map((c) => c.sessionToken));
    for (const c of s.sts!.issued) expect(s.app.output()).not.toContain(c.secretAccessKey);
    expect(issued.size).toBeGreaterThanOrEqual(1);
  });

  it('under per-shard throttling, every record is delivered or reported, and responses are unaffected', async () => {
    // One shard accepting 4 records/s (no burst beyond that): most of 30 quick requests are throttled.
    const s = await start({ shards: 1, faults: { recordsPerSecondPerShard: 4, burstSeconds: 1 }, config: { 'main.max_attempts': '2', 'main.retry_window_ms': '0' } });
    const { statuses } = await drive(s.app, 30);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const { stored, reportedFailed, reports } = await accountFor(s, 30);
    expect(new Set(stored).size).toBe(stored.length); // no duplicates
    expect(stored.length + reportedFailed).toBe(30); // none lost silently
    expect(reportedFailed).toBeGreaterThan(0);
    for (const line of reports) expect(line).toMatch(/^Failed to put record onto stream compute-logs: ProvisionedThroughputExceededException /);
    expect(s.proxy.stats.calls.PutRecords).toBeLessThanOrEqual(30 * 2); // max_attempts bounds the calls
  });

  it('when Kinesis answers 503, lines are retried, then reported with the error code', async () => {
    const s = await start({
      shards: 2,
      faults: { faults: () => ({ kind: 'status', status: 503, errorType: 'ServiceUnavailable', message: 'try later' }) },
      config: { 'main.retry_window_ms': '0' },
    });
    const { statuses } = await drive(s.app, 5);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const { stored, reportedFailed, reports } = await accountFor(s, 5);
    expect(stored).toEqual([]);
    expect(reportedFailed).toBe(5);
    for (const line of reports) expect(line).toMatch(/^Failed to put record onto stream compute-logs: ServiceUnavailable try later \(1 of 1 records; /);
    expect(s.proxy.stats.calls.PutRecords).toBe(5 * 3); // max_attempts = 3, never more
  });

  it('after a reset connection, a malformed answer and a call that hangs past the timeout, retries deliver every record once; responses are unaffected', async () => {
    // First a response whose logging cannot finish: the proxy holds its PutRecords call until the
    // response is in. No clock: a response that waited for its logging would come only after the
    // Wasm gave up on the held call (10 s) and tried again, so the proxy would have seen a second call.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const s = await start({ shards: 2, faults: { faults: () => ({ kind: 'hold', until: held }) } });
    const first = await s.app.fetch('/held');
    expect(await first.text()).toBe('hello from the demo origin: /held\n');
    expect(s.proxy.stats.calls.PutRecords ?? 0).toBeLessThanOrEqual(1);
    // Its call is let through once it is in, so that the faults below meet the next requests' calls.
    for (const until = Date.now() + 30_000; !s.proxy.stats.calls.PutRecords && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    release();
    s.proxy.setFaults([{ kind: 'reset' }, { kind: 'malformed' }, { kind: 'hang' }]);

    const { statuses } = await drive(s.app, 6);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const { stored, reportedFailed } = await accountFor(s, 7);
    expect(reportedFailed).toBe(0);
    expect(stored.sort()).toEqual(['GET /held 200', ...Array.from({ length: 6 }, (_, i) => `GET /r/${i} 200`)].sort());
    expect(s.proxy.stats.faultsApplied).toMatchObject({ hold: 1, reset: 1, malformed: 1, hang: 1 });
    expect(s.proxy.stats.calls.PutRecords).toBe(1 + 6 + 3); // one retry per fault, no more
  });

  it('secrets stored with a trailing newline (`--stdin <<<`): the Wasm signs what AWS accepts, and the admin token matches', async () => {
    const s = await start({ shards: 1, secretSuffix: '\n' });
    await drive(s.app, 3);
    const { stored } = await accountFor(s, 3);
    expect(stored).toHaveLength(3);
    expect(rejectedCalls(s.verifier)).toEqual([]);
    expect((await s.app.fetch('/_kinesis_logger/stats', { headers: { authorization: 'Bearer local-admin-token' } })).status).toBe(200);
  });

  it('serves the admin counters behind the token, without secrets', async () => {
    const s = await start({ shards: 1 });
    await drive(s.app, 3);
    await accountFor(s, 3);
    expect((await s.app.fetch('/_kinesis_logger/stats')).status).toBe(401);
    const stats = await s.app.fetch('/_kinesis_logger/stats', { headers: { authorization: 'Bearer local-admin-token' } });
    expect(stats.status).toBe(200);
    const text = await stats.text();
    const body = JSON.parse(text) as { scope: string; instance: { warmUp: string }; endpoints: Record<string, { stream: string }> };
    expect(body.scope).toBe('instance');
    // The build-time warm-up ran to its end inside the runtime, where Request and Response are refused.
    expect(body.instance.warmUp).toBe('done');
    expect(body.endpoints.main.stream).toBe(STREAM);
    for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
    expect(s.origin.seen.filter((l) => l.includes('_kinesis_logger'))).toEqual([]);
  });
});
