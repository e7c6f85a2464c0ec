/**
 * AWS credentials for signing, and where they come from. `user_credentials` reads the endpoint's
 * keys from the Secret Store; secrets stay inside this module and the signer, and are never part
 * of an error message.
 */
import type { SecretsLike } from '../platform/types.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials expire (ms since epoch). */
  expiresAtMs?: number;
}

export interface CredentialsProvider {
  get(): Promise<AwsCredentials>;
  /** Forget cached credentials (after an auth error) so the next get() fetches anew. */
  invalidate(): void;
}

/** A missing or unreadable secret. Names the secret store key, never its value. */
export class CredentialsError extends Error {
  constructor(readonly key: string, problem: string) {
    super(`secret ${key}: ${problem}`);
    this.name = 'CredentialsError';
  }
}

export function secretKeys(endpoint: string) {
  return {
    accessKeyId: `${endpoint}.access_key_id`,
    secretAccessKey: `${endpoint}.secret_access_key`,
    sessionToken: `${endpoint}.session_token`,
  };
}

/** Reads access key id, secret and optional session token for `endpoint` from the Secret Store. */
export async function readKeysFromSecrets(secrets: SecretsLike, endpoint: string): Promise<AwsCredentials> {
  const keys = secretKeys(endpoint);
  const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
    secrets.get(keys.accessKeyId),
    secrets.get(keys.secretAccessKey),
    secrets.get(keys.sessionToken),
  ]);
  if (!accessKeyId) throw new CredentialsError(keys.accessKeyId, 'missing or empty in the secret store');
  if (!secretAccessKey) throw new CredentialsError(keys.secretAccessKey, 'missing or empty in the secret store');
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
}

/** user_credentials: the keys from the Secret Store, read once per instance. */
export function staticCredentials(read: () => Promise<AwsCredentials>): CredentialsProvider {
  let cached: Promise<AwsCredentials> | undefined;
  return {
    get() {
      cached ??= read();
      cached.catch(() => (cached = undefined));
      return cached;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
