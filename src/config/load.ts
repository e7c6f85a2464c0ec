/**
 * Reads the Config Store into a validated ServiceConfig. Every problem is collected (not just the
 * first); an endpoint with any problem is disabled, the others carry on.
 *
 * Store layout: a few service-wide keys, and one item per endpoint, named after the endpoint,
 * holding a JSON object of its fields (`main` = `{"stream_name": "logs", "region": "us-east-1"}`).
 * One item per endpoint, not one per field, because Compute allows 32 Config Store lookups per
 * execution (reference/compute.md §4.2): a key per field (~25 per endpoint) would exhaust them
 * with the second endpoint. Loading costs SERVICE_KEYS.length + one lookup per endpoint
 * (lookupsToLoad), and the first request of a sandbox makes PRE_RESPONSE_CONFIG_LOOKUPS more before
 * it loads. The lookups are the execution's, shared with an embedding application's own: given what
 * is left (`lookupsLeft`), a load that cannot fit stops after the `endpoints` key, whole, rather
 * than failing on Compute's limit part way or reading the last keys as absent.
 *
 * Backend requests: the endpoints that load must be able to send every line of a request on a new
 * sandbox (`fitRequestBudget`), or lines would fail for want of requests (delivery/plan.ts spends
 * in that order at run time).
 */
import { parseTrustedUpstreams, TRUSTED_UPSTREAM_EXAMPLES, TrustedUpstreamError, type TrustedUpstreams } from '../facts/client-ip.js';
import { type FormatWarning, lintJsonTemplate, regexWarningsOf } from '../format/index.js';
import { BACKEND_REQUESTS_PER_EXECUTION } from '../platform/limits.js';
import type { ConfigLike } from '../platform/types.js';
import { readEndpoint } from './endpoint.js';
import { readEndpointItem } from './endpoint-item.js';
import { ConfigError, SERVICE } from './errors.js';
import { NAME_CHARACTER } from './fields.js';
import { hiddenValue, isQuotable, looksLikeCredential, quoteValue, redactCredentials } from './quote.js';
import {
  CONFIG_LOOKUPS_PER_EXECUTION,
  DEFAULT_ERROR_LOG_ENDPOINT,
  DEFAULT_KV_STORE_NAME,
  DEFAULTS,
  type EndpointConfig,
  LOG_ENDPOINT_NAME,
  PRE_RESPONSE_CONFIG_LOOKUPS,
  SERVICE_KEYS,
  type ServiceConfig,
} from './schema.js';

const ENDPOINT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const ENDPOINT_NAME_CHARACTER = /^[A-Za-z0-9_-]$/;
/** Names that would not stay plain keys: `__proto__` sets an object's prototype where it is a key. */
const RESERVED_ENDPOINT_NAMES = ['__proto__'];

/**
 * Why `name` cannot name an endpoint, or undefined when it can: letters, digits, `_` and `-`, up
 * to 64, not starting with `-` (the name goes into the commands `check` and `import` print, where
 * it would read as an option), not a service key, not `__proto__`, and not shaped like a
 * credential (quote.ts): an endpoint's name is shown in every message about it.
 */
export function endpointNameProblem(name: string): string | undefined {
  const rule = `letters, digits, _ and -, up to 64, not starting with -; not one of ${[...SERVICE_KEYS, ...RESERVED_ENDPOINT_NAMES].join(', ')}`;
  if (looksLikeCredential(name)) return `looks like a credential (not shown): not read as an endpoint name (${rule})`;
  if (!ENDPOINT_NAME.test(name) || (SERVICE_KEYS as readonly string[]).includes(name) || RESERVED_ENDPOINT_NAMES.includes(name)) {
    return `${quoteValue(name, ENDPOINT_NAME_CHARACTER)} is not a valid endpoint name (${rule})`;
  }
  return undefined;
}

/** What the service keys (and the lookup before the response) leave of the budget: the most endpoints one load can read. */
export const MAX_ENDPOINTS = CONFIG_LOOKUPS_PER_EXECUTION - PRE_RESPONSE_CONFIG_LOOKUPS - SERVICE_KEYS.length;
/** Backend requests one execution leaves for logging behind the proxy's origin fetch. */
export const LOGGING_BACKEND_REQUESTS = BACKEND_REQUESTS_PER_EXECUTION - 1;

export interface LoadOptions {
  /** The KV store for shard maps when the `kv_store` key does not name one. */
  kvStoreName?: string;
  /**
   * Config Store lookups the load may make (what the execution has left). Once the `endpoints` key
   * tells how many items there are, a load that would need more stops with NotEnoughConfigLookups
   * instead of failing at Compute's limit halfway through, or reading the last keys as absent.
   */
  lookupsLeft?: number;
}

/**
 * Lookups a load makes: the `endpoints` key, one item per listed endpoint (at most MAX_ENDPOINTS),
 * and the other service keys.
 */
export function lookupsToLoad(endpointsListed: number): number {
  return SERVICE_KEYS.length + Math.min(endpointsListed, MAX_ENDPOINTS);
}

/** The load needs more Config Store lookups than the execution has left; nothing was loaded. */
export class NotEnoughConfigLookups extends Error {
  constructor(
    /** Lookups the load needs (lookupsToLoad). */
    readonly needed: number,
    /** Lookups the execution had left when the load started. */
    readonly left: number,
    /** Endpoints listed in the `endpoints` key (assumed 1 when the key was not read). */
    readonly endpointsListed: number,
    /** False when the key was not read: `needed` is the least any load needs. */
    exact = true,
  ) {
    super(
      `loading needs ${exact ? '' : 'at least '}${needed} Config Store lookups ` +
        `(the endpoints key, ${exact ? endpointsListed : 'one or more'} endpoint item(s), ${SERVICE_KEYS.length - 1} other service keys) and the execution had ${left} left`,
    );
    this.name = 'NotEnoughConfigLookups';
  }
}

export function loadServiceConfig(store: ConfigLike, options: LoadOptions = {}): ServiceConfig {
  const errors: ConfigError[] = [];
  const listed = [...new Set((store.get('endpoints') ?? '').split(',').map((n) => n.trim()).filter(Boolean))];
  if (options.lookupsLeft !== undefined && lookupsToLoad(listed.length) > options.lookupsLeft) {
    throw new NotEnoughConfigLookups(lookupsToLoad(listed.length), options.lookupsLeft, listed.length);
  }
  if (listed.length === 0) {
    errors.push(new ConfigError(SERVICE, 'endpoints', 'missing: list the endpoint names, comma separated (e.g. "main")'));
  }
  if (listed.length > MAX_ENDPOINTS) {
    errors.push(
      new ConfigError(
        'service',
        'endpoints',
        `${listed.length} endpoints listed, at most ${MAX_ENDPOINTS} are read (Compute allows ${CONFIG_LOOKUPS_PER_EXECUTION} Config Store lookups per request); ignored: ${listed.slice(MAX_ENDPOINTS).map((n) => (isQuotable(n) ? n : hiddenValue(n))).join(', ')}`,
      ),
    );
  }
  const endpoints: EndpointConfig[] = [];
  for (const [index, name] of listed.slice(0, MAX_ENDPOINTS).entries()) {
    const problem = endpointNameProblem(name);
    if (problem) {
      errors.push(new ConfigError(SERVICE, 'endpoints', `name ${index + 1} of the list: ${problem}`));
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
    endpoints: fitRequestBudget(waf ? endpoints : endpoints.filter((e) => e.placement !== 'waf_debug'), errors),
    errors,
    warnings,
    errorLogEndpoint,
    kvStoreName: store.get('kv_store') ?? options.kvStoreName ?? DEFAULT_KV_STORE_NAME,
    timingLogEndpoint: readLogEndpointName(store, 'timing_log_endpoint', errors),
    phaseLogEndpoint: readLogEndpointName(store, 'phase_log_endpoint', errors),
    metrics: readMetrics(store, errors),
    waf,
    trustedUpstreams: readTrustedUpstreams(store, errors),
  };
}

/**
 * The JSON check of an endpoint's format (src/format/json-lint.ts): a line that cannot parse as
 * JSON, kept per format text like the compiled format (it cost 4.7–11.7 ms for Datadog's default
 * format in a sandbox's first request before it was); and the regexes of its format and condition
 * whose engine caps the subjects they match (RE2, backtracking), which the compile found already.
 * A regex warning is one line (no caret): it names the pattern and what keeps it off RE2.
 */
function lintEndpoint(endpoint: EndpointConfig): string[] {
  // A warning quotes the format, which is no place for a key but may hold one: masked like a problem.
  const regexes = (field: string, warnings: readonly FormatWarning[]) =>
    warnings.map((w) => redactCredentials(`${endpoint.name}.${field}: ${w.reason} at line ${w.line}, column ${w.column}`));
  return [
    ...lintJsonTemplate(endpoint.format.source).map((w) => redactCredentials(`${endpoint.name}.format: ${w.message}`)),
    ...regexes('format', regexWarningsOf(endpoint.format)),
    ...(endpoint.responseCondition ? regexes('response_condition', regexWarningsOf(endpoint.responseCondition)) : []),
  ];
}

/** `trusted_upstreams` (src/facts/client-ip.ts); a bad entry trusts nobody, so Fastly-Client-IP is always client.ip. */
function readTrustedUpstreams(store: ConfigLike, errors: ConfigError[]): TrustedUpstreams {
  try {
    return parseTrustedUpstreams(store.get('trusted_upstreams') ?? '');
  } catch (error) {
    if (!(error instanceof TrustedUpstreamError)) throw error;
    const entry = quoteValue(error.entry, /^[0-9A-Fa-f.:/]$/);
    errors.push(
      new ConfigError(SERVICE, 'trusted_upstreams', `entry ${error.index + 1}, ${entry}, is not an IP address or CIDR range (${TRUSTED_UPSTREAM_EXAMPLES}); no upstream is trusted`),
    );
    return [];
  }
}

/**
 * The endpoints, in list order, whose lines one request can send on a new sandbox with an empty KV
 * store: one AssumeRole per distinct role (iam_role endpoints with the same role ARN, external
 * id, session name, duration and STS URL share one, given the same base key) plus one PutRecords
 * call per group (lines for one stream signed alike share a call; a user_credentials endpoint's
 * key is not known here, so each counts as its own group) must fit in LOGGING_BACKEND_REQUESTS.
 * ListShards is not counted: a map refresh that does not fit waits, and records go meanwhile.
 * An endpoint that would pass the limit is disabled, with the arithmetic.
 */
function fitRequestBudget(endpoints: EndpointConfig[], errors: ConfigError[]): EndpointConfig[] {
  const roles = new Set<string>();
  const groups = new Set<string>();
  return endpoints.filter((endpoint) => {
    // A log_endpoint destination spends no backend request.
    if (endpoint.destination !== 'kinesis') return true;
    const { access } = endpoint;
    const role = access.method === 'iam_role' ? [access.roleArn, access.externalId, access.sessionName, access.durationSeconds, access.stsUrl].join('\n') : undefined;
    const group = [endpoint.region, endpoint.kinesisUrl, endpoint.streamName, role ?? `endpoint ${endpoint.name}`].join('\n');
    const roleCount = roles.size + (role !== undefined && !roles.has(role) ? 1 : 0);
    const groupCount = groups.size + (groups.has(group) ? 0 : 1);
    if (roleCount + groupCount > LOGGING_BACKEND_REQUESTS) {
      errors.push(
        new ConfigError(
          endpoint.name,
          undefined,
          `with it, a request's lines on a new sandbox need ${roleCount} AssumeRole (distinct roles) + ${groupCount} PutRecords (streams × signers) = ` +
            `${roleCount + groupCount} backend requests, more than the ${LOGGING_BACKEND_REQUESTS} Compute leaves after the origin fetch ` +
            `(${BACKEND_REQUESTS_PER_EXECUTION} per execution); share roles or streams between endpoints`,
        ),
      );
      return false;
    }
    if (role !== undefined) roles.add(role);
    groups.add(group);
    return true;
  });
}

function readLogEndpointName(store: ConfigLike, key: (typeof SERVICE_KEYS)[number], errors: ConfigError[]): string | undefined {
  const value = store.get(key) ?? undefined;
  if (value !== undefined && looksLikeCredential(value)) {
    errors.push(new ConfigError(SERVICE, key, `${hiddenValue(value)} looks like a credential, not a log endpoint name; using the default`));
    return undefined;
  }
  if (value === undefined || LOG_ENDPOINT_NAME.test(value)) return value;
  errors.push(new ConfigError(SERVICE, key, `${quoteValue(value, NAME_CHARACTER)} is not a log endpoint name (1-255 of A-Z a-z 0-9 _ . -); using the default`));
  return undefined;
}

/**
 * `metrics_interval_s` bounds: 0 (the default) writes a line after every delivery, so a sandbox that
 * ends loses nothing; 1 to 3600 writes at most one line per that many seconds per sandbox.
 */
const METRICS_INTERVAL_S = { min: 0, max: 3600 };

/** Service keys `metrics_log_endpoint` and `metrics_interval_s` (the interval alone does nothing). */
function readMetrics(store: ConfigLike, errors: ConfigError[]): ServiceConfig['metrics'] {
  const logEndpoint = readLogEndpointName(store, 'metrics_log_endpoint', errors);
  const raw = store.get('metrics_interval_s');
  let intervalSeconds = DEFAULTS.metricsIntervalSeconds;
  if (raw !== null) {
    const value = raw.trim() === '' ? NaN : Number(raw);
    if (Number.isInteger(value) && value >= METRICS_INTERVAL_S.min && value <= METRICS_INTERVAL_S.max) intervalSeconds = value;
    else {
      errors.push(
        new ConfigError(
          SERVICE,
          'metrics_interval_s',
          `${quoteValue(raw)} is not a whole number of seconds from ${METRICS_INTERVAL_S.min} (a line after every delivery) to ${METRICS_INTERVAL_S.max}; using ${intervalSeconds}`,
        ),
      );
    }
  }
  return logEndpoint ? { logEndpoint, intervalSeconds } : undefined;
}

/** Service keys `waf_corp` and `waf_workspace` (both or neither); needed when a waf_debug endpoint exists. */
function readWaf(store: ConfigLike, endpoints: EndpointConfig[], errors: ConfigError[]): ServiceConfig['waf'] {
  const corp = store.get('waf_corp') ?? undefined;
  const workspace = store.get('waf_workspace') ?? undefined;
  if (corp && workspace) return { corp, workspace };
  if (corp || workspace) {
    errors.push(new ConfigError(SERVICE, corp ? 'waf_workspace' : 'waf_corp', 'missing: waf_corp and waf_workspace go together (Next-Gen WAF inspection)'));
    return undefined;
  }
  for (const endpoint of endpoints) {
    if (endpoint.placement === 'waf_debug') {
      errors.push(
        new ConfigError(endpoint.name, 'placement', 'waf_debug needs Next-Gen WAF inspection: set the service keys waf_corp and waf_workspace'),
      );
    }
  }
  return undefined;
}
