/**
 * AWS Signature Version 4 for the calls this product makes: a POST with a small text body and a
 * few headers, signed in the `Authorization` header
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 *
 * Why not aws4fetch, which signed these calls before: inside the Wasm (SpiderMonkey without a
 * JIT) its general-purpose signer cost about 0.6–0.9 ms per call in a warm loop and more in a real
 * request — the largest single cost of logging a line (bench/logging-cpu.ts). This one does only
 * what a POST needs: the parts of the canonical request that depend on the URL are worked out once
 * per URL, the derived signing key once per day, and a signature takes two digests and one HMAC.
 *
 * The derived key is cached as bytes and imported for each signature, as aws4fetch does: a
 * CryptoKey kept from one request to the next signs wrongly in a reused sandbox (js-compute 3.46
 * in Viceroy 0.20.1, 2026-12-01: AWS's signer in test/e2e/delivery.test.ts refused most calls
 * after a sandbox's first request; with bytes, none). The signed header set
 * is aws4fetch's (every header given except the ones it leaves unsigned, plus host, x-amz-date and
 * x-amz-security-token), so signatures are byte for byte the same (test/unit/aws/sigv4.test.ts
 * compares them; test/support/sigv4-verifier.ts checks them with AWS's own signer).
 *
 * Owns: the canonical request, the string to sign, the signing-key derivation and its cache.
 * Does not own: credentials (credentials.ts), sending (signed-fetch.ts).
 */

/** Headers never signed (aws4fetch 1.0.20 UNSIGNABLE_HEADERS): proxies may change them. */
const UNSIGNED_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'user-agent', 'presigned-expires', 'expect', 'x-amzn-trace-id', 'range', 'connection']);

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Derived signing keys (bytes) by secret, day, region and service: one per key and day, kept for the sandbox's life. */
export type SigningKeyCache = Map<string, ArrayBuffer>;

export interface SignInput {
  method: string;
  url: string;
  /** Header names in any case; values as sent. */
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: SigningCredentials;
  /** The signing time, ms since the epoch. */
  nowMs: number;
  keyCache: SigningKeyCache;
}

/** The headers to send: the input's, plus `x-amz-date`, `x-amz-security-token` (temporary credentials) and `authorization`. */
export async function signSigV4(input: SignInput): Promise<Record<string, string>> {
  const { credentials } = input;
  const target = urlParts(input.url);
  const datetime = amzDate(input.nowMs);
  const day = datetime.slice(0, 8);
  const headers: Record<string, string> = { ...input.headers, 'x-amz-date': datetime };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;

  const signed: [string, string][] = [['host', target.host]];
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (!UNSIGNED_HEADERS.has(lower)) signed.push([lower, headers[name].trim().replace(/\s+/g, ' ')]);
  }
  signed.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let canonicalHeaders = '';
  let signedHeaders = '';
  for (const [name, value] of signed) {
    canonicalHeaders += `${name}:${value}\n`;
    signedHeaders += signedHeaders ? `;${name}` : name;
  }

  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const bodyHash = await sha256Hex(input.body);
  const canonicalRequest = `${input.method.toUpperCase()}\n${target.path}\n${target.query}\n${canonicalHeaders}\n${signedHeaders}\n${bodyHash}`;
  const stringToSign = `AWS4-HMAC-SHA256\n${datetime}\n${scope}\n${await sha256Hex(canonicalRequest)}`;
  const keyCacheKey = `${credentials.secretAccessKey}\n${day}\n${input.region}\n${input.service}`;
  // Checked before awaiting anything: every await is a turn of the job queue, which costs in the interpreter.
  const key = input.keyCache.get(keyCacheKey) ?? (await deriveSigningKey(credentials.secretAccessKey, day, input.region, input.service, keyCacheKey, input.keyCache));
  const signature = hex(await hmac(key, stringToSign));
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format, UTC). */
export function amzDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

interface UrlParts {
  host: string;
  /** Canonical URI: the path, URI-encoded (RFC 3986) except its slashes. */
  path: string;
  /** Canonical query string: sorted, encoded pairs. */
  query: string;
}

/** Endpoints are few and fixed (one per endpoint and STS region), so their parts are worked out once. */
const URL_PARTS_LIMIT = 64;
const urlPartsCache = new Map<string, UrlParts>();

function urlParts(url: string): UrlParts {
  let parts = urlPartsCache.get(url);
  if (parts) return parts;
  const parsed = new URL(url);
  // Non-S3 services: collapse slashes, then URI-encode each character except '/' (aws4fetch, singleEncode off).
  const path = encodeRfc3986(encodeURIComponent(parsed.pathname.replace(/\/+/g, '/')).replace(/%2F/g, '/'));
  const query = [...parsed.searchParams]
    .filter(([name]) => name)
    .map(([name, value]) => [encodeRfc3986(encodeURIComponent(name)), encodeRfc3986(encodeURIComponent(value))])
    .sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map((pair) => pair.join('='))
    .join('&');
  parts = { host: parsed.host, path, query };
  if (urlPartsCache.size >= URL_PARTS_LIMIT) urlPartsCache.clear();
  urlPartsCache.set(url, parts);
  return parts;
}

function encodeRfc3986(encoded: string): string {
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const utf8 = new TextEncoder();
const HMAC_SHA256 = { name: 'HMAC', hash: { name: 'SHA-256' } };

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"). */
async function deriveSigningKey(secret: string, day: string, region: string, service: string, cacheKey: string, cache: SigningKeyCache): Promise<ArrayBuffer> {
  let key: ArrayBuffer = utf8.encode(`AWS4${secret}`).buffer as ArrayBuffer;
  for (const part of [day, region, service, 'aws4_request']) key = await hmac(key, part);
  // Yesterday's keys are of no further use; a day holds one per secret, region and service.
  for (const old of cache.keys()) if (!old.includes(`\n${day}\n`)) cache.delete(old);
  cache.set(cacheKey, key);
  return key;
}

async function hmac(key: ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const imported = await crypto.subtle.importKey('raw', key, HMAC_SHA256, false, ['sign']);
  return crypto.subtle.sign('HMAC', imported, utf8.encode(data));
}

function sha256Hex(text: string): Promise<string> {
  return crypto.subtle.digest('SHA-256', utf8.encode(text)).then(hex);
}

/** Two hex digits per byte, from a table: a string concatenation per byte is what costs in the interpreter. */
const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]];
  return out;
}
