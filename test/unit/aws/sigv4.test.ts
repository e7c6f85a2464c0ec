import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { amzDate, signSigV4 } from '../../../src/aws/sigv4.js';

const NOW = Date.UTC(2026, 10, 30, 23, 59, 58, 123);
const KINESIS_HEADERS = { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.PutRecords' };

/** aws4fetch's signature of the same call, the way signed-fetch.ts used to make it: the oracle. */
async function aws4fetchHeaders(input: { url: string; headers: Record<string, string>; body: string; service: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } }) {
  const signer = new AwsV4Signer({ method: 'POST', ...input, ...input.credentials, datetime: amzDate(NOW) });
  const { headers } = await signer.sign();
  return Object.fromEntries([...headers.entries()]);
}

function lowerCased(headers: Record<string, string>) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

describe('signSigV4', () => {
  const cases = [
    { name: 'static keys', url: 'https://kinesis.us-east-1.amazonaws.com/', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } },
    { name: 'a session token', url: 'https://kinesis.eu-west-1.amazonaws.com/', credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's3cr3t', sessionToken: 'FQoGZXIvYXdzE//token+with/odd=chars' } },
    { name: 'a local endpoint with a port, a path and a query', url: 'http://127.0.0.1:4567/a//b c/?Version=2011-06-15&Action=AssumeRole', credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' } },
  ];
  for (const c of cases) {
    it(`signs byte for byte like aws4fetch: ${c.name}`, async () => {
      const body = JSON.stringify({ StreamName: 'logs', Records: [{ Data: btoa('héllo'), PartitionKey: 'a' }] });
      const region = new URL(c.url).hostname.split('.')[1] ?? 'us-east-1';
      const input = { url: c.url, headers: KINESIS_HEADERS, body, service: 'kinesis', region, credentials: c.credentials };
      const ours = await signSigV4({ ...input, method: 'POST', nowMs: NOW, keyCache: new Map() });
      expect(lowerCased(ours)).toEqual(await aws4fetchHeaders(input));
    });
  }

  it('derives a signing key once per secret, day, region and service, and forgets the previous days', async () => {
    const keyCache = new Map<string, ArrayBuffer>();
    const sign = (nowMs: number, region = 'us-east-1') =>
      signSigV4({ method: 'POST', url: 'https://kinesis.us-east-1.amazonaws.com/', headers: KINESIS_HEADERS, body: '{}', service: 'kinesis', region, credentials: { accessKeyId: 'A', secretAccessKey: 'S' }, nowMs, keyCache });
    const first = await sign(NOW);
    await sign(NOW + 1000);
    await sign(NOW, 'eu-west-1');
    expect(keyCache.size).toBe(2);
    const nextDay = await sign(NOW + 2000); // 2026-12-01
    expect(keyCache.size).toBe(1);
    expect(first.authorization).toContain('/20261130/us-east-1/kinesis/aws4_request');
    expect(nextDay.authorization).toContain('/20261201/us-east-1/kinesis/aws4_request');
  });

  it('writes the date in ISO 8601 basic format', () => {
    expect(amzDate(NOW)).toBe('20261130T235958Z');
  });
});
