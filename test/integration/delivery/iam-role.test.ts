/**
 * iam_role access end to end in Node: base keys from the (fake) Secret Store sign an STS
 * AssumeRole at the STS stand-in, whose temporary credentials the SigV4 verifier in front of
 * kinesalite then accepts. STS calls take from the same execution budget as Kinesis calls.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryTuning } from '../../../src/delivery/index.js';
import { EXPIRY_MARGIN_MS } from '../../../src/aws/credentials.js';
import { TEST_REGION } from '../../../src/testing/local-kinesis.js';
import { FakeClock } from '../../support/fake-clock.js';
import { startStsStandIn, type StsStandIn } from '../../support/sts-stand-in.js';
import { accountFor, newStream, numberedLines, stackInstance, startStack, type LoggingInstance, type Stack } from '../../support/delivery-stack.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/fastly-kinesis-logs';
const EXTERNAL_ID = 'fastly-customer-4Gx';

let stack: Stack;
let sts: StsStandIn;

beforeAll(async () => {
  stack = await startStack();
  sts = await startStsStandIn({ credentials: stack.registry, region: TEST_REGION, roleArn: ROLE_ARN, externalId: EXTERNAL_ID, lifetimeSeconds: 3600 });
});
afterAll(async () => {
  await sts?.stop();
  await stack?.stop();
});
beforeEach(() => {
  sts.setFaults(undefined);
});

interface RoleOptions {
  externalId?: string;
  stsUrl?: string;
  tuning?: DeliveryTuning;
  now?: () => number;
}

/** One instance of the product's delivery for an iam_role endpoint on `stream`, from config keys. */
function iamRoleInstance(stream: string, options: RoleOptions = {}): LoggingInstance {
  const instance = stackInstance(stack, stream, {
    fields: {
      iam_role: ROLE_ARN,
      external_id: options.externalId ?? EXTERNAL_ID,
      role_duration_seconds: '900',
      sts_url: options.stsUrl ?? sts.url,
    },
    tuning: options.tuning,
    now: options.now,
  });
  expect(instance.endpoint.access).toMatchObject({ method: 'iam_role', stsUrl: options.stsUrl ?? sts.url, stsBackend: { kind: 'static', name: 'sts' } });
  return instance;
}

describe('iam_role: STS AssumeRole → temporary credentials → Kinesis', () => {
  it('assumes the role once, signs with the temporary keys and session token, and caches them', async () => {
    const stream = await newStream(stack, 1, 'iam');
    const instance = iamRoleInstance(stream);
    const callsBefore = sts.stats.calls;
    const first = await instance.deliver(numberedLines(5));
    expect(first.outcome).toMatchObject({ delivered: 5, failed: 0, putRecordsCalls: 1 });
    expect(sts.stats.calls - callsBefore).toBe(1);
    // STS, ListShards, DescribeStreamSummary and PutRecords all took from the one budget.
    expect(first).toMatchObject({ stsCalls: 1, listShardsCalls: 1, streamSummaryCalls: 1, putRecordsCalls: 1 });
    expect(first.budget.spent).toBe(4);
    const request = sts.requests.at(-1)!;
    expect(request).toMatchObject({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE_ARN, ExternalId: EXTERNAL_ID, DurationSeconds: '900', RoleSessionName: 'compute-kinesis-logger' });
    const issued = sts.issued.at(-1)!;
    const put = stack.exchanges.filter((e) => e.requestHeaders['x-amz-target'] === 'Kinesis_20131202.PutRecords').at(-1)!;
    expect(put.requestHeaders['authorization']).toContain(`Credential=${issued.accessKeyId}/`);
    expect(put.requestHeaders['authorization']).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);

    const second = await instance.deliver(numberedLines(5, 'again'));
    expect(second.outcome.delivered).toBe(5);
    expect(sts.stats.calls - callsBefore).toBe(1);
    expect(instance.credentialsStats()).toMatchObject({ source: 'sts_assume_role', fetches: 1, fetchFailures: 0 });
  });

  it('assumes the role again once the credentials come within the 60 s expiry margin', async () => {
    // Credentials that live 62 s, and a clock the test moves: the instance is put 1 ms before the
    // margin, then on it, whatever time the calls take on a loaded machine.
    const shortLived = await startStsStandIn({ credentials: stack.registry, region: TEST_REGION, lifetimeSeconds: 62 });
    const clock = new FakeClock(Date.now());
    try {
      const stream = await newStream(stack, 1, 'iam');
      const instance = iamRoleInstance(stream, { stsUrl: shortLived.url, now: clock.now });
      await instance.deliver(['a']);
      // What the instance holds: Expiration has whole seconds.
      const expiresAtMs = Date.parse(instance.credentialsStats().expiresAt!);
      expect(expiresAtMs).toBe(Math.floor(shortLived.issued[0].expiresAtMs! / 1_000) * 1_000);
      clock.ms = expiresAtMs - EXPIRY_MARGIN_MS - 1;
      await instance.deliver(['b']);
      expect(shortLived.stats.calls).toBe(1);
      clock.ms = expiresAtMs - EXPIRY_MARGIN_MS;
      const third = await instance.deliver(['c']);
      expect(third.outcome.delivered).toBe(1);
      expect(shortLived.stats.calls).toBe(2);
      expect(instance.credentialsStats().expiresAt).toBe(new Date(shortLived.issued[1].expiresAtMs!).toISOString().replace(/\.\d{3}Z$/, '.000Z'));
    } finally {
      await shortLived.stop();
    }
  });

  it('after an auth error, refreshes once (rate-limited) and retries once', async () => {
    const stream = await newStream(stack, 1, 'iam');
    const instance = iamRoleInstance(stream);
    const lines = numberedLines(4);
    const warm = await instance.deliver(lines.slice(0, 1));
    expect(warm.outcome.delivered).toBe(1);
    const before = sts.stats.calls;
    // The session is revoked behind our back: Kinesis answers UnrecognizedClientException.
    stack.registry.revoke(sts.issued.at(-1)!.accessKeyId);
    const result = await instance.deliver(lines.slice(1));
    expect(result.outcome).toMatchObject({ delivered: 3, failed: 0, putRecordsCalls: 2, retried: 3 });
    expect(sts.stats.calls - before).toBe(1);
    expect(instance.credentialsStats()).toMatchObject({ forcedRefreshes: 1 });

    // Revoked again at once: the refresh is refused by the rate limit, the lines fail as auth.
    stack.registry.revoke(sts.issued.at(-1)!.accessKeyId);
    const refused = await instance.deliver(['late']);
    expect(refused.outcome).toMatchObject({ delivered: 0, failed: 1, putRecordsCalls: 1, failedByKind: { auth: 1 } });
    expect(refused.reports[0]).toMatch(/^Failed to put record onto stream .*: UnrecognizedClientException The security token included in the request is invalid\. \(1 of 1 records; credentials refused, 1 attempt\)$/);
    expect(refused.fallback).toEqual(['late']);
    expect(sts.stats.calls - before).toBe(1);
    expect(instance.credentialsStats()).toMatchObject({ forcedRefreshes: 1, refreshesRateLimited: 1 });
    const books = await accountFor(stack, stream, [...lines, 'late'], { ...refused, fallback: refused.fallback });
    expect(books.lost).toEqual([]);
  });

  it('a throttled AssumeRole is called once in the execution, not again until its backoff has passed; then the role is assumed and lines flow', async () => {
    const stream = await newStream(stack, 1, 'iam');
    sts.setFaults([{ kind: 'error', status: 400, code: 'Throttling', message: 'Rate exceeded' }]);
    const instance = iamRoleInstance(stream, { tuning: { minStsBackoffMs: 300 } });
    const before = sts.stats.calls;
    const throttled = await instance.deliver(['x', 'y']);
    // One AssumeRole, and nothing sent to Kinesis without credentials; the lines go to the fallback, reported once.
    expect(throttled).toMatchObject({ stsCalls: 1, listShardsCalls: 0, putRecordsCalls: 0 });
    expect(throttled.outcome).toMatchObject({ delivered: 0, failed: 2, putRecordsCalls: 0, failedByCode: { Throttling: 2 } });
    expect(throttled.fallback).toEqual(['x', 'y']);
    expect(throttled.reports).toEqual([expect.stringMatching(/^Failed to put record onto stream .*: Throttling STS AssumeRole: Rate exceeded \(endpoints main; AssumeRole of arn:aws:iam::123456789012:role\/fastly-kinesis-logs\); their lines are not sent while it fails/)]);
    // Inside the backoff: no call.
    const waiting = await instance.deliver(['z']);
    expect(waiting.stsCalls).toBe(0);
    expect(waiting.reports).toEqual([]);
    await new Promise((r) => setTimeout(r, 350));
    const after = await instance.deliver(['w']);
    expect(after.outcome).toMatchObject({ delivered: 1, failed: 0 });
    expect(after.stsCalls).toBe(1);
    expect(sts.stats.calls - before).toBe(2);
  });

  it('an AccessDenied from STS (wrong external id): at most one AssumeRole per execution, backed off, reported once, nothing sent to Kinesis', async () => {
    const stream = await newStream(stack, 1, 'iam');
    const instance = iamRoleInstance(stream, { externalId: 'someone-else', tuning: { minStsBackoffMs: 200 } });
    const putsBefore = stack.proxy.stats.calls.PutRecords ?? 0;
    const before = sts.stats.calls;
    const first = await instance.deliver(['x']);
    expect(first.outcome).toMatchObject({ delivered: 0, failed: 1, putRecordsCalls: 0, failedByCode: { AccessDenied: 1 } });
    expect(first.stsCalls).toBe(1);
    expect(first.reports).toEqual([expect.stringMatching(/^Failed to put record onto stream .*: AccessDenied STS AssumeRole: User: .* is not authorized to perform: sts:AssumeRole .*\(endpoints main; AssumeRole of .*\); their lines are not sent while it fails/)]);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 350));
      const again = await instance.deliver([`again-${i}`]);
      expect(again.stsCalls).toBeLessThanOrEqual(1);
      expect(again.reports).toEqual([]);
      expect(again.fallback).toEqual([`again-${i}`]);
    }
    expect(sts.stats.calls - before).toBeLessThanOrEqual(4);
    expect(stack.proxy.stats.calls.PutRecords ?? 0).toBe(putsBefore);
  });

  it('plans STS with the PutRecords call it serves: with one request left neither is sent, with two both are', async () => {
    const stream = await newStream(stack, 1, 'iam');
    const instance = iamRoleInstance(stream);
    const before = sts.stats.calls;
    const tight = await instance.deliver(['x'], { budgetRequests: 1 });
    expect(sts.stats.calls - before).toBe(0);
    expect(tight.budget.spent).toBe(0);
    expect(tight.outcome).toMatchObject({ delivered: 0, failed: 1, putRecordsCalls: 0, failedByCode: { BudgetExhausted: 1 } });
    expect(tight.reports).toEqual([expect.stringMatching(/BudgetExhausted .*\(1 of 1 records; backend request or time budget of this execution spent before it was sent\)$/)]);
    const enough = await instance.deliver(['y'], { budgetRequests: 2 });
    expect(enough).toMatchObject({ stsCalls: 1, putRecordsCalls: 1, listShardsCalls: 0 });
    expect(enough.outcome.delivered).toBe(1);
  });
});
