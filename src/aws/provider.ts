/**
 * The credentials provider for one endpoint's access method, built once per instance:
 *
 *   user_credentials  the endpoint's keys from the Secret Store (staticCredentials)
 *   iam_role          STS AssumeRole signed with those same keys as base credentials, the temporary
 *                     credentials cached until Expiration − 60 s (expiringCredentials)
 *
 * Owns only the wiring between config, Secret Store and STS; see credentials.ts and sts.ts.
 */
import type { EndpointConfig } from '../config/schema.js';
import type { BackendFetch, SecretsLike } from '../platform/types.js';
import { CredentialsError, expiringCredentials, readKeysFromSecrets, staticCredentials, type CredentialsProvider } from './credentials.js';
import { assumeRoleFetcher, stsSigningRegion } from './sts.js';

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

export function createCredentialsProvider(endpoint: Pick<EndpointConfig, 'name' | 'region' | 'access'>, deps: ProviderDeps): CredentialsProvider {
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
