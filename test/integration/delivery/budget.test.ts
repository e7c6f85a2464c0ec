/**
 * The execution's backend requests across many endpoints (issue 14.1), through the stack with
 * real SigV4 (verifier → fault proxy → kinesalite, STS stand-in): on a cold sandbox with an empty
 * KV store, the largest configuration docs/configuration.md says fits — MAX_ENDPOINTS endpoints on as many
 * streams, with the distinct roles the rest of the 31 requests allow — delivers every line; one distinct role more is refused at load, with the
 * arithmetic. Maps that do not fit are not listed, and that is no failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGGING_BACKEND_REQUESTS, MAX_ENDPOINTS } from '../../../src/config/index.js';
import { readStream } from '../../../src/testing/local-kinesis.js';
import { startStsStandIn, type StsStandIn } from '../../support/sts-stand-in.js';
import { newStream, stackInstance, startStack, type LoggingInstance, type Stack } from '../../support/delivery-stack.js';
import { TEST_REGION } from '../../../src/testing/local-kinesis.js';

let stack: Stack;
let sts: StsStandIn;

beforeAll(async () => {
  stack = await startStack();
  sts = await startStsStandIn({ credentials: stack.registry, region: TEST_REGION, lifetimeSeconds: 3600 });
});
afterAll(async () => {
  await sts?.stop();
  await stack?.stop();
});

/** One instance with `streams.length` endpoints, one per stream; endpoint i assumes role min(i, roles − 1), or signs with keys when roles is 0. */
function instanceFor(streams: readonly string[], roles: number): LoggingInstance {
  const fields = (i: number): Record<string, string> => ({
    stream_name: streams[i],
    ...(roles > 0 ? { iam_role: `arn:aws:iam::123456789012:role/logs-${Math.min(i, roles - 1)}`, sts_url: sts.url } : {}),
  });
  return stackInstance(stack, streams[0], {
    fields: fields(0),
    more: Object.fromEntries(streams.slice(1).map((_, k) => [`e${k + 1}`, fields(k + 1)])),
  });
}

const linePerEndpoint = (instance: LoggingInstance) => [...instance.endpoints.keys()].map((endpoint) => ({ endpoint, line: `line of ${endpoint}` }));

describe('one execution, many endpoints, a cold sandbox and an empty KV store', () => {
  it(`${MAX_ENDPOINTS} endpoints on ${MAX_ENDPOINTS} streams with ${LOGGING_BACKEND_REQUESTS - MAX_ENDPOINTS} distinct roles: every line delivered`, async () => {
    const roles = LOGGING_BACKEND_REQUESTS - MAX_ENDPOINTS;
    const streams = await Promise.all(Array.from({ length: MAX_ENDPOINTS }, () => newStream(stack, 1, 'budget')));
    const instance = instanceFor(streams, roles);
    const result = await instance.deliver(linePerEndpoint(instance));
    // One AssumeRole per role, one PutRecords per stream: the 31 requests, none left for ListShards.
    expect(result).toMatchObject({ stsCalls: roles, putRecordsCalls: MAX_ENDPOINTS, listShardsCalls: 0 });
    expect(result.budget.spent).toBe(LOGGING_BACKEND_REQUESTS);
    expect(result.reports).toEqual([]);
    expect(result.fallback).toEqual([]);
    const stored = await Promise.all(streams.map((s) => readStream(stack.kinesis.url, s)));
    expect(stored.map((records) => records.map((r) => r.data))).toEqual([...instance.endpoints.keys()].map((e) => [`line of ${e}`]));
    // Maps that did not fit were deferred, not failed: no backoff, nothing reported.
    for (const endpoint of instance.endpoints.keys()) expect(instance.streamStats(endpoint).shardMap).toMatchObject({ refreshFailures: 0, refreshesDeferred: 1 });

    // The next execution needs no AssumeRole: its requests list maps after the PutRecords calls and the retry reserve.
    const next = await instance.deliver(linePerEndpoint(instance));
    expect(next).toMatchObject({ stsCalls: 0, putRecordsCalls: MAX_ENDPOINTS });
    expect(next.listShardsCalls).toBeGreaterThan(0);
    expect(next.listShardsCalls).toBeLessThanOrEqual(LOGGING_BACKEND_REQUESTS - MAX_ENDPOINTS - 2);
    expect(next.reports).toEqual([]);
  });

  it('16 user_credentials endpoints on 16 streams: every line delivered, maps listed with what is left', async () => {
    const streams = await Promise.all(Array.from({ length: 16 }, () => newStream(stack, 2, 'budget-keys')));
    const instance = instanceFor(streams, 0);
    const result = await instance.deliver(linePerEndpoint(instance));
    expect(result).toMatchObject({ stsCalls: 0, putRecordsCalls: 16 });
    expect(result.listShardsCalls).toBe(LOGGING_BACKEND_REQUESTS - 16 - 2);
    // Maps come first: no request is left for the streams' record sizes (read with a later listing).
    expect(result.streamSummaryCalls).toBe(0);
    expect(result.reports).toEqual([]);
    const stored = (await Promise.all(streams.map((s) => readStream(stack.kinesis.url, s)))).flat();
    expect(stored).toHaveLength(16);
  });

  it('one distinct role more is refused at load, with the arithmetic', async () => {
    const streams = Array.from({ length: MAX_ENDPOINTS }, (_, i) => `not-created-${i}`);
    expect(() => instanceFor(streams, LOGGING_BACKEND_REQUESTS - MAX_ENDPOINTS + 1)).toThrow(
      `e${MAX_ENDPOINTS - 1}: with it, a request's lines on a new sandbox need ${LOGGING_BACKEND_REQUESTS - MAX_ENDPOINTS + 1} AssumeRole (distinct roles) + ${MAX_ENDPOINTS} PutRecords (streams × signers) = 32 backend requests`,
    );
  });
});
