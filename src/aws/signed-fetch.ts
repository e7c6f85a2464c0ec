/**
 * Sends SigV4-signed requests to an AWS service through a Compute backend. aws4fetch signs;
 * its own retry loop is never used (retries belong to delivery/retrier.ts and every attempt
 * must be counted against the execution's budget). The signing-key cache is long-lived and
 * shared, so a reused sandbox derives each day's key once.
 */
import { AwsClient } from 'aws4fetch';
import type { BackendRef, BackendFetch } from '../platform/types.js';
import { BudgetExhaustedError, type RequestBudget } from './budget.js';
import type { CredentialsProvider } from './credentials.js';

export interface SignedFetchOptions {
  service: 'kinesis' | 'sts';
  region: string;
  credentials: CredentialsProvider;
  backend: BackendRef;
  fetch: BackendFetch;
  budget: RequestBudget;
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

export type SignedFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;

export function createSignedFetch(options: SignedFetchOptions): SignedFetch {
  return async (url, init) => {
    if (!options.budget.tryTake()) throw new BudgetExhaustedError();
    const credentials = await options.credentials.get();
    const client = new AwsClient({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: options.service,
      region: options.region,
      cache: options.signingKeyCache,
      retries: 0,
    });
    const request = await client.sign(url, init);
    const timeoutMs = Math.min(options.timeoutMs, Math.max(0, options.budget.msLeft()));
    return withTimeout(options.fetch(request, options.backend), timeoutMs);
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
