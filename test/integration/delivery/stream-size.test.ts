/**
 * The stream's maximum record size against kinesalite over HTTP (client → SigV4 verifier → fault
 * proxy → kinesalite): kinesalite 3.3.3 answers DescribeStreamSummary, without
 * `MaxRecordSizeInKiB`, so its streams are 1 MiB streams; the real delivery reads it with the
 * stream's map (one signed request), keeps it in KV beside the map, and delivers within it; a
 * denied DescribeStreamSummary (scripted by the fault proxy) leaves delivery at 1 MiB, reported
 * once and not asked again. (A stream raised to 10 MiB is covered by a stand-in in the unit tests:
 * kinesalite has no UpdateMaxRecordSize.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { staticCredentials } from '../../../src/aws/credentials.js';
import { keyAccount } from '../../../src/aws/identity.js';
import { createSignedFetch } from '../../../src/aws/signed-fetch.js';
import { streamScope } from '../../../src/delivery/index.js';
import { createKinesisApi } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';
import { readStreamMaxRecordBytes } from '../../../src/kinesis/stream-summary.js';
import { mapKey } from '../../../src/shards/map-store.js';
import { FakeKvStore } from '../../../src/testing/memory-stores.js';
import { readStream, TEST_REGION } from '../../../src/testing/local-kinesis.js';
import { newStream, stackInstance, startStack, TEST_KEYS, type Stack } from '../../support/delivery-stack.js';

const MIB = 1024 * 1024;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ operations: ['DescribeStreamSummary'] });
});
afterAll(async () => stack?.stop());

function signedApi() {
  return createKinesisApi(
    stack.verifier.url,
    createSignedFetch({
      service: 'kinesis',
      region: TEST_REGION,
      credentials: staticCredentials(async () => TEST_KEYS),
      backend: { kind: 'static', name: 'kinesis' },
      fetch: (request) => fetch(request),
      budget: new RequestBudget(10, Date.now() + 10_000),
      timeoutMs: 5_000,
      signingKeyCache: new Map(),
    }),
  );
}

describe("the stream's maximum record size, against kinesalite", () => {
  it('kinesalite answers DescribeStreamSummary over HTTP without MaxRecordSizeInKiB: a 1 MiB stream', async () => {
    stack.proxy.setFaults(undefined);
    const stream = await newStream(stack, 2, 'summary');
    const answer = await signedApi().describeStreamSummary({ StreamName: stream });
    expect(answer.StreamDescriptionSummary).toMatchObject({ StreamName: stream, StreamStatus: 'ACTIVE', OpenShardCount: 2 });
    expect(answer.StreamDescriptionSummary).not.toHaveProperty('MaxRecordSizeInKiB');
    expect(await readStreamMaxRecordBytes(signedApi(), stream)).toBe(MIB);
    const missing = await signedApi()
      .describeStreamSummary({ StreamName: `${stream}-missing` })
      .then(() => undefined, (e: unknown) => e);
    expect(missing).toBeInstanceOf(AwsCallError);
    expect((missing as AwsCallError).errorCode).toBe('ResourceNotFoundException');
  });

  it('delivery reads it with the map (one signed request), keeps it in KV, and truncates a 2 MiB line to fit', async () => {
    stack.proxy.setFaults(undefined);
    const stream = await newStream(stack, 1, 'summary');
    const kv = new FakeKvStore();
    const instance = stackInstance(stack, stream, { kv });
    const first = await instance.deliver(['small']);
    expect(first).toMatchObject({ listShardsCalls: 1, streamSummaryCalls: 1, putRecordsCalls: 1 });
    expect(instance.streamStats().shardMap).toMatchObject({ maxRecordBytes: MIB, streamSummaryCalls: 1 });
    const scope = streamScope(instance.endpoint, keyAccount(TEST_KEYS.accessKeyId));
    expect(JSON.parse((await kv.get(mapKey(scope)))!)).toMatchObject({ maxRecordBytes: MIB });
    expect(instance.delivery.maxRecordBytes(instance.endpoint)).toBe(MIB);

    const big = await instance.deliver(['b'.repeat(2 * MIB)]);
    expect(big).toMatchObject({ listShardsCalls: 0, streamSummaryCalls: 0, putRecordsCalls: 1 });
    expect(big.outcome).toMatchObject({ delivered: 1, truncated: 1, failed: 0 });
    const stored = await readStream(stack.kinesis.url, stream);
    expect(stored.map((r) => Buffer.byteLength(r.data))).toEqual(['small'.length, MIB - 256]);
    // A second instance of the fleet takes the map, and the size, from KV: no request for either.
    const other = stackInstance(stack, stream, { kv });
    expect(await other.deliver(['from b'])).toMatchObject({ listShardsCalls: 0, streamSummaryCalls: 0, putRecordsCalls: 1 });
    expect(other.streamStats().shardMap.maxRecordBytes).toBe(MIB);
  });

  it('denied (AccessDeniedException): lines still go at 1 MiB, reported once, not asked again', async () => {
    stack.proxy.setFaults(() => ({ kind: 'status', status: 400, errorType: 'AccessDeniedException', message: 'User is not authorized to perform: kinesis:DescribeStreamSummary' }));
    const stream = await newStream(stack, 1, 'summary-denied');
    let now = Date.now();
    const instance = stackInstance(stack, stream, { kv: new FakeKvStore(() => now), now: () => now, fields: { period: '60' } });
    const first = await instance.deliver(['one']);
    expect(first).toMatchObject({ listShardsCalls: 1, streamSummaryCalls: 1, putRecordsCalls: 1, reports: [] });
    expect(first.outcome).toMatchObject({ delivered: 1, failed: 0 });
    expect(first.notices).toEqual([expect.stringMatching(/shard map: DescribeStreamSummary was denied \(AccessDeniedException\).*1 MiB.*Allow kinesis:DescribeStreamSummary/)]);
    now += 61_000;
    const later = await instance.deliver(['c'.repeat(MIB + 10)]);
    expect(later).toMatchObject({ listShardsCalls: 1, streamSummaryCalls: 0, notices: [] });
    expect(later.outcome).toMatchObject({ delivered: 1, truncated: 1 });
    expect(instance.streamStats().shardMap.maxRecordBytes).toBeUndefined();
  });
});
