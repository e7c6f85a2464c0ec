/**
 * Reads the Config Store into a validated ServiceConfig. Every problem is collected (not just the
 * first); an endpoint with any problem is disabled, the others carry on.
 *
 * Store layout: a few service-wide keys, and one item per endpoint, named after the endpoint,
 * holding a JSON object of its fields (`main` = `{"stream_name": "logs", "region": "us-east-1"}`).
 * One item per endpoint, not one per field, because Compute allows 32 Config Store lookups per
 * execution (reference/compute.md §4.2): a key per field (~25 per endpoint) would exhaust them
 * with the second endpoint. Loading costs SERVICE_KEYS.length + one lookup per endpoint, and the
 * first request of a sandbox makes PRE_RESPONSE_CONFIG_LOOKUPS more before it loads.
 */
import { DEFAULT_MAX_AGGREGATE_BYTES } from '../kinesis/aggregation.js';
import { compileCondition, compileFormat, FormatError, KINESIS_DEFAULT_FORMAT, lintJsonTemplate, type Condition } from '../format/index.js';
import { closestNames } from '../format/suggest.js';
import { parseTrustedUpstreams, type TrustedUpstreams } from '../facts/client-ip.js';
import type { BackendRef, ConfigLike } from '../platform/types.js';
import { ConfigError } from './errors.js';
import { AWS_REGIONS, awsDomainFor } from './regions.js';
import {
  type AccessConfig,
  CONFIG_LOOKUPS_PER_EXECUTION,
  DEFAULT_ERROR_LOG_ENDPOINT,
  DEFAULT_KV_STORE_NAME,
  DEFAULT_STATIC_BACKEND,
  DEFAULT_STS_BACKEND,
  DEFAULTS,
  ENDPOINT_FIELDS,
  type EndpointConfig,
  PLACEMENTS,
  type Placement,
  PRE_RESPONSE_CONFIG_LOOKUPS,
  SERVICE_KEYS,
  type ServiceConfig,
} from './schema.js';

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const ENDPOINT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
/** Fastly log endpoint names as the Logger API accepts them (no spaces or quotes). */
const LOG_ENDPOINT_NAME = /^[A-Za-z0-9_.-]{1,255}$/;
/** What the service keys (and the lookup before the response) leave of the budget: the most endpoints one load can read. */
export const MAX_ENDPOINTS = CONFIG_LOOKUPS_PER_EXECUTION - PRE_RESPONSE_CONFIG_LOOKUPS - SERVICE_KEYS.length;
/** Secret fields (Fastly's own names and ours) → the Secret Store key they belong in. */
const SECRET_FIELDS = new Map([
  ['access_key', 'access_key_id'],
  ['access_key_id', 'access_key_id'],
  ['secret_key', 'secret_access_key'],
  ['secret_access_key', 'secret_access_key'],
  ['session_token', 'session_token'],
]);

export function loadServiceConfig(store: ConfigLike): ServiceConfig {
  const errors: ConfigError[] = [];
  const listed = [...new Set((store.get('endpoints') ?? '').split(',').map((n) => n.trim()).filter(Boolean))];
  if (listed.length === 0) {
    errors.push(new ConfigError('service', 'endpoints', 'missing: list the endpoint names, comma separated (e.g. "main")'));
  }
  if (listed.length > MAX_ENDPOINTS) {
    errors.push(
      new ConfigError(
        'service',
        'endpoints',
        `${listed.length} endpoints listed, at most ${MAX_ENDPOINTS} are read (Compute allows ${CONFIG_LOOKUPS_PER_EXECUTION} Config Store lookups per request); ignored: ${listed.slice(MAX_ENDPOINTS).join(', ')}`,
      ),
    );
  }
  const endpoints: EndpointConfig[] = [];
  for (const name of listed.slice(0, MAX_ENDPOINTS)) {
    if (!ENDPOINT_NAME.test(name) || (SERVICE_KEYS as readonly string[]).includes(name)) {
      errors.push(
        new ConfigError('service', 'endpoints', `"${name}" is not a valid endpoint name (letters, digits, _ and -, up to 64; not one of ${SERVICE_KEYS.join(', ')})`),
      );
      continue;
    }
    const before = errors.length;
    const fields = readEndpointItem(name, store.get(name), errors);
    const endpoint = fields && readEndpoint(name, fields, errors);
    if (endpoint && errors.length === before) endpoints.push(endpoint);
  }
  const waf = readWaf(store, endpoints, errors);
  const warnings = endpoints.flatMap(lintEndpoint);
  const errorLogEndpoint = readLogEndpointName(store, 'error_log_endpoint', errors) ?? DEFAULT_ERROR_LOG_ENDPOINT;
  return {
    // Without inspection settings a waf_debug endpoint could never log: it is disabled (and reported).
    endpoints: waf ? endpoints : endpoints.filter((e) => e.placement !== 'waf_debug'),
    errors,
    warnings,
    errorLogEndpoint,
    kvStoreName: store.get('kv_store') ?? DEFAULT_KV_STORE_NAME,
    timingLogEndpoint: readLogEndpointName(store, 'timing_log_endpoint', errors),
    waf,
    trustedUpstreams: readTrustedUpstreams(store, errors),
  };
}

/**
 * The JSON check of an endpoint's format (src/format/json-lint.ts): a line that cannot parse as
 * JSON. Only that part of lint runs at load: it costs a fraction of a compile, while the rest of
 * lint (regex risks) compiles the format again, which the first request of a sandbox cannot afford.
 */
function lintEndpoint(endpoint: EndpointConfig): string[] {
  return lintJsonTemplate(endpoint.format.source).map((w) => `${endpoint.name}: ${endpoint.name}.format: ${w.message}`);
}

/** `trusted_upstreams` (src/facts/client-ip.ts); a bad entry trusts nobody, so Fastly-Client-IP is always client.ip. */
function readTrustedUpstreams(store: ConfigLike, errors: ConfigError[]): TrustedUpstreams {
  try {
    return parseTrustedUpstreams(store.get('trusted_upstreams') ?? '');
  } catch (error) {
    errors.push(new ConfigError('service', 'trusted_upstreams', `${(error as Error).message}; no upstream is trusted`));
    return [];
  }
}

function readLogEndpointName(store: ConfigLike, key: (typeof SERVICE_KEYS)[number], errors: ConfigError[]): string | undefined {
  const value = store.get(key) ?? undefined;
  if (value === undefined || LOG_ENDPOINT_NAME.test(value)) return value;
  errors.push(new ConfigError('service', key, `"${value}" is not a log endpoint name (1-255 of A-Z a-z 0-9 _ . -); using the default`));
  return undefined;
}

/**
 * The endpoint's item: a JSON object of field → string (numbers and booleans are accepted and
 * read as their text). Unknown fields are errors, so a typo never silently means "default".
 */
function readEndpointItem(name: string, raw: string | null, errors: ConfigError[]): Map<string, string> | undefined {
  const fail = (field: string, problem: string) => {
    errors.push(new ConfigError(name, field, problem));
    return undefined;
  };
  if (raw === null) return fail(name, `missing: an item "${name}" holding the endpoint's settings as JSON, e.g. {"stream_name": "logs", "region": "us-east-1"}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return fail(name, `not JSON (${error instanceof Error ? error.message : error}); expected an object such as {"stream_name": "logs", "region": "us-east-1"}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail(name, 'expected a JSON object of the endpoint\'s fields, e.g. {"stream_name": "logs", "region": "us-east-1"}');
  }
  const fields = new Map<string, string>();
  const problemsBefore = errors.length;
  for (const [field, value] of Object.entries(parsed)) {
    const key = `${name}.${field}`;
    const secretKey = SECRET_FIELDS.get(field);
    if (secretKey) {
      // The value is never echoed: it may be a real secret pasted in the wrong place.
      fail(key, `secrets do not belong in the Config Store: remove it here and store it in the Secret Store as ${name}.${secretKey}`);
    } else if (!(ENDPOINT_FIELDS as readonly string[]).includes(field)) {
      const hint = closestNames(field, ENDPOINT_FIELDS).join(' or ');
      fail(key, `unknown field${hint ? ` (did you mean ${hint}?)` : ''}; expected one of ${ENDPOINT_FIELDS.join(', ')}`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields.set(field, String(value));
    } else if (value !== null) {
      // null = not set: the default applies.
      fail(key, `expected a string or a number, got ${Array.isArray(value) ? 'an array' : 'an object'}`);
    }
  }
  return errors.length === problemsBefore ? fields : undefined;
}

function readEndpoint(name: string, fields: ReadonlyMap<string, string>, errors: ConfigError[]): EndpointConfig | undefined {
  const key = (field: string) => `${name}.${field}`;
  const get = (field: string) => fields.get(field);
  const fail = (field: string, problem: string) => {
    errors.push(new ConfigError(name, key(field), problem));
    return undefined;
  };

  const streamName = get('stream_name') ?? get('topic');
  if (streamName === undefined) fail('stream_name', 'missing: the Kinesis stream to write to');
  else if (!STREAM_NAME.test(streamName)) fail('stream_name', `"${streamName}" is not a stream name (1-128 of a-z A-Z 0-9 _ . -)`);

  const region = get('region');
  if (region === undefined) fail('region', 'missing: the stream\'s AWS region, e.g. "us-east-1"');
  else if (!AWS_REGIONS.has(region)) fail('region', `"${region}" is not an AWS region`);

  let format;
  const formatSource = get('format') ?? KINESIS_DEFAULT_FORMAT;
  try {
    format = compileFormat(formatSource);
  } catch (error) {
    fail('format', compileProblem(error));
  }

  let responseCondition: Condition | undefined;
  const conditionSource = get('response_condition');
  if (conditionSource !== undefined && conditionSource.trim() !== '') {
    try {
      responseCondition = compileCondition(conditionSource);
    } catch (error) {
      fail('response_condition', compileProblem(error));
    }
  }

  const sampleRateText = get('sample_rate');
  const sampleRate = sampleRateText === undefined ? 1 : Number(sampleRateText);
  if (sampleRateText !== undefined && !(sampleRate > 0 && sampleRate <= 1)) {
    fail('sample_rate', `"${sampleRateText}" is not a rate above 0 and at most 1 (e.g. 0.01 for 1%)`);
  }

  const placement = (get('placement') ?? 'format_version_default') as Placement;
  if (!PLACEMENTS.includes(placement)) fail('placement', `"${placement}" is not one of ${PLACEMENTS.join(', ')}`);

  const formatVersion = get('format_version') ?? '2';
  if (formatVersion !== '2') fail('format_version', `"${formatVersion}" is not supported: only format version 2`);

  const access = readAccess(get, fail, region);
  const periodSeconds = readInteger(get('period'), DEFAULTS.periodSeconds, 60, 86_400, (p) => fail('period', p));
  const maxAttempts = readInteger(get('max_attempts'), DEFAULTS.maxAttempts, 1, 10, (p) => fail('max_attempts', p));
  const maxRecordBytes = readInteger(get('max_record_bytes'), DEFAULTS.maxRecordBytes, 1024, 10 * 1024 * 1024, (p) => fail('max_record_bytes', p));
  const maxRequestBytes = readInteger(get('max_request_bytes'), DEFAULTS.maxRequestBytes, 64 * 1024, 10 * 1024 * 1024, (p) => fail('max_request_bytes', p));
  if (maxRecordBytes > maxRequestBytes) {
    // A record must fit in a call on its own, or it could never be sent.
    fail('max_record_bytes', `${maxRecordBytes} is larger than max_request_bytes (${maxRequestBytes}): a record must fit in one PutRecords call`);
  }
  const oversize = get('oversize') ?? DEFAULTS.oversize;
  if (oversize !== 'truncate' && oversize !== 'drop') fail('oversize', `"${oversize}" is not one of truncate, drop`);

  const aggregationMode = get('aggregation') ?? 'none';
  if (aggregationMode !== 'none' && aggregationMode !== 'kpl') fail('aggregation', `"${aggregationMode}" is not one of none, kpl`);
  const aggregationMaxBytes = readInteger(get('aggregation_max_bytes'), DEFAULT_MAX_AGGREGATE_BYTES, 1024, 10 * 1024 * 1024, (p) =>
    fail('aggregation_max_bytes', p),
  );
  const fallbackLogEndpoint = get('fallback_log_endpoint');
  if (fallbackLogEndpoint !== undefined && !LOG_ENDPOINT_NAME.test(fallbackLogEndpoint)) {
    fail('fallback_log_endpoint', `"${fallbackLogEndpoint}" is not a log endpoint name (1-255 of A-Z a-z 0-9 _ . -)`);
  }

  const endpointUrl = get('endpoint_url');
  let kinesisUrl = region ? `https://kinesis.${region}.${awsDomainFor(region)}/` : '';
  if (endpointUrl !== undefined) {
    try {
      kinesisUrl = new URL(endpointUrl).toString();
    } catch {
      fail('endpoint_url', `"${endpointUrl}" is not a URL`);
    }
  }
  const backendName = get('backend') ?? DEFAULT_STATIC_BACKEND;
  const kinesisBackend =
    backendName === 'dynamic' && kinesisUrl
      ? { kind: 'dynamic' as const, host: new URL(kinesisUrl).host, useSsl: new URL(kinesisUrl).protocol === 'https:' }
      : { kind: 'static' as const, name: backendName };

  if (!streamName || !region || !format || !access || errors.some((e) => e.endpoint === name)) return undefined;
  return {
    name,
    streamName,
    region,
    format,
    placement,
    responseCondition,
    sampleRate,
    access,
    periodSeconds,
    kinesisUrl,
    kinesisBackend,
    delivery: {
      maxAttempts,
      maxRecordBytes,
      maxRequestBytes,
      oversize: oversize as 'truncate' | 'drop',
      aggregation: aggregationMode === 'kpl' ? { maxBytes: aggregationMaxBytes } : undefined,
    },
    fallbackLogEndpoint,
  };
}

/**
 * A format or condition that does not compile disables its endpoint, whatever the error: a
 * FormatError carries its position and caret; anything else (an engine limit) is still reported
 * here rather than taking the whole configuration down.
 */
function compileProblem(error: unknown): string {
  if (error instanceof FormatError) return error.message;
  return `could not be compiled (${error instanceof Error ? error.message : String(error)})`;
}

function readAccess(
  get: (field: string) => string | undefined,
  fail: (field: string, problem: string) => undefined,
  region: string | undefined,
): AccessConfig | undefined {
  const roleArn = get('iam_role');
  const method = get('access_method') ?? (roleArn ? 'iam_role' : 'user_credentials');
  if (method === 'user_credentials') return { method };
  if (method !== 'iam_role') return fail('access_method', `"${method}" is not one of user_credentials, iam_role`);
  if (!roleArn) return fail('iam_role', 'missing: the role ARN to assume (access_method is iam_role)');
  if (!ROLE_ARN.test(roleArn)) return fail('iam_role', `"${roleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  const externalId = get('external_id');
  if (externalId !== undefined && !/^[\w+=,.@:\/-]{2,1224}$/.test(externalId)) {
    return fail('external_id', 'must be 2-1224 characters of letters, digits and +=,.@:/-');
  }
  const sessionName = get('role_session_name') ?? 'compute-kinesis-logger';
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) return fail('role_session_name', 'must be 2-64 characters of letters, digits and +=,.@-');
  const durationSeconds = readInteger(get('role_duration_seconds'), DEFAULTS.roleDurationSeconds, 900, 43_200, (p) =>
    fail('role_duration_seconds', p),
  );
  const sts = readStsEndpoint(get, fail, region);
  if (!sts) return undefined;
  return { method, roleArn, externalId, sessionName, durationSeconds, ...sts };
}

/** `sts_url` (default: the region's STS endpoint) and `sts_backend` (default static `sts`, or `dynamic`). */
function readStsEndpoint(
  get: (field: string) => string | undefined,
  fail: (field: string, problem: string) => undefined,
  region: string | undefined,
): { stsUrl: string; stsBackend: BackendRef } | undefined {
  const raw = get('sts_url');
  let stsUrl: string;
  if (raw !== undefined) {
    try {
      stsUrl = new URL(raw).toString();
    } catch {
      return fail('sts_url', `"${raw}" is not a URL (e.g. https://sts.eu-west-1.amazonaws.com/)`);
    }
    if (!/^https?:$/.test(new URL(stsUrl).protocol)) return fail('sts_url', `"${raw}" must be an http or https URL`);
  } else if (region && AWS_REGIONS.has(region)) {
    stsUrl = `https://sts.${region}.${awsDomainFor(region)}/`;
  } else {
    return undefined; // the region's own error is reported already
  }
  const backendName = get('sts_backend') ?? DEFAULT_STS_BACKEND;
  if (!/^[A-Za-z0-9_.-]{1,255}$/.test(backendName)) return fail('sts_backend', `"${backendName}" is not a backend name, nor "dynamic"`);
  const url = new URL(stsUrl);
  const stsBackend: BackendRef =
    backendName === 'dynamic' ? { kind: 'dynamic', host: url.host, useSsl: url.protocol === 'https:' } : { kind: 'static', name: backendName };
  return { stsUrl, stsBackend };
}

function readInteger(raw: string | undefined, fallback: number, min: number, max: number, fail: (problem: string) => void): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`"${raw}" is not an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

/** Service keys `waf_corp` and `waf_workspace` (both or neither); needed when a waf_debug endpoint exists. */
function readWaf(store: ConfigLike, endpoints: EndpointConfig[], errors: ConfigError[]): ServiceConfig['waf'] {
  const corp = store.get('waf_corp') ?? undefined;
  const workspace = store.get('waf_workspace') ?? undefined;
  if (corp && workspace) return { corp, workspace };
  if (corp || workspace) {
    errors.push(new ConfigError('service', corp ? 'waf_workspace' : 'waf_corp', 'missing: waf_corp and waf_workspace go together (Next-Gen WAF inspection)'));
    return undefined;
  }
  for (const endpoint of endpoints) {
    if (endpoint.placement === 'waf_debug') {
      errors.push(
        new ConfigError(endpoint.name, `${endpoint.name}.placement`, 'waf_debug needs Next-Gen WAF inspection: set the service keys waf_corp and waf_workspace'),
      );
    }
  }
  return undefined;
}
