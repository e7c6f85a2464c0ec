/**
 * Sends SigV4-signed requests to an AWS service through a Compute backend (sigv4.ts signs). There
 * is no retry loop here: retries belong to delivery/retrier.ts, and every attempt must be counted
 * against the execution's budget. The signing-key cache is long-lived and shared, so a reused
 * sandbox derives each day's key once.
 *
 * Temporary credentials: `X-Amz-Security-Token` is always among the signed headers (sigv4.ts;
 * checked independently by test/support/sigv4-verifier.ts, which rejects a token that is not).
 */
import { enterPhase, waiting } from '../platform/phases.js';
import type { BackendRef, BackendFetch } from '../platform/types.js';
import { BudgetExhaustedError, type RequestBudget } from './budget.js';
import type { CredentialsProvider } from './credentials.js';
import { signSigV4, type SigningKeyCache } from './sigv4.js';

export interface SignedFetchOptions {
  service: 'kinesis' | 'sts';
  region: string;
  credentials: CredentialsProvider;
  backend: BackendRef;
  fetch: BackendFetch;
  budget: RequestBudget;
  /** Give up waiting for an answer after this long (the request may still complete). */
  timeoutMs: number;
  signingKeyCache: SigningKeyCache;
}

export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export type SignedFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;

export function createSignedFetch(options: SignedFetchOptions): SignedFetch {
  return async (url, init) => {
    enterPhase('signing');
    // Credentials first: for iam_role they may cost an STS request of their own, which must find
    // the budget before this call takes its share. A CredentialsError propagates unchanged.
    const credentials = await options.credentials.get(options.budget);
    if (!options.budget.tryTake()) throw new BudgetExhaustedError();
    const headers = await signSigV4({
      method: init.method,
      url,
      headers: init.headers,
      body: init.body,
      service: options.service,
      region: options.region,
      credentials,
      nowMs: Date.now(),
      keyCache: options.signingKeyCache,
    });
    enterPhase('fetch');
    const request = new Request(url, { method: init.method, headers, body: init.body });
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
