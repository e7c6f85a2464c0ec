/**
 * AWS credentials for signing, and where they come from.
 *
 *  - `user_credentials`: access key id, secret and optional session token from the Secret Store
 *    (`staticCredentials` over `readKeysFromSecrets`), read once per instance.
 *  - `iam_role`: temporary credentials from STS AssumeRole (aws/sts.ts), kept by
 *    `expiringCredentials` until `Expiration` minus a margin.
 *
 * Owns: caching, single-flight fetching, the backoff after failed STS calls, the "one STS call per
 * execution" rule, the rate limit on forced refreshes after auth errors, and the per-instance
 * counters of where credentials came from. Does not own: signing (signed-fetch.ts), the STS wire
 * format (sts.ts), or which endpoints share a provider (provider.ts).
 *
 * STS failures (reference/kinesis.md §1.2 for the numbers, KPL's for ListShards): a failed
 * AssumeRole is not tried again for 1 s, then 1.5× longer after each further failure, up to 30 s;
 * meanwhile `get` answers the last error at once, without a request (or still-valid old
 * credentials). And whatever happens, one execution makes at most one AssumeRole per provider:
 * an execution whose call failed, or that already fetched, does not call again (a forced refresh
 * after an auth error included). Without these, an AccessDenied cost an AssumeRole for every
 * credentials lookup of every request (up to 3 per execution). A call refused for want of budget
 * never left: it is not a failure, grows no backoff, and the next execution with room tries.
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
import { hasControlCharacter, secretText } from '../platform/secret-text.js';
import { BUDGET_EXHAUSTED, type RequestAllowance, type RequestBudget } from './budget.js';

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
  /** Forced refreshes refused by the rate limit (or because this execution already called STS). */
  refreshesRateLimited: number;
  /** Expiration of the cached temporary credentials, ISO 8601, if any. */
  expiresAt?: string;
  /** After a failed AssumeRole: no new call before this time (ISO 8601). */
  backoffUntil?: string;
  lastErrorCode?: string;
}

export interface CredentialsProvider {
  /**
   * Credentials to sign with. Fetching them may cost a backend request (STS), taken from
   * `allowance` like every other AWS call of the execution.
   */
  get(allowance: RequestAllowance): Promise<AwsCredentials>;
  /** Whether `get` would send a backend request in this execution now (delivery plans for it). */
  wouldFetch(execution: RequestBudget): boolean;
  /**
   * After an auth error: forget cached credentials so the next get() fetches anew. Refused
   * (false, nothing changes) when a forced refresh happened less than `minForcedRefreshIntervalMs`
   * ago, or when this execution already called STS: a persistent auth problem cannot turn every
   * request into STS calls.
   */
  requestRefresh(execution: RequestBudget): boolean;
  stats(): CredentialsStats;
}

/**
 * Credentials could not be had. `errorCode` is what a Kinesis call made with them reports
 * (`MissingCredentials`, `InvalidCredentials`, or the STS error code); the message names secret
 * store keys, never values.
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
/** Backoff after a failed AssumeRole: KPL's 1 s ×1.5 up to 30 s (its ListShards backoff, §1.2). */
export const MIN_STS_BACKOFF_MS = 1_000;
export const MAX_STS_BACKOFF_MS = 30_000;
export const STS_BACKOFF_MULTIPLIER = 1.5;

export function secretKeys(endpoint: string) {
  return {
    accessKeyId: `${endpoint}.access_key_id`,
    secretAccessKey: `${endpoint}.secret_access_key`,
    sessionToken: `${endpoint}.session_token`,
  };
}

/**
 * Reads access key id, secret and optional session token for `endpoint` from the Secret Store
 * `storeName` (named in the messages: a library user may have chosen another store than the default).
 */
export async function readKeysFromSecrets(secrets: SecretsLike, endpoint: string, storeName: string): Promise<AwsCredentials> {
  const keys = secretKeys(endpoint);
  const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
    readSecret(secrets, keys.accessKeyId, storeName),
    readSecret(secrets, keys.secretAccessKey, storeName),
    readSecret(secrets, keys.sessionToken, storeName),
  ]);
  if (!accessKeyId) throw missingSecret(keys.accessKeyId, storeName);
  if (!secretAccessKey) throw missingSecret(keys.secretAccessKey, storeName);
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
}

/** A secret as text (trailing CR/LF removed: platform/secret-text.ts); one with a control character left is refused. */
async function readSecret(secrets: SecretsLike, key: string, storeName: string): Promise<string | null> {
  const value = secretText(await secrets.get(key));
  if (value !== null && hasControlCharacter(value)) {
    throw new CredentialsError(
      'InvalidCredentials',
      `secret ${key} in Secret Store "${storeName}": contains a line break or another control character; store the value without it`,
    );
  }
  return value;
}

function missingSecret(key: string, storeName: string): CredentialsError {
  return new CredentialsError('MissingCredentials', `secret ${key}: missing or empty in Secret Store "${storeName}"`);
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
    if (this.now() - this.lastForcedAtMs < this.minIntervalMs) return this.refuseRefresh();
    this.lastForcedAtMs = this.now();
    this.stats.forcedRefreshes++;
    return true;
  }

  refuseRefresh(): false {
    this.stats.refreshesRateLimited++;
    return false;
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
    // Reading the Secret Store is no backend request.
    wouldFetch: () => false,
    requestRefresh() {
      if (!state.allowForcedRefresh()) return false;
      cached = undefined;
      return true;
    },
    stats: () => ({ ...state.stats }),
  };
}

export interface ExpiringCredentialsOptions extends RefreshLimitOptions {
  /** Fetch fresh temporary credentials (one STS call, taken from the allowance). Must set expiresAtMs. */
  fetch: (allowance: RequestAllowance) => Promise<AwsCredentials>;
  /** Called by requestRefresh too: the base credentials STS is called with (they may have rotated). */
  base?: CredentialsProvider;
  /** Refresh this long before expiry. */
  expiryMarginMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * iam_role: temporary credentials cached until `expiresAtMs - expiryMarginMs`. Concurrent get()s
 * share one fetch. When an early refresh fails but the old credentials are still valid, those are
 * used (a transient STS error must not stop delivery while usable credentials exist).
 */
export function expiringCredentials(options: ExpiringCredentialsOptions): CredentialsProvider {
  const now = options.now ?? Date.now;
  const margin = options.expiryMarginMs ?? EXPIRY_MARGIN_MS;
  const minBackoffMs = options.minBackoffMs ?? MIN_STS_BACKOFF_MS;
  const maxBackoffMs = options.maxBackoffMs ?? MAX_STS_BACKOFF_MS;
  const state = new ProviderState('sts_assume_role', now, options.minForcedRefreshIntervalMs ?? MIN_FORCED_REFRESH_INTERVAL_MS);
  let current: AwsCredentials | undefined;
  let inFlight: Promise<AwsCredentials> | undefined;
  /** The execution that last called STS: it does not call again. */
  let calledIn: RequestBudget | undefined;
  /** The last failure, answered without a request until `retryAtMs`. */
  let failure: { error: unknown; retryAtMs: number } | undefined;
  let backoffMs = minBackoffMs;

  const isFresh = (c: AwsCredentials | undefined): c is AwsCredentials => !!c && (c.expiresAtMs ?? Infinity) - margin > now();
  const isValid = (c: AwsCredentials | undefined): c is AwsCredentials => !!c && (c.expiresAtMs ?? Infinity) > now();
  const inBackoff = () => failure !== undefined && now() < failure.retryAtMs;

  async function fetchAnew(allowance: RequestAllowance): Promise<AwsCredentials> {
    const previousCaller = calledIn;
    calledIn = allowance.execution;
    state.stats.fetches++;
    try {
      const fresh = await options.fetch(allowance);
      current = fresh;
      failure = undefined;
      backoffMs = minBackoffMs;
      state.stats.expiresAt = fresh.expiresAtMs !== undefined ? new Date(fresh.expiresAtMs).toISOString() : undefined;
      state.stats.backoffUntil = undefined;
      return fresh;
    } catch (error) {
      if (error instanceof CredentialsError && error.errorCode === BUDGET_EXHAUSTED) {
        // Never sent: not a failure, and not this execution's one call.
        state.stats.fetches--;
        calledIn = previousCaller;
      } else {
        state.failed(error);
        failure = { error, retryAtMs: now() + backoffMs };
        state.stats.backoffUntil = new Date(failure.retryAtMs).toISOString();
        backoffMs = Math.min(backoffMs * STS_BACKOFF_MULTIPLIER, maxBackoffMs);
      }
      if (isValid(current)) return current;
      throw error;
    }
  }

  /** Whether get() in `execution` must call STS: nothing usable cached, none in flight, no reason to wait. */
  function mustCall(execution: RequestBudget): boolean {
    return !isFresh(current) && !inFlight && calledIn !== execution && !inBackoff();
  }

  return {
    get(allowance) {
      if (isFresh(current)) return Promise.resolve(current);
      if (inFlight) return inFlight;
      if (mustCall(allowance.execution)) {
        inFlight = fetchAnew(allowance).finally(() => (inFlight = undefined));
        return inFlight;
      }
      // Called in this execution already, or backing off: what we have, or the last failure.
      if (isValid(current)) return Promise.resolve(current);
      return Promise.reject(failure?.error ?? new CredentialsError('ExpiredToken', 'STS AssumeRole: the credentials this execution received have expired'));
    },
    wouldFetch: mustCall,
    requestRefresh(execution) {
      // New credentials were fetched in this execution, and refused: asking again buys nothing.
      if (calledIn === execution) return state.refuseRefresh();
      if (!state.allowForcedRefresh()) return false;
      // The auth error may come from rotated base keys: let those be read again too (the base
      // provider applies its own rate limit).
      options.base?.requestRefresh(execution);
      current = undefined;
      failure = undefined;
      state.stats.expiresAt = undefined;
      state.stats.backoffUntil = undefined;
      return true;
    },
    stats: () => ({ ...state.stats }),
  };
}
