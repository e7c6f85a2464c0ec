/// <reference types="@fastly/js-compute" />
/**
 * The floor of logging to Kinesis (bench/floor.ts): the floor proxy, plus, after the response, one
 * PutRecords call carrying one ~450-byte line (one record, ExplicitHashKey set), signed by
 * aws4fetch's AwsV4Signer with a signing-key cache kept across requests, its answer read whole.
 * Credentials live in module scope; the signer is warmed up at build time, as the product's is.
 */
import { AwsV4Signer } from 'aws4fetch';
import { setReusableSandboxOptions } from 'fastly:experimental';
import { FLOOR_LINE } from './floor-line.js';

declare const SANDBOX_OPTIONS: { maxRequests: number; betweenRequestTimeoutMs: number; sandboxTimeoutMs: number; maxMemoryMiB: number };
declare const FLOOR_KINESIS_URL: string;
setReusableSandboxOptions(SANDBOX_OPTIONS);

const STREAM = 'floor';
const credentials = { accessKeyId: 'AKIDLOCALDEVELOPMENT', secretAccessKey: 'local-development-secret-not-a-real-key' };
const signingKeys = new Map<string, ArrayBuffer>();
const data = btoa(FLOOR_LINE);

function signedPut(): Promise<Request> {
  const body = JSON.stringify({ StreamName: STREAM, Records: [{ Data: data, PartitionKey: 'floor', ExplicitHashKey: '1' }] });
  const signer = new AwsV4Signer({
    url: FLOOR_KINESIS_URL,
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords' },
    body,
    service: 'kinesis',
    region: 'us-east-1',
    cache: signingKeys,
    ...credentials,
  });
  return signer.sign().then(({ method, url, headers, body }) => new Request(url.toString(), { method, headers, body }));
}

async function put(): Promise<void> {
  const answer = await fetch(await signedPut(), { backend: 'kinesis' });
  await answer.text();
}

// Build time: sign once (no Request may be made here), so crypto and the signer are compiled.
void new AwsV4Signer({ url: FLOOR_KINESIS_URL, body: '{}', service: 'kinesis', region: 'us-east-1', accessKeyId: 'warm', secretAccessKey: 'warm', cache: new Map() })
  .sign()
  .catch(() => undefined);

addEventListener('fetch', (event) => {
  const response = fetch(event.request, { backend: 'origin' });
  event.waitUntil(response.then(put));
  event.respondWith(response);
});
