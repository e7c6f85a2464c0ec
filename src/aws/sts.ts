/**
 * STS AssumeRole over the Query API (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html,
 * reference/kinesis.md §4.1–§4.2): a signed `POST /` with a form body, answered in XML.
 *
 * Owns: the request body, the endpoint and signing region, reading the XML answer and the
 * `ErrorResponse` without a DOM parser (js-compute has none), and turning every failure into a
 * CredentialsError with the STS error code. Does not own caching (credentials.ts) or retries
 * (the Kinesis call that needed the credentials is retried by delivery/retrier.ts).
 *
 * The answer's secret key and session token go into the returned object only. Error messages carry
 * STS's own message through `sanitizeAwsMessage`: a refused signature echoes the canonical request
 * and string to sign, which must not travel on into reports.
 */
import type { BackendFetch, BackendRef } from '../platform/types.js';
import { BUDGET_EXHAUSTED, BudgetExhaustedError, type RequestAllowance } from './budget.js';
import { sanitizeAwsMessage } from './error-message.js';
import { CredentialsError, type AwsCredentials, type CredentialsProvider } from './credentials.js';
import { BackendNotDefinedError, createSignedFetch, RequestTimeoutError, SigningError, type AwsAnswer } from './signed-fetch.js';

export const STS_API_VERSION = '2011-06-15';

export interface AssumeRoleParams {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  durationSeconds: number;
}

export interface StsClientOptions {
  /** e.g. https://sts.eu-west-1.amazonaws.com/ */
  url: string;
  /** Region the request is signed for (see stsSigningRegion). */
  region: string;
  backend: BackendRef;
  fetch: BackendFetch;
  timeoutMs: number;
  signingKeyCache: Map<string, ArrayBuffer>;
}

/**
 * The region to sign an STS request for: the one in the host name, us-east-1 for the global host
 * (which is hosted there, §4.2), else the stream's region (a local stand-in or a proxy).
 */
export function stsSigningRegion(url: string, fallbackRegion: string): string {
  const host = new URL(url).hostname;
  if (host === 'sts.amazonaws.com') return 'us-east-1';
  const match = /^sts(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return match ? match[1] : fallbackRegion;
}

export function assumeRoleBody(params: AssumeRoleParams): string {
  const form = new URLSearchParams();
  form.set('Action', 'AssumeRole');
  form.set('Version', STS_API_VERSION);
  form.set('RoleArn', params.roleArn);
  form.set('RoleSessionName', params.sessionName);
  form.set('DurationSeconds', String(params.durationSeconds));
  if (params.externalId !== undefined) form.set('ExternalId', params.externalId);
  return form.toString();
}

/**
 * One AssumeRole call, signed (service `sts`) with the base credentials, taking one request from
 * the execution's budget. Resolves to temporary credentials with `expiresAtMs`.
 */
export async function assumeRole(
  params: AssumeRoleParams,
  base: CredentialsProvider,
  budget: RequestAllowance,
  options: StsClientOptions,
): Promise<AwsCredentials> {
  const signedFetch = createSignedFetch({
    service: 'sts',
    region: options.region,
    credentials: base,
    backend: options.backend,
    fetch: options.fetch,
    budget,
    timeoutMs: options.timeoutMs,
    signingKeyCache: options.signingKeyCache,
  });
  let response: AwsAnswer;
  try {
    response = await signedFetch(options.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: assumeRoleBody(params),
    });
  } catch (error) {
    if (error instanceof CredentialsError) throw error;
    if (error instanceof BudgetExhaustedError) throw new CredentialsError(BUDGET_EXHAUSTED, `STS AssumeRole not sent: ${error.message}`);
    if (error instanceof SigningError) throw new CredentialsError(error.errorCode, `STS AssumeRole not sent: ${error.message}`);
    if (error instanceof BackendNotDefinedError) throw new CredentialsError(error.errorCode, `STS AssumeRole not sent: ${error.message}`);
    if (error instanceof RequestTimeoutError) throw new CredentialsError('Timeout', `STS AssumeRole: ${error.message}`);
    throw new CredentialsError('NetworkError', `STS AssumeRole: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { text } = response;
  if (!response.ok) {
    const parsed = parseStsError(text);
    throw new CredentialsError(
      parsed?.code ?? `HTTP${response.status}`,
      `STS AssumeRole: ${parsed?.message ? sanitizeAwsMessage(parsed.message) : `answered ${response.status}`}`,
      response.status,
    );
  }
  return parseAssumeRoleResponse(text);
}

/** Reads the credentials out of an AssumeRoleResponse; throws CredentialsError('MalformedResponse'). */
export function parseAssumeRoleResponse(xml: string): AwsCredentials {
  const credentials = xmlElement(xml, 'Credentials');
  const accessKeyId = credentials !== undefined ? xmlElement(credentials, 'AccessKeyId') : undefined;
  const secretAccessKey = credentials !== undefined ? xmlElement(credentials, 'SecretAccessKey') : undefined;
  const sessionToken = credentials !== undefined ? xmlElement(credentials, 'SessionToken') : undefined;
  const expiration = credentials !== undefined ? xmlElement(credentials, 'Expiration') : undefined;
  // Names the missing element, never the values of the present ones.
  const missing = [
    ['AccessKeyId', accessKeyId],
    ['SecretAccessKey', secretAccessKey],
    ['SessionToken', sessionToken],
    ['Expiration', expiration],
  ].find(([, value]) => !value)?.[0];
  if (missing) throw new CredentialsError('MalformedResponse', `STS AssumeRole: answer has no Credentials/${missing}`);
  const expiresAtMs = Date.parse(expiration!);
  if (Number.isNaN(expiresAtMs)) throw new CredentialsError('MalformedResponse', 'STS AssumeRole: Expiration is not a date');
  return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken: sessionToken!, expiresAtMs };
}

/** `<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error>…` → {code, message}. */
export function parseStsError(xml: string): { code: string; message: string } | undefined {
  const error = xmlElement(xml, 'Error');
  const code = error !== undefined ? xmlElement(error, 'Code') : undefined;
  if (!code) return undefined;
  return { code, message: xmlElement(error!, 'Message') ?? '' };
}

/**
 * The text of the first `<name>` element (attributes and a namespace prefix allowed), entities
 * decoded; undefined when absent. Enough for STS's flat, namespace-default answers; not an XML
 * parser (no CDATA, no comments inside the element).
 */
export function xmlElement(xml: string, name: string): string | undefined {
  const open = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^>]*)?>`);
  const start = open.exec(xml);
  if (!start) return undefined;
  const from = start.index + start[0].length;
  const close = new RegExp(`</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`);
  const end = close.exec(xml.slice(from));
  if (!end) return undefined;
  return decodeXmlEntities(xml.slice(from, from + end.index).trim());
}

function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    switch (entity) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    }
  });
}

/**
 * iam_role credentials: AssumeRole with the base credentials, cached by the caller
 * (credentials.ts `expiringCredentials`).
 */
export function assumeRoleFetcher(params: AssumeRoleParams, base: CredentialsProvider, options: StsClientOptions) {
  return (allowance: RequestAllowance) => assumeRole(params, base, allowance, options);
}
