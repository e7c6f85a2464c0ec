/**
 * The credentials provider for one endpoint's access method, built once per instance:
 *
 *   user_credentials  the endpoint's keys from the Secret Store (staticCredentials)
 *   iam_role          STS AssumeRole signed with those same keys as base credentials, the temporary
 *                     credentials cached until Expiration − 60 s (expiringCredentials)
 *
 * Owns only the wiring between config, Secret Store and STS; see credentials.ts and sts.ts.
 */
import type { BackendFetch, BackendRef, SecretsLike } from '../platform/types.js';
import { CredentialsError, expiringCredentials, readKeysFromSecrets, staticCredentials, type CredentialsProvider } from './credentials.js';
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

export interface ProviderDeps {
  /** Opens the Secret Store (throws when it is not linked to the service). */
  openSecrets: () => SecretsLike;
  secretStoreName: string;
  fetch: BackendFetch;
  now: () => number;
  /** Tests shorten these. */
  expiryMarginMs?: number;
  minForcedRefreshIntervalMs?: number;
  stsTimeoutMs?: number;
}

export function createCredentialsProvider(endpoint: CredentialsSubject, deps: ProviderDeps): CredentialsProvider {
  const limits = { now: deps.now, minForcedRefreshIntervalMs: deps.minForcedRefreshIntervalMs };
  const base = staticCredentials(async () => {
    let secrets: SecretsLike;
    try {
      secrets = deps.openSecrets();
    } catch {
      throw new CredentialsError('MissingCredentials', `secret store ${deps.secretStoreName} cannot be opened (not linked to the service?)`);
    }
    return readKeysFromSecrets(secrets, endpoint.name);
  }, limits);
  const { access } = endpoint;
  if (access.method !== 'iam_role') return base;
  return expiringCredentials({
    ...limits,
    base,
    expiryMarginMs: deps.expiryMarginMs,
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
}
