/**
 * The credentials of one endpoint, built once per instance, and who signs its calls:
 *
 *   user_credentials  the endpoint's keys from the Secret Store (staticCredentials)
 *   iam_role          STS AssumeRole signed with those same keys as base credentials, the temporary
 *                     credentials cached until Expiration − 60 s (expiringCredentials)
 *
 * Endpoints that assume the same role (same role ARN, external id, session name, duration and STS
 * URL) with the same base access key share one role session per instance (`roleSessions`): one
 * AssumeRole serves them all, and their lines may share PutRecords calls. Which endpoints share is
 * known only once the base keys are read, so `identity()` reads them first — a Secret Store read,
 * never a backend request — and answers who signs; delivery plans the execution's requests from
 * that before anything is sent.
 *
 * Owns only the wiring between config, Secret Store and STS; see credentials.ts and sts.ts.
 */
import type { BackendFetch, BackendRef, SecretsLike } from '../platform/types.js';
import type { RequestBudget } from './budget.js';
import {
  CredentialsError,
  expiringCredentials,
  readKeysFromSecrets,
  staticCredentials,
  type CredentialsProvider,
  type CredentialsStats,
} from './credentials.js';
import { keyAccount, roleAccount } from './identity.js';
import { assumeRoleFetcher, stsSigningRegion } from './sts.js';

/** How an endpoint signs, as configured (config/access.ts reads it; `<endpoint>.access_method`). */
export type AccessConfig =
  | { method: 'user_credentials' }
  | {
      method: 'iam_role';
      roleArn: string;
      externalId?: string;
      sessionName: string;
      durationSeconds: number;
      /** `<endpoint>.sts_url`; default the regional endpoint https://sts.<region>.amazonaws.com/ (.com.cn in China). */
      stsUrl: string;
      /** `<endpoint>.sts_backend`; default static backend `sts`, or `dynamic` for the sts_url host. */
      stsBackend: BackendRef;
    };

/** The endpoint a provider serves: its name (the Secret Store keys are named after it), region and access. */
export interface CredentialsSubject {
  name: string;
  region: string;
  access: AccessConfig;
}

/** STS answers in well under a second; a slow one should not eat the logging deadline. */
export const STS_CALL_TIMEOUT_MS = 5_000;

/** Who signs an endpoint's calls. */
export interface SigningIdentity {
  /**
   * Equal for endpoints whose calls are signed alike (one access key, or one role session): their
   * lines for a stream may share PutRecords calls. Kept in memory only: it holds a key id.
   */
  key: string;
  /** The account the calls act in (identity.ts): part of the shard map's KV key, never a secret. */
  account: string;
  credentials: CredentialsProvider;
}

export interface EndpointCredentials {
  /**
   * Reads the endpoint's keys (Secret Store, no backend request) and answers who signs. Rejects
   * with CredentialsError: MissingCredentials, InvalidCredentials.
   */
  identity(execution: RequestBudget): Promise<SigningIdentity>;
  /** The counters of the provider that signs (shared with the endpoints of the same role session). */
  stats(): CredentialsStats;
}

export interface ProviderDeps {
  /** Opens the Secret Store (throws when it is not linked to the service). */
  openSecrets: () => SecretsLike;
  secretStoreName: string;
  fetch: BackendFetch;
  now: () => number;
  /** Per instance: the role sessions, shared by endpoints assuming one role with one base key. */
  roleSessions: Map<string, CredentialsProvider>;
  /** Tests shorten these. */
  expiryMarginMs?: number;
  minForcedRefreshIntervalMs?: number;
  stsTimeoutMs?: number;
  minStsBackoffMs?: number;
  maxStsBackoffMs?: number;
}

export function createEndpointCredentials(endpoint: CredentialsSubject, deps: ProviderDeps): EndpointCredentials {
  const limits = { now: deps.now, minForcedRefreshIntervalMs: deps.minForcedRefreshIntervalMs };
  const base = staticCredentials(async () => {
    let secrets: SecretsLike;
    try {
      secrets = deps.openSecrets();
    } catch {
      throw new CredentialsError('MissingCredentials', `Secret Store "${deps.secretStoreName}" cannot be opened (not linked to the service?)`);
    }
    return readKeysFromSecrets(secrets, endpoint.name, deps.secretStoreName);
  }, limits);
  const { access } = endpoint;
  let signer: CredentialsProvider = base;
  /** The account of the last key read (an MD5 per execution is small, but it is per request). */
  let known: { keyId: string; account: string } | undefined;
  const accountOf = (keyId: string) => (known?.keyId === keyId ? known.account : (known = { keyId, account: keyAccount(keyId) }).account);

  function roleSession(access: Extract<AccessConfig, { method: 'iam_role' }>, baseKeyId: string): { key: string; session: CredentialsProvider } {
    const key = [access.stsUrl, access.roleArn, access.externalId ?? '', access.sessionName, access.durationSeconds, baseKeyId].join('\n');
    let session = deps.roleSessions.get(key);
    if (!session) {
      session = expiringCredentials({
        ...limits,
        base,
        expiryMarginMs: deps.expiryMarginMs,
        minBackoffMs: deps.minStsBackoffMs,
        maxBackoffMs: deps.maxStsBackoffMs,
        fetch: assumeRoleFetcher(
          { roleArn: access.roleArn, sessionName: access.sessionName, externalId: access.externalId, durationSeconds: access.durationSeconds },
          base,
          {
            url: access.stsUrl,
            region: stsSigningRegion(access.stsUrl, endpoint.region),
            backend: access.stsBackend,
            fetch: deps.fetch,
            timeoutMs: deps.stsTimeoutMs ?? STS_CALL_TIMEOUT_MS,
            signingKeyCache: new Map(),
          },
        ),
      });
      deps.roleSessions.set(key, session);
    }
    return { key, session };
  }

  return {
    async identity(execution) {
      const keys = await base.get(execution);
      if (access.method !== 'iam_role') return { key: `key\n${keys.accessKeyId}`, account: accountOf(keys.accessKeyId), credentials: base };
      const { key, session } = roleSession(access, keys.accessKeyId);
      signer = session;
      return { key: `role\n${key}`, account: roleAccount(access.roleArn), credentials: session };
    },
    stats() {
      // An iam_role endpoint whose keys were never read has no session yet: nothing was called.
      if (signer === base && access.method === 'iam_role') return { source: 'sts_assume_role', fetches: 0, fetchFailures: 0, forcedRefreshes: 0, refreshesRateLimited: 0 };
      return signer.stats();
    },
  };
}
