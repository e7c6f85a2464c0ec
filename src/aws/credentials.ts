/**
 * AWS credentials for signing, and where they come from.
 *
 *  - `user_credentials`: access key id, secret and optional session token from the Secret Store
 *    (`staticCredentials` over `readKeysFromSecrets`), read once per instance.
 *  - `iam_role`: temporary credentials from STS AssumeRole (aws/sts.ts), kept by
 *    `expiringCredentials` until `Expiration` minus a margin.
 *
 * Owns: caching, single-flight fetching, the rate limit on forced refreshes after auth errors, and
 * the per-instance counters of where credentials came from. Does not own: signing
 * (signed-fetch.ts) or the STS wire format (sts.ts).
 *
 * Secrets stay inside this module and the signer: no error message, counter or stats field ever
 * carries a key id, secret or token; errors name the secret store key at fault instead.
 *
 * Why the cache is per instance and not POP-wide: a POP-wide copy (KV Store or SimpleCache) would
 * save one STS call per new sandbox, but it would write the temporary secret key and session token
 * into a store that every version of the service (and, for KV, every POP and the management API)
 * can read, outside the Secret Store's protections, and a cached entry outlives a revoked role or
 * a rotated base key until it expires. The cost it saves is small: one AssumeRole per instance per
 * `DurationSeconds - margin`, well under STS's request quotas for log traffic. So: no shared cache.
 */
import type { SecretsLike } from '../platform/types.js';
import type { RequestBudget } from './budget.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials expire (ms since epoch). */
  expiresAtMs?: number;
}

/** What the admin page may show about credentials: no key material. */
export interface CredentialsStats {
  source: 'secret_store' | 'sts_assume_role';
  /** Secret Store reads, or STS AssumeRole calls (each one a backend request). */
  fetches: number;
  /** Fetches that failed. */
  fetchFailures: number;
  /** Forced refreshes after an auth error (those allowed by the rate limit). */
  forcedRefreshes: number;
  /** Forced refreshes refused by the rate limit. */
  refreshesRateLimited: number;
  /** Expiration of the cached temporary credentials, ISO 8601, if any. */
  expiresAt?: string;
  lastErrorCode?: string;
}

export interface CredentialsProvider {
  /**
   * Credentials to sign with. Fetching them may cost a backend request (STS), taken from `budget`
   * like every other AWS call of the execution.
   */
  get(budget: RequestBudget): Promise<AwsCredentials>;
  /**
   * After an auth error: forget cached credentials so the next get() fetches anew. Rate-limited:
   * returns false (and changes nothing) when a forced refresh happened less than
   * `minForcedRefreshIntervalMs` ago, so a persistent auth problem cannot turn every request into
   * an STS call.
   */
  requestRefresh(): boolean;
  stats(): CredentialsStats;
}

/**
 * Credentials could not be had. `errorCode` is what a Kinesis call made with them reports
 * (`MissingCredentials`, or the STS error code); the message names secret store keys, never values.
 */
export class CredentialsError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'CredentialsError';
  }
}

/** Fluent Bit's limit for forced refreshes (FLB_AWS_CREDENTIAL_REFRESH_LIMIT, reference/kinesis.md §2.2). */
export const MIN_FORCED_REFRESH_INTERVAL_MS = 60_000;
/** Refresh temporary credentials this long before they expire (Fluent Bit's window, §4.3). */
export const EXPIRY_MARGIN_MS = 60_000;

export function secretKeys(endpoint: string) {
  return {
    accessKeyId: `${endpoint}.access_key_id`,
    secretAccessKey: `${endpoint}.secret_access_key`,
    sessionToken: `${endpoint}.session_token`,
  };
}

function missingSecret(key: string): CredentialsError {
  return new CredentialsError('MissingCredentials', `secret ${key}: missing or empty in the secret store`);
}

/** Reads access key id, secret and optional session token for `endpoint` from the Secret Store. */
export async function readKeysFromSecrets(secrets: SecretsLike, endpoint: string): Promise<AwsCredentials> {
  const keys = secretKeys(endpoint);
  const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
    secrets.get(keys.accessKeyId),
    secrets.get(keys.secretAccessKey),
    secrets.get(keys.sessionToken),
  ]);
  if (!accessKeyId) throw missingSecret(keys.accessKeyId);
  if (!secretAccessKey) throw missingSecret(keys.secretAccessKey);
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
}

export interface RefreshLimitOptions {
  now?: () => number;
  minForcedRefreshIntervalMs?: number;
}

/** The shared bookkeeping of both providers: counters and the forced-refresh rate limit. */
class ProviderState {
  readonly stats: CredentialsStats;
  private lastForcedAtMs = -Infinity;
  constructor(
    source: CredentialsStats['source'],
    private readonly now: () => number,
    private readonly minIntervalMs: number,
  ) {
    this.stats = { source, fetches: 0, fetchFailures: 0, forcedRefreshes: 0, refreshesRateLimited: 0 };
  }

  allowForcedRefresh(): boolean {
    if (this.now() - this.lastForcedAtMs < this.minIntervalMs) {
      this.stats.refreshesRateLimited++;
      return false;
    }
    this.lastForcedAtMs = this.now();
    this.stats.forcedRefreshes++;
    return true;
  }

  failed(error: unknown): void {
    this.stats.fetchFailures++;
    this.stats.lastErrorCode = error instanceof CredentialsError ? error.errorCode : 'Error';
  }
}

/** user_credentials: the keys from the Secret Store, read once per instance (again after a forced refresh). */
export function staticCredentials(read: () => Promise<AwsCredentials>, options: RefreshLimitOptions = {}): CredentialsProvider {
  const state = new ProviderState('secret_store', options.now ?? Date.now, options.minForcedRefreshIntervalMs ?? MIN_FORCED_REFRESH_INTERVAL_MS);
  let cached: Promise<AwsCredentials> | undefined;
  return {
    get() {
      if (!cached) {
        state.stats.fetches++;
        const reading = read();
        cached = reading;
        // A failed read is not cached: the next request reads again (a secret may have been added).
        reading.catch((error) => {
          state.failed(error);
          if (cached === reading) cached = undefined;
        });
      }
      return cached;
    },
    requestRefresh() {
      if (!state.allowForcedRefresh()) return false;
      cached = undefined;
      return true;
    },
    stats: () => ({ ...state.stats }),
  };
}

export interface ExpiringCredentialsOptions extends RefreshLimitOptions {
  /** Fetch fresh temporary credentials (one STS call, taken from the budget). Must set expiresAtMs. */
  fetch: (budget: RequestBudget) => Promise<AwsCredentials>;
  /** Called by requestRefresh too: the base credentials STS is called with (they may have rotated). */
  base?: CredentialsProvider;
  /** Refresh this long before expiry. */
  expiryMarginMs?: number;
}

/**
 * iam_role: temporary credentials cached until `expiresAtMs - expiryMarginMs`. Concurrent get()s
 * share one fetch. When an early refresh fails but the old credentials are still valid, those are
 * used (a transient STS error must not stop delivery while usable credentials exist).
 */
export function expiringCredentials(options: ExpiringCredentialsOptions): CredentialsProvider {
  const now = options.now ?? Date.now;
  const margin = options.expiryMarginMs ?? EXPIRY_MARGIN_MS;
  const state = new ProviderState('sts_assume_role', now, options.minForcedRefreshIntervalMs ?? MIN_FORCED_REFRESH_INTERVAL_MS);
  let current: AwsCredentials | undefined;
  let inFlight: Promise<AwsCredentials> | undefined;

  const isFresh = (c: AwsCredentials | undefined): c is AwsCredentials => !!c && (c.expiresAtMs ?? Infinity) - margin > now();
  const isValid = (c: AwsCredentials | undefined): c is AwsCredentials => !!c && (c.expiresAtMs ?? Infinity) > now();

  async function fetchAnew(budget: RequestBudget): Promise<AwsCredentials> {
    state.stats.fetches++;
    try {
      const fresh = await options.fetch(budget);
      current = fresh;
      state.stats.expiresAt = fresh.expiresAtMs !== undefined ? new Date(fresh.expiresAtMs).toISOString() : undefined;
      return fresh;
    } catch (error) {
      state.failed(error);
      if (isValid(current)) return current;
      throw error;
    }
  }

  return {
    get(budget) {
      if (isFresh(current)) return Promise.resolve(current);
      if (!inFlight) {
        inFlight = fetchAnew(budget).finally(() => (inFlight = undefined));
      }
      return inFlight;
    },
    requestRefresh() {
      if (!state.allowForcedRefresh()) return false;
      // The auth error may come from rotated base keys: let those be read again too (the base
      // provider applies its own rate limit).
      options.base?.requestRefresh();
      current = undefined;
      state.stats.expiresAt = undefined;
      return true;
    },
    stats: () => ({ ...state.stats }),
  };
}
