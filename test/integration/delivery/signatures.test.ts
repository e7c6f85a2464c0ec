/**
 * Our SigV4 signing (aws4fetch through src/aws/signed-fetch.ts) checked independently by AWS's own
 * signer in test/support/sigv4-verifier.ts, in front of kinesalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClient } from 'aws4fetch';
import { RequestBudget } from '../../../src/aws/budget.js';
import { staticCredentials } from '../../../src/aws/credentials.js';
import { createSignedFetch } from '../../../src/aws/signed-fetch.js';
import { createKinesisApi } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';
import { createStream, randomStreamName, startLocalKinesis, TEST_REGION, type LocalKinesis } from '../../../src/testing/local-kinesis.js';
import { CredentialRegistry, startSigV4Verifier, type SigV4Verifier } from '../../support/sigv4-verifier.js';

const STATIC = { accessKeyId: 'AKIDSIGTEST000000001', secretAccessKey: 'sig-test-secret-Hx7Qm-not-real' };
const TEMPORARY = {
  accessKeyId: 'ASIASIGTEST000000002',
  secretAccessKey: 'sig-test-temp-secret-7Yp2a',
  sessionToken: 'sig-test-session-token-FQoGZXIvYXdzE-long-enough',
  expiresAtMs: Date.now() + 3_600_000,
};

let kinesis: LocalKinesis;
let verifier: SigV4Verifier;
let stream: string;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  verifier = await startSigV4Verifier({ target: kinesis.url, credentials: new CredentialRegistry([STATIC, TEMPORARY]), region: TEST_REGION });
  stream = randomStreamName('sig');
  await createStream(kinesis.url, stream, 1);
});

afterAll(async () => {
  await verifier?.stop();
  await kinesis?.stop();
});

function apiWith(keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  return createKinesisApi(
    verifier.url,
    createSignedFetch({
      service: 'kinesis',
      region: TEST_REGION,
      credentials: staticCredentials(async () => keys),
      backend: { kind: 'static', name: 'kinesis' },
      fetch: (request) => fetch(request),
      budget: new RequestBudget(10, Date.now() + 10_000),
      timeoutMs: 5_000,
      signingKeyCache: new Map(),
    }),
  );
}

async function callError(promise: Promise<unknown>): Promise<AwsCallError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AwsCallError);
  return error as AwsCallError;
}

const record = { Data: btoa('hello'), PartitionKey: 'a' };

describe('SigV4 verified by @smithy/signature-v4', () => {
  it('accepts our signature with static credentials, and kinesalite gets the call', async () => {
    const answer = await apiWith(STATIC).putRecords({ StreamName: stream, Records: [record] });
    expect(answer.FailedRecordCount).toBe(0);
    expect(answer.Records[0].ShardId).toBe('shardId-000000000000');
  });

  it('accepts our signature with temporary credentials, the session token among the signed headers', async () => {
    const before = verifier.stats.accepted;
    const answer = await apiWith(TEMPORARY).putRecords({ StreamName: stream, Records: [record] });
    expect(answer.Records[0].SequenceNumber).toBeTruthy();
    expect(verifier.stats.accepted).toBe(before + 1);
  });

  it('rejects a wrong secret with InvalidSignatureException, like AWS', async () => {
    const error = await callError(apiWith({ ...STATIC, secretAccessKey: 'not-the-secret' }).putRecords({ StreamName: stream, Records: [record] }));
    expect(error.httpStatus).toBe(400);
    expect(error.errorCode).toBe('InvalidSignatureException');
    expect(error.errorClass).toBe('auth');
  });

  it('answers a wrong secret with temporary credentials as AWS does (canonical request, token included); our error keeps the first sentence only', async () => {
    const before = verifier.stats.rejections.length;
    const error = await callError(apiWith({ ...TEMPORARY, secretAccessKey: 'not-the-temp-secret' }).putRecords({ StreamName: stream, Records: [record] }));
    expect(error.errorCode).toBe('InvalidSignatureException');
    // The verifier's answer carries what AWS's does: the canonical request with the session token, and the string to sign.
    const [rejection] = verifier.stats.rejections.slice(before);
    expect(rejection.message).toContain('\nThe Canonical String for this request should have been\n');
    expect(rejection.message).toContain(`\nx-amz-security-token:${TEMPORARY.sessionToken}\n`);
    expect(rejection.message).toMatch(/\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/kinesis\/aws4_request\n[0-9a-f]{64}'/);
    // What our error holds is the gate's output.
    expect(error.errorMessage).toBe('The request signature we calculated does not match the signature you provided.');
    expect(error.message).not.toContain(TEMPORARY.sessionToken);
  });

  it('rejects an unknown key and a wrong session token with UnrecognizedClientException', async () => {
    const unknown = await callError(apiWith({ ...STATIC, accessKeyId: 'AKIDUNKNOWN000000000' }).putRecords({ StreamName: stream, Records: [record] }));
    expect(unknown.errorCode).toBe('UnrecognizedClientException');
    const badToken = await callError(apiWith({ ...TEMPORARY, sessionToken: 'another-token' }).putRecords({ StreamName: stream, Records: [record] }));
    expect(badToken.errorCode).toBe('UnrecognizedClientException');
  });

  it('rejects a session token that is sent but not signed', async () => {
    const client = new AwsClient({ ...STATIC, accessKeyId: TEMPORARY.accessKeyId, secretAccessKey: TEMPORARY.secretAccessKey, service: 'kinesis', region: TEST_REGION, retries: 0 });
    const signed = await client.sign(verifier.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.PutRecords' },
      body: JSON.stringify({ StreamName: stream, Records: [record] }),
    });
    const headers = new Headers(signed.headers);
    headers.set('X-Amz-Security-Token', TEMPORARY.sessionToken); // added after signing
    const response = await fetch(verifier.url, { method: 'POST', headers, body: JSON.stringify({ StreamName: stream, Records: [record] }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnrecognizedClientException');
  });

  it('rejects a tampered body', async () => {
    const client = new AwsClient({ ...STATIC, service: 'kinesis', region: TEST_REGION, retries: 0 });
    const body = JSON.stringify({ StreamName: stream, Records: [record] });
    const signed = await client.sign(verifier.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.PutRecords' },
      body,
    });
    const tampered = body.replace(btoa('hello'), btoa('HELLO'));
    const response = await fetch(verifier.url, { method: 'POST', headers: signed.headers, body: tampered });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    expect(((await response.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
  });

  it('rejects a signature scoped to another service', async () => {
    const client = new AwsClient({ ...STATIC, service: 'firehose', region: TEST_REGION, retries: 0 });
    const signed = await client.sign(verifier.url, { method: 'POST', headers: { 'X-Amz-Target': 'Kinesis_20131202.ListShards' }, body: '{}' });
    const response = await fetch(signed);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/scoped to correct service/);
  });

  it('rejects expired temporary credentials with ExpiredTokenException', async () => {
    const expired = { accessKeyId: 'ASIAEXPIRED000000003', secretAccessKey: 'expired-secret', sessionToken: 'expired-token', expiresAtMs: Date.now() - 1 };
    verifier.credentials.add(expired);
    const error = await callError(apiWith(expired).putRecords({ StreamName: stream, Records: [record] }));
    expect(error.errorCode).toBe('ExpiredTokenException');
    expect(error.errorClass).toBe('auth');
  });
});
