/**
 * An STS stand-in on 127.0.0.1 for the iam_role access method: answers AssumeRole over the Query
 * API (POST form body or GET query, Version 2011-06-15) in AWS's XML, after checking the request's
 * SigV4 signature (service `sts`) with the same verifier as sigv4-verifier.ts. The temporary
 * credentials it hands out are added to the shared CredentialRegistry with their expiry, so a
 * verifier in front of kinesalite that shares the registry accepts them — until they expire
 * (ExpiredTokenException) or are revoked (UnrecognizedClientException).
 *
 * Errors come as `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message>
 * </Error><RequestId>…</RequestId></ErrorResponse>`:
 *   InvalidClientTokenId 403      unknown base access key id (or bad session token)
 *   SignatureDoesNotMatch 403     signature mismatch / wrong scope
 *   ExpiredToken 400              base credentials expired
 *   MissingAuthenticationToken 403, IncompleteSignature 400
 *   AccessDenied 403              RoleArn or ExternalId not the expected ones
 *   ValidationError 400           bad Action, Version, RoleSessionName or DurationSeconds
 *
 * Start: `startStsStandIn({ credentials, region?, roleArn?, externalId?, lifetimeSeconds?,
 *   faults?, port?, now? })`
 *   credentials      CredentialRegistry holding the base keys; issued keys are added to it
 *   region           expected signing region, default 'us-east-1'
 *   roleArn          when set, any other RoleArn gets AccessDenied
 *   externalId       when set, a missing or different ExternalId gets AccessDenied
 *   lifetimeSeconds  lifetime of issued credentials, overriding DurationSeconds (tests use seconds)
 *   faults           per call, consumed in order: { kind: 'error', status, code, message? } |
 *                    { kind: 'malformed' } | { kind: 'hang' } | { kind: 'pass' }
 * Returns { url, port, stop(), issued (every credential handed out), requests (every parsed form),
 *   stats: {calls, accepted, rejected, rejections[]}, setFaults(faults) }.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { CredentialRegistry, listen, readBody, receivedRequest, send, verifySigV4, type KnownCredential } from './sigv4-verifier.js';

export type StsFault = { kind: 'pass' } | { kind: 'error'; status: number; code: string; message?: string } | { kind: 'malformed' } | { kind: 'hang' };

export interface StsStandInOptions {
  credentials: CredentialRegistry;
  region?: string;
  roleArn?: string;
  externalId?: string;
  lifetimeSeconds?: number;
  faults?: readonly StsFault[];
  port?: number;
  now?: () => number;
}

export interface StsStandIn {
  url: string;
  port: number;
  issued: KnownCredential[];
  requests: Record<string, string>[];
  stats: { calls: number; accepted: number; rejected: number; rejections: { code: string; message: string }[] };
  setFaults(faults: readonly StsFault[] | undefined): void;
  stop(): Promise<void>;
}

/** Verifier codes (JSON protocol) → the codes STS (Query protocol) uses for the same problem. */
const STS_CODES: Record<string, { code: string; status: number }> = {
  UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
  InvalidSignatureException: { code: 'SignatureDoesNotMatch', status: 403 },
  ExpiredTokenException: { code: 'ExpiredToken', status: 400 },
  MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken', status: 403 },
  IncompleteSignatureException: { code: 'IncompleteSignature', status: 400 },
};

const XML = { 'content-type': 'text/xml' };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function stsErrorXml(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${escapeXml(code)}</Code>\n` +
    `    <Message>${escapeXml(message)}</Message>\n  </Error>\n  <RequestId>${randomBytes(8).toString('hex')}</RequestId>\n</ErrorResponse>\n`
  );
}

function assumeRoleXml(roleArn: string, sessionName: string, c: KnownCredential): string {
  const roleName = roleArn.split('/').pop();
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>${escapeXml(roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/'))}/${escapeXml(sessionName)}</Arn>
      <AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${escapeXml(sessionName)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${escapeXml(c.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${escapeXml(c.sessionToken!)}</SessionToken>
      <Expiration>${new Date(c.expiresAtMs!).toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${randomBytes(8).toString('hex')}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
<!-- role ${escapeXml(roleName ?? '')} -->
`;
}

export async function startStsStandIn(options: StsStandInOptions): Promise<StsStandIn> {
  const now = options.now ?? Date.now;
  const issued: KnownCredential[] = [];
  const requests: Record<string, string>[] = [];
  const stats: StsStandIn['stats'] = { calls: 0, accepted: 0, rejected: 0, rejections: [] };
  let faults = options.faults;
  let faultIndex = 0;

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const received = receivedRequest(req, raw);
    stats.calls++;
    const fault = faults?.[faultIndex++];
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'malformed') return send(res, 200, XML, '<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>');
    if (fault?.kind === 'error') return send(res, fault.status, XML, stsErrorXml(fault.code, fault.message ?? `injected ${fault.code}`));

    const reject = (status: number, code: string, message: string) => {
      stats.rejected++;
      stats.rejections.push({ code, message });
      send(res, status, XML, stsErrorXml(code, message));
    };
    const verified = await verifySigV4(received, { credentials: options.credentials, service: 'sts', region: options.region ?? 'us-east-1', now });
    if (!verified.ok) {
      const mapped = STS_CODES[verified.code] ?? { code: verified.code, status: 400 };
      return reject(mapped.status, mapped.code, verified.message);
    }
    const form = new URLSearchParams(received.method === 'GET' ? new URL(received.path, 'http://x').search : Buffer.from(raw).toString('utf8'));
    const params = Object.fromEntries(form);
    requests.push(params);
    if (params.Action !== 'AssumeRole') return reject(400, 'InvalidAction', `Could not find operation ${params.Action ?? ''} for version ${params.Version ?? ''}`);
    if (params.Version !== '2011-06-15') return reject(400, 'InvalidAction', `Could not find operation AssumeRole for version ${params.Version ?? ''}`);
    if (!params.RoleArn) return reject(400, 'ValidationError', "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    if (!/^[\w+=,.@-]{2,64}$/.test(params.RoleSessionName ?? '')) {
      return reject(400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
    }
    const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      return reject(400, 'ValidationError', "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint");
    }
    if ((options.roleArn && params.RoleArn !== options.roleArn) || (options.externalId !== undefined && params.ExternalId !== options.externalId)) {
      return reject(403, 'AccessDenied', `User: arn:aws:iam::000000000000:user/stand-in is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`);
    }
    const credential: KnownCredential = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(120).toString('base64')}`,
      expiresAtMs: now() + (options.lifetimeSeconds ?? duration) * 1000,
    };
    options.credentials.add(credential);
    issued.push(credential);
    stats.accepted++;
    send(res, 200, XML, assumeRoleXml(params.RoleArn, params.RoleSessionName, credential));
  });
  const listening = await listen(server, options.port);
  return {
    ...listening,
    issued,
    requests,
    stats,
    setFaults(next) {
      faults = next;
      faultIndex = 0;
    },
  };
}
