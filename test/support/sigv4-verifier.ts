/**
 * An HTTP endpoint on 127.0.0.1 that checks every request's SigV4 signature with AWS's own signer
 * (@smithy/signature-v4 + @smithy/hash-node) and forwards the valid ones, byte for byte, to a
 * target (kinesalite, or a fault proxy in front of it). kinesalite itself only checks that an
 * Authorization header is well formed (reference/kinesis.md §7), so without this nothing would
 * notice a wrong signature.
 *
 * How a request is checked: the Authorization header gives access key id, scope
 * (date/region/service) and SignedHeaders; the secret (and, for temporary credentials, the session
 * token) is looked up by access key id in a CredentialRegistry; the AWS signer then signs the
 * received method, path, query, exactly the signed headers and the received body bytes, with the
 * X-Amz-Date of the request, and the two signatures are compared.
 *
 * Rejections, in AWS's JSON shape `{"__type": …, "message": …}` with status 400:
 *   MissingAuthenticationTokenException  no Authorization header
 *   IncompleteSignatureException         header not of the AWS4-HMAC-SHA256 form, or x-amz-date missing
 *   UnrecognizedClientException          unknown access key id; session token missing, wrong, or not
 *                                        among the signed headers (temporary credentials)
 *   ExpiredTokenException                temporary credentials past their expiry
 *   InvalidSignatureException            signature mismatch, wrong service/region in the scope,
 *                                        date more than 15 minutes off
 * A signature mismatch is answered the way AWS answers it: the message goes on, after the first
 * sentence, with "The Canonical String for this request should have been" and the String-to-Sign,
 * so the canonical headers — `x-amz-security-token:<token>` for temporary credentials — come back
 * to the client (aws/aws-sdk-js#168 shows AWS's text). What the client does with that message is
 * what test/integration/delivery/secrets.test.ts checks.
 * (`verifySigV4` returns the code; sts-stand-in.ts renders the same checks as STS XML errors.)
 *
 * Start: `startSigV4Verifier({ target, credentials, service?, region?, port?, onExchange? })`
 *   target       URL the valid requests are forwarded to (required)
 *   credentials  a CredentialRegistry (shared with sts-stand-in.ts so temporary keys it hands out
 *                are accepted here) or a list of {accessKeyId, secretAccessKey, sessionToken?}
 *   service      expected scope service, default 'kinesis'
 *   region       expected scope region, default 'us-east-1'
 *   port         default 0 (any free port)
 *   onExchange   called with every request and answer (method, path, bodies, status), e.g. to
 *                scan them for secrets
 * Returns { url, port, credentials, stats: {accepted, rejected, rejections[]}, stop() }.
 *
 * Also exported for the other stand-ins: readBody(), forward().
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { listen } from '../../src/testing/listen.js';

export interface KnownCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Temporary credentials stop working at this time (ms since epoch). */
  expiresAtMs?: number;
}

/** Which keys are valid; shared between the verifier and the STS stand-in. */
export class CredentialRegistry {
  private readonly byId = new Map<string, KnownCredential>();
  constructor(initial: readonly KnownCredential[] = []) {
    for (const c of initial) this.add(c);
  }
  add(credential: KnownCredential): void {
    this.byId.set(credential.accessKeyId, credential);
  }
  /** Makes a key unknown from now on (like a deleted IAM key or a revoked session). */
  revoke(accessKeyId: string): void {
    this.byId.delete(accessKeyId);
  }
  get(accessKeyId: string): KnownCredential | undefined {
    return this.byId.get(accessKeyId);
  }
  get size(): number {
    return this.byId.size;
  }
}

export interface ReceivedRequest {
  method: string;
  /** Path and query as received, e.g. "/" or "/?Action=…". */
  path: string;
  /** Lower-case names; repeated headers joined with ",". */
  headers: Record<string, string>;
  body: Uint8Array;
}

export type VerifyResult =
  | { ok: true; accessKeyId: string; region: string; service: string; temporary: boolean }
  | { ok: false; code: string; message: string };

export interface VerifyOptions {
  credentials: CredentialRegistry;
  service: string;
  region: string;
  now?: () => number;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const AUTH_PATTERN = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;

export async function verifySigV4(request: ReceivedRequest, options: VerifyOptions): Promise<VerifyResult> {
  const now = options.now ?? Date.now;
  const authorization = request.headers['authorization'];
  if (!authorization) return { ok: false, code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const match = AUTH_PATTERN.exec(authorization.trim());
  if (!match) return { ok: false, code: 'IncompleteSignatureException', message: 'Authorization header is not a complete AWS4-HMAC-SHA256 signature' };
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = match;
  const amzDate = request.headers['x-amz-date'];
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) return { ok: false, code: 'IncompleteSignatureException', message: 'X-Amz-Date header missing or malformed' };
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return { ok: false, code: 'InvalidSignatureException', message: 'host and x-amz-date must be signed' };
  }
  if (service !== options.service) return { ok: false, code: 'InvalidSignatureException', message: `Credential should be scoped to correct service: '${options.service}'.` };
  if (region !== options.region) return { ok: false, code: 'InvalidSignatureException', message: `Credential should be scoped to a valid region.` };
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (scopeDate !== amzDate.slice(0, 8)) return { ok: false, code: 'InvalidSignatureException', message: 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP' };
  if (Math.abs(now() - signingDate.getTime()) > MAX_SKEW_MS) return { ok: false, code: 'InvalidSignatureException', message: 'Signature expired' };

  const known = options.credentials.get(accessKeyId);
  if (!known) return { ok: false, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  const token = request.headers['x-amz-security-token'];
  if (known.sessionToken !== undefined) {
    if (token === undefined || token !== known.sessionToken) {
      return { ok: false, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    }
    if (!signedHeaders.includes('x-amz-security-token')) {
      return { ok: false, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid: x-amz-security-token is not signed.' };
    }
    if (known.expiresAtMs !== undefined && now() >= known.expiresAtMs) {
      return { ok: false, code: 'ExpiredTokenException', message: 'The security token included in the request is expired' };
    }
  } else if (token !== undefined) {
    return { ok: false, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }

  const url = new URL(request.path, 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const existing = query[k];
    query[k] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    if (name === 'x-amz-date') continue; // the signer sets it from signingDate
    const value = request.headers[name];
    if (value === undefined) return { ok: false, code: 'InvalidSignatureException', message: `signed header ${name} is missing from the request` };
    headers[name] = value;
  }
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey: known.secretAccessKey, sessionToken: known.sessionToken },
    sha256: Hash.bind(null, 'sha256'),
    // aws4fetch does not send x-amz-content-sha256 for kinesis/sts; do not add it to the signed set.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? '', path: url.pathname, query, headers, body: request.body } as never,
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String((signed as { headers: Record<string, string> }).headers.authorization))?.[1];
  const expectedList = /SignedHeaders=([^,]+)/.exec(String((signed as { headers: Record<string, string> }).headers.authorization))?.[1];
  if (expectedList !== signedHeaderList || expected !== signature) {
    const canonical = canonicalRequest(request.method, url, signedHeaders, { ...headers, 'x-amz-date': amzDate }, request.body);
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${scopeDate}/${region}/${service}/aws4_request`, sha256Hex(canonical)].join('\n');
    return {
      ok: false,
      code: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n' +
        `The Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
    };
  }
  return { ok: true, accessKeyId, region, service, temporary: known.sessionToken !== undefined };
}

/**
 * The SigV4 canonical request as AWS prints it in an InvalidSignatureException: method, path,
 * sorted query, each signed header as `name:value` (values trimmed, inner spaces folded), the signed
 * header list, and the hex SHA-256 of the body.
 */
function canonicalRequest(method: string, url: URL, signedHeaders: readonly string[], headers: Record<string, string>, body: Uint8Array): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams].map(([k, v]) => `${encode(k)}=${encode(v)}`).sort().join('&');
  const sorted = [...signedHeaders].sort();
  const canonicalHeaders = sorted.map((name) => `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [method, url.pathname || '/', query, canonicalHeaders, sorted.join(';'), sha256Hex(body)].join('\n');
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export function receivedRequest(req: IncomingMessage, body: Uint8Array): ReceivedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers, body };
}

export interface ForwardedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Sends a request (same method, path and headers except hop-by-hop ones) to `target`; resolves with the whole answer. */
export function forward(target: string, request: ReceivedRequest, body: Uint8Array = request.body): Promise<ForwardedAnswer> {
  const url = new URL(request.path, target);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)) headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: request.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const answerHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined && !['connection', 'transfer-encoding', 'keep-alive', 'content-length'].includes(name)) {
            answerHeaders[name] = Array.isArray(value) ? value.join(',') : value;
          }
        }
        resolve({ status: res.statusCode ?? 502, headers: answerHeaders, body: new Uint8Array(Buffer.concat(chunks)) });
      });
      res.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(Buffer.from(body));
  });
}

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Uint8Array | string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  res.end(bytes);
}

export function jsonError(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

export { listen };

export interface Exchange {
  /** The verifier's own refusal (its code), when it answered instead of forwarding. */
  rejectedWith?: string;
  method: string;
  path: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number;
  responseBody: string;
}

export interface SigV4VerifierOptions {
  target: string;
  credentials: CredentialRegistry | readonly KnownCredential[];
  service?: string;
  region?: string;
  port?: number;
  onExchange?: (exchange: Exchange) => void;
}

export interface SigV4Verifier {
  url: string;
  port: number;
  credentials: CredentialRegistry;
  stats: { accepted: number; rejected: number; rejections: { code: string; message: string }[] };
  stop(): Promise<void>;
}

export async function startSigV4Verifier(options: SigV4VerifierOptions): Promise<SigV4Verifier> {
  const credentials = options.credentials instanceof CredentialRegistry ? options.credentials : new CredentialRegistry(options.credentials);
  const stats: SigV4Verifier['stats'] = { accepted: 0, rejected: 0, rejections: [] };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const received = receivedRequest(req, body);
    const result = await verifySigV4(received, { credentials, service: options.service ?? 'kinesis', region: options.region ?? 'us-east-1' });
    let status: number;
    let answer: Uint8Array | string;
    let headers: Record<string, string>;
    if (!result.ok) {
      stats.rejected++;
      stats.rejections.push({ code: result.code, message: result.message });
      status = 400;
      answer = jsonError(result.code, result.message);
      headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': result.code };
    } else {
      stats.accepted++;
      try {
        const forwarded = await forward(options.target, received);
        ({ status, headers, body: answer } = forwarded);
      } catch {
        // The target cut the connection (a fault proxy's "reset"): do the same to our client.
        req.socket.destroy();
        return;
      }
    }
    options.onExchange?.({
      rejectedWith: result.ok ? undefined : result.code,
      method: received.method,
      path: received.path,
      requestHeaders: received.headers,
      requestBody: Buffer.from(body).toString('utf8'),
      status,
      responseBody: typeof answer === 'string' ? answer : Buffer.from(answer).toString('utf8'),
    });
    send(res, status, headers, answer);
  });
  const listening = await listen(server, options.port);
  return { ...listening, credentials, stats };
}
