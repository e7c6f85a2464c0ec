/**
 * Sends SigV4-signed requests to an AWS service through a Compute backend and reads the answer
 * whole. aws4fetch's `AwsV4Signer` signs; its `AwsClient` is not used: its retry loop must not run
 * (retries belong to delivery/retrier.ts and every attempt is counted against the execution's
 * budget), and with the signer alone each call builds one Request and one Response instead of two
 * of each. The signing-key cache is long-lived and shared, so a reused sandbox derives each day's
 * key once.
 *
 * Temporary credentials: aws4fetch sets `X-Amz-Security-Token` as a header before it computes the
 * signed header list, and `x-amz-security-token` is not in its UNSIGNABLE_HEADERS, so the token is
 * always signed (aws4fetch 1.0.20 `AwsV4Signer` constructor; checked independently by
 * test/support/sigv4-verifier.ts, which rejects a token that is not among the signed headers).
 *
 * Order of a call: credentials (maybe an STS request of their own), then signing, then one request
 * from the allowance, then the fetch. Signing comes before the budget because it can fail without
 * anything being sent (a credential with a character no header may carry makes `Headers.set`
 * throw): such a call is a SigningError, costs no request, and is not an attempt Kinesis saw.
 *
 * A static backend the service does not define makes the runtime refuse the fetch before anything
 * is sent: a BackendNotDefinedError, a configuration error that no retry can mend.
 */
import { AwsV4Signer } from 'aws4fetch';
import { enterPhase, waiting } from '../platform/phases.js';
import type { BackendRef, BackendFetch } from '../platform/types.js';
import { BudgetExhaustedError, type RequestAllowance } from './budget.js';
import type { AwsCredentials, CredentialsProvider } from './credentials.js';

export interface SignedFetchOptions {
  service: 'kinesis' | 'sts';
  region: string;
  credentials: CredentialsProvider;
  backend: BackendRef;
  fetch: BackendFetch;
  budget: RequestAllowance;
  /** Give up waiting for an answer after this long (the request may still complete). */
  timeoutMs: number;
  signingKeyCache: Map<string, ArrayBuffer>;
}

export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * The request could not be signed, so it was never sent. The cause's own message is not kept: it
 * may quote the header value, which is a credential.
 */
export class SigningError extends Error {
  readonly errorCode = 'SigningFailed';
  constructor() {
    super('the request could not be signed: a credential holds a character HTTP headers cannot carry (check the secret store values)');
    this.name = 'SigningError';
  }
}

/** The error code of a call whose backend the service does not define. */
export const BACKEND_NOT_DEFINED = 'BackendNotDefined';

/**
 * js-compute's refusal of a fetch to a backend the service does not define: `TypeError: Requested
 * backend named 'kinesis' does not exist`, the same in Viceroy 0.20.1 and on Compute (js-compute
 * 3.46 fetch; its own tests assert the text). Compute also refuses this way a fetch past the
 * execution's 32 backend requests; this program counts its own (budget.ts), so here it means the
 * backend, or an application's own fetches the budget was not told about.
 */
const UNDEFINED_BACKEND = /backend named '[^']*' does not exist/;

/**
 * The call's static backend is not defined on the service (or Compute's request limit refused
 * it): nothing was sent, and retrying cannot help. The message says what to define, and where.
 */
export class BackendNotDefinedError extends Error {
  readonly errorCode = BACKEND_NOT_DEFINED;
  constructor(
    readonly backend: string,
    service: 'kinesis' | 'sts',
  ) {
    const field = service === 'sts' ? 'sts_backend' : 'backend';
    super(
      `backend "${backend}" is not defined on this service (or the execution's backend requests are spent): ` +
        `define it ([local_server.backends.${backend}] in fastly.toml for Viceroy, fastly backend create --name ${backend} on the service) ` +
        `or set the endpoint's ${field} to "dynamic"`,
    );
    this.name = 'BackendNotDefinedError';
  }
}

/** An AWS answer, read whole: AWS answers on this path are small (a few KiB at most per call). */
export interface AwsAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  text: string;
}

export interface SignedRequestInit {
  method: string;
  headers: Record<string, string>;
  body: string;
}

export type SignedFetch = (url: string, init: SignedRequestInit) => Promise<AwsAnswer>;

export function createSignedFetch(options: SignedFetchOptions): SignedFetch {
  return async (url, init) => {
    enterPhase('signing');
    // Credentials first: for iam_role they may cost an STS request of their own, which must find
    // the budget before this call takes its share. A CredentialsError propagates unchanged.
    const credentials = await options.credentials.get(options.budget);
    let request: Request;
    try {
      const signed = await signRequest(url, init, credentials, options);
      request = new Request(signed.url, { method: init.method, headers: signed.headers, body: init.body });
    } catch {
      throw new SigningError();
    }
    if (!options.budget.tryTake()) throw new BudgetExhaustedError();
    enterPhase('fetch');
    const timeoutMs = Math.min(options.timeoutMs, Math.max(0, options.budget.msLeft()));
    return withTimeout(fetchBuffered(options.fetch, request, options.backend, options.service), timeoutMs);
  };
}

/** The URL and headers (Authorization, X-Amz-Date, the token) of `init` signed for `url`. */
async function signRequest(
  url: string,
  init: SignedRequestInit,
  credentials: AwsCredentials,
  options: Pick<SignedFetchOptions, 'service' | 'region' | 'signingKeyCache'>,
): Promise<{ url: string; headers: Headers }> {
  const signed = await new AwsV4Signer({
    url,
    method: init.method,
    headers: init.headers,
    body: init.body,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    service: options.service,
    region: options.region,
    cache: options.signingKeyCache,
    datetime: amzDate(Date.now()),
  }).sign();
  return { url: signed.url.toString(), headers: signed.headers };
}

/**
 * Signs a PutRecords-shaped request once with made-up temporary credentials and a throwaway key
 * cache, sending nothing: build-time warm-up (handler/warm-up.ts), so a new sandbox's first
 * signature does not compile aws4fetch's code first. Uses no Request (the runtime refuses one
 * outside a request) and keeps nothing.
 */
export async function warmUpSigning(): Promise<void> {
  await signRequest(
    'https://kinesis.us-east-1.amazonaws.com/',
    { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.PutRecords' }, body: '{"StreamName":"warm-up","Records":[]}' },
    { accessKeyId: 'AKIDWARMUPWARMUPWARM', secretAccessKey: 'warm-up', sessionToken: 'warm-up' },
    { service: 'kinesis', region: 'us-east-1', signingKeyCache: new Map() },
  );
}

/**
 * `YYYYMMDD'T'HHMMSS'Z'`, SigV4's X-Amz-Date, by slicing the ISO form. aws4fetch would use a
 * regular expression, and in Viceroy a pattern's first use in each request cost 25–40 µs more
 * than its later uses (js-compute 3.46, reused sandbox).
 */
export function amzDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-02T01:02:03.456Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * The answer with its body already read, so the timeout covers a server that sends headers and
 * then stalls, not only one that never answers.
 */
async function fetchBuffered(fetch: BackendFetch, request: Request, backend: BackendRef, service: 'kinesis' | 'sts'): Promise<AwsAnswer> {
  let response: Response;
  try {
    response = await waiting(fetch(request, backend));
  } catch (error) {
    if (backend.kind === 'static' && error instanceof Error && UNDEFINED_BACKEND.test(error.message)) throw new BackendNotDefinedError(backend.name, service);
    throw error;
  }
  const text = await waiting(response.text());
  // Phase breakdown: from here to the records' results (kinesis/, delivery/pipeline.ts) is reading the answer.
  enterPhase('answer');
  return { status: response.status, ok: response.ok, headers: response.headers, text };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
