/**
 * How an endpoint signs: `user_credentials` (keys from the Secret Store) or `iam_role` (STS
 * AssumeRole with those keys as base credentials), and where STS is reached.
 *
 * Owns: the access fields (access_method, iam_role, external_id, role_session_name,
 * role_duration_seconds, sts_url, sts_backend) and their rules. Secrets themselves are never here.
 */
import { readBackend, readInteger, readUrl, type FieldReader } from './fields.js';
import { quoteValue } from './quote.js';
import { AWS_REGIONS, defaultStsUrl } from './regions.js';
import { DEFAULT_STS_BACKEND, DEFAULTS, type AccessConfig } from './schema.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:\/-]{2,1224}$/;
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** AssumeRole's DurationSeconds range (the role's own maximum may be lower). */
const MIN_ROLE_DURATION_SECONDS = 900;
const MAX_ROLE_DURATION_SECONDS = 43_200;

/** The access method; undefined when a field is wrong (reported) or the region is (reported elsewhere). */
export function readAccess(reader: FieldReader, region: string | undefined): AccessConfig | undefined {
  const roleArn = reader.get('iam_role');
  const method = reader.get('access_method') ?? (roleArn ? 'iam_role' : 'user_credentials');
  if (method === 'user_credentials') return { method };
  if (method !== 'iam_role') return reader.fail('access_method', `${quoteValue(method)} is not one of user_credentials, iam_role`);
  if (!roleArn) return reader.fail('iam_role', 'missing: the role ARN to assume (access_method is iam_role)');
  if (!ROLE_ARN.test(roleArn)) return reader.fail('iam_role', `${quoteValue(roleArn)} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)`);
  const externalId = reader.get('external_id');
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    return reader.fail('external_id', 'must be 2-1224 characters of letters, digits and +=,.@:/-');
  }
  const sessionName = reader.get('role_session_name') ?? 'compute-kinesis-logger';
  if (!ROLE_SESSION_NAME.test(sessionName)) return reader.fail('role_session_name', 'must be 2-64 characters of letters, digits and +=,.@-');
  const durationSeconds = readInteger(reader, 'role_duration_seconds', DEFAULTS.roleDurationSeconds, MIN_ROLE_DURATION_SECONDS, MAX_ROLE_DURATION_SECONDS);
  // Without a valid region there is no default STS endpoint; the region's own problem is reported.
  if (!region || !AWS_REGIONS.has(region)) return undefined;
  const stsUrl = readUrl(reader, 'sts_url', defaultStsUrl(region), 'https://sts.eu-west-1.amazonaws.com/');
  const stsBackend = stsUrl && readBackend(reader, 'sts_backend', DEFAULT_STS_BACKEND, stsUrl);
  if (!stsUrl || !stsBackend) return undefined;
  return { method, roleArn, externalId, sessionName, durationSeconds, stsUrl, stsBackend };
}
