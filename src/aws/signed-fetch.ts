/**
 * Sends SigV4-signed requests to an AWS service through a Compute backend. aws4fetch signs;
 * its own retry loop is never used (retries belong to delivery/retrier.ts and every attempt
 * must be counted against the execution's budget). The signing-key cache is long-lived and
 * shared, so a reused sandbox derives each day's key once.
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
 */
import { AwsClient } from 'aws4fetch';
import { enterPhase, waiting } from '../platform/phases.js';
import type { BackendRef, BackendFetch } from '../platform/types.js';
import { BudgetExhaustedError, type RequestAllowance } from './budget.js';
import type { CredentialsProvider } from './credentials.js';

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

export type SignedFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;

export function createSignedFetch(options: SignedFetchOptions): SignedFetch {
  return async (url, init) => {
    enterPhase('signing');
    // Credentials first: for iam_role they may cost an STS request of their own, which must find
    // the budget before this call takes its share. A CredentialsError propagates unchanged.
    const credentials = await options.credentials.get(options.budget);
    const client = new AwsClient({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: options.service,
      region: options.region,
      cache: options.signingKeyCache,
      retries: 0,
    });
    let request: Request;
    try {
      request = await client.sign(url, init);
    } catch {
      throw new SigningError();
    }
    if (!options.budget.tryTake()) throw new BudgetExhaustedError();
    enterPhase('fetch');
    const timeoutMs = Math.min(options.timeoutMs, Math.max(0, options.budget.msLeft()));
    return withTimeout(fetchBuffered(options.fetch, request, options.backend), timeoutMs);
  };
}

/**
 * The answer with its body already read, so the timeout covers a server that sends headers and
 * then stalls, not only one that never answers. AWS answers here are small (≤ a few KiB per call).
 */
async function fetchBuffered(fetch: BackendFetch, request: Request, backend: BackendRef): Promise<Response> {
  const response = await waiting(fetch(request, backend));
  const body = await waiting(response.arrayBuffer());
  // Phase breakdown: from here to the records' results (kinesis/, delivery/pipeline.ts) is reading the answer.
  enterPhase('answer');
  return new Response(body.byteLength > 0 ? body : null, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
