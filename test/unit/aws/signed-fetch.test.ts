import { describe, expect, it } from 'vitest';
import { BudgetExhaustedError, RequestBudget } from '../../../src/aws/budget.js';
import { expiringCredentials, staticCredentials } from '../../../src/aws/credentials.js';
import { amzDate, createSignedFetch, RequestTimeoutError, SigningError } from '../../../src/aws/signed-fetch.js';
import { createKinesisApi } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';

const init = { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.PutRecords' }, body: '{}' };

function signedFetch(options: { credentials?: Parameters<typeof createSignedFetch>[0]['credentials']; budget?: RequestBudget; answer?: (r: Request) => Promise<Response>; timeoutMs?: number }) {
  const sent: Request[] = [];
  const fetchFn = createSignedFetch({
    service: 'kinesis',
    region: 'us-east-1',
    credentials: options.credentials ?? staticCredentials(async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' })),
    backend: { kind: 'static', name: 'kinesis' },
    fetch: async (request) => (sent.push(request), options.answer ? options.answer(request) : new Response('{}')),
    budget: options.budget ?? new RequestBudget(10, Date.now() + 60_000),
    timeoutMs: options.timeoutMs ?? 1_000,
    signingKeyCache: new Map(),
  });
  return { fetchFn, sent };
}

describe('amzDate', () => {
  it('is SigV4\'s basic ISO 8601 form, in UTC, without the milliseconds', () => {
    expect(amzDate(Date.UTC(2026, 11, 2, 1, 2, 3, 456))).toBe('20261202T010203Z');
    expect(amzDate(Date.UTC(1999, 0, 9, 23, 59, 59, 999))).toBe('19990109T235959Z');
  });
});

describe('createSignedFetch', () => {
  it('answers the status, headers and whole body of the call', async () => {
    const { fetchFn } = signedFetch({ answer: async () => new Response('{"FailedRecordCount":0}', { status: 200, headers: { 'x-amzn-requestid': 'abc' } }) });
    const answer = await fetchFn('https://kinesis.us-east-1.amazonaws.com/', init);
    expect([answer.status, answer.ok, answer.headers.get('x-amzn-requestid'), answer.text]).toEqual([200, true, 'abc', '{"FailedRecordCount":0}']);
  });

  it('signs the session token of temporary credentials (it is among SignedHeaders)', async () => {
    const credentials = staticCredentials(async () => ({ accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 'the-token' }));
    const { fetchFn, sent } = signedFetch({ credentials });
    await fetchFn('https://kinesis.us-east-1.amazonaws.com/', init);
    expect(sent[0].headers.get('x-amz-security-token')).toBe('the-token');
    expect(sent[0].headers.get('authorization')).toMatch(/SignedHeaders=host;x-amz-date;x-amz-security-token;x-amz-target,/);
  });

  it('takes one request per call, and none when the budget is spent', async () => {
    const budget = new RequestBudget(1, Date.now() + 60_000);
    const { fetchFn, sent } = signedFetch({ budget });
    await fetchFn('https://kinesis.us-east-1.amazonaws.com/', init);
    await expect(fetchFn('https://kinesis.us-east-1.amazonaws.com/', init)).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(sent).toHaveLength(1);
    expect(budget.spent).toBe(1);
  });

  it('gets credentials (maybe an STS call) before taking the call\'s own request', async () => {
    const budget = new RequestBudget(2, Date.now() + 60_000);
    const order: string[] = [];
    const credentials = expiringCredentials({
      fetch: async (b) => {
        order.push(`sts took ${b.tryTake()}`);
        return { accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiresAtMs: Date.now() + 3_600_000 };
      },
    });
    const { fetchFn } = signedFetch({ credentials, budget, answer: async () => (order.push(`call sent, ${budget.remaining} left`), new Response('{}')) });
    await fetchFn('https://kinesis.us-east-1.amazonaws.com/', init);
    expect(order).toEqual(['sts took true', 'call sent, 0 left']);
  });

  it('times out a call whose body stalls, not only one that never answers', async () => {
    const stalled = new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"partial"')) });
    const { fetchFn } = signedFetch({ answer: async () => new Response(stalled), timeoutMs: 30 });
    await expect(fetchFn('https://kinesis.us-east-1.amazonaws.com/', init)).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it('a request that cannot be signed is never sent and takes no request: an unsent SigningFailed, without the credential in the message', async () => {
    const budget = new RequestBudget(5, Date.now() + 60_000);
    const credentials = staticCredentials(async () => ({ accessKeyId: 'AKIDWITHNEWLINE\n', secretAccessKey: 's', sessionToken: 'tok\r\nen' }));
    const { fetchFn, sent } = signedFetch({ credentials, budget });
    const error = await fetchFn('https://kinesis.us-east-1.amazonaws.com/', init).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningError);
    expect(sent).toEqual([]);
    expect(budget.spent).toBe(0);
    const api = createKinesisApi('https://kinesis.us-east-1.amazonaws.com/', fetchFn);
    const callError = (await api.putRecords({ StreamName: 's', Records: [] }).catch((e: unknown) => e)) as AwsCallError;
    expect(callError).toBeInstanceOf(AwsCallError);
    expect(callError).toMatchObject({ errorCode: 'SigningFailed', requestSent: false, errorClass: 'fatal' });
    expect(callError.message).not.toMatch(/AKIDWITHNEWLINE|tok/);
  });
});
