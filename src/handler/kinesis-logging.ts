/**
 * The library's API over any Platform: `handle` serves with the application's function and logs
 * like the proxy does; `emit` sends the application's own lines through a named endpoint. The
 * public entry (src/library/index.ts) binds it to the Compute runtime; tests bind it to in-memory
 * fakes (src/testing/).
 *
 * Options say where the configuration comes from: the Config Store (by default `kinesis_logger`,
 * or another name), or endpoints and service settings given in code, which are read and validated
 * here, once, by the same loader and with the same messages as the Config Store's. Called at the
 * top of a Compute program, that happens while the program is built (the Wizer snapshot), so a
 * wrong setting fails the build, and the compiled formats are part of the snapshot. Secrets always
 * come from a Secret Store.
 *
 * One instance per distinct options: calling createKinesisLogging again with options that say the
 * same (compared structurally: options-key.ts) returns the instance made first, with its loaded
 * configuration, credentials and shard maps. An application that makes a new, different one per
 * request pays a load, secret reads and (iam_role) an AssumeRole each time: when one more than
 * REPORTED_AFTER_INSTANCES different ones is made while the sandbox serves requests (not at build
 * time), that is reported once; only the MAX_INSTANCES_KEPT most recently used are kept.
 *
 * One execution, one budget, whatever the entry point: lines emitted while `handle` serves join its
 * delivery; later emits, and emits in an application that does not use `handle`, share one
 * delivery per turn of the event loop, all taking from the event's one execution (executions.ts),
 * so Compute's 32 backend requests hold however often the application emits.
 *
 * The API's arguments are checked where they are given: a wrong one is a TypeError naming it and
 * what was expected, thrown to the caller (a programming error, seen on the first request). Past
 * that, nothing here throws into the application.
 */
import { BACKEND_REQUESTS_PER_EXECUTION } from '../aws/index.js';
import {
  CONFIG_LOOKUPS_PER_EXECUTION,
  CONFIG_STORE_NAME,
  DEFAULT_ERROR_LOG_ENDPOINT,
  DEFAULT_KV_STORE_NAME,
  type ENDPOINT_FIELDS,
  loadServiceConfig,
  SECRET_STORE_NAME,
  SERVICE_KEYS,
} from '../config/index.js';
import type { Platform } from '../platform/types.js';
import { forgetService, instanceStartedAt, reportOnce, type ServiceSource } from './endpoints.js';
import { executionFor, takeEmitted, type EmittedLines, type ExecutionOptions } from './executions.js';
import { handleRequest, type FetchEventLike } from './handle-request.js';
import { emitLines } from './log-exchange.js';
import { optionsKey } from './options-key.js';
import type { Respond } from './proxy.js';

/** An endpoint's settings, named as in its Config Store item (docs/configuration.md). */
export type EndpointSettings = { readonly [field in (typeof ENDPOINT_FIELDS)[number]]?: string | number | boolean };

/** Service-wide settings, named as the Config Store's service keys (`endpoints` comes from `endpoints`). */
export type ServiceSettings = { readonly [key in Exclude<(typeof SERVICE_KEYS)[number], 'endpoints'>]?: string };

/** Where `createKinesisLogging` finds its configuration; every field is optional. */
export interface KinesisLoggingOptions {
  /**
   * The endpoints, by name, in code. Given, the Config Store is not read at all (no lookup is
   * spent on configuration); absent, the Config Store `stores.config` holds them.
   */
  endpoints?: Readonly<Record<string, EndpointSettings>>;
  /** Service-wide settings in code; only with `endpoints`. */
  service?: ServiceSettings;
  /** Store names (defaults: `kinesis_logger`, `kinesis_logger_secrets`, `kinesis_logger_state`). */
  stores?: {
    /** Config Store holding the endpoints when they are not given in code; default `kinesis_logger`. */
    readonly config?: string;
    /** Secret Store with the AWS keys (`<endpoint>.access_key_id`, …) and `admin_token`; default `kinesis_logger_secrets`. */
    readonly secrets?: string;
    /** KV Store for the shared shard maps; default `kinesis_logger_state`. */
    readonly kv?: string;
  };
}

/**
 * What your application spends itself of Compute's per-execution limits; the logger plans with the
 * rest. Each is a whole number from 0 to 32.
 */
export interface ResponseCosts {
  /** Backend requests your application makes for the response (default 1: one origin fetch). */
  backendRequestsForResponse?: number;
  /**
   * Config Store lookups your application makes (default 0). Compute allows 32 per execution for
   * every store together; the logger loads its configuration, and makes table lookups, within
   * what is left, and says so when that is not enough.
   */
  configLookupsForResponse?: number;
}


/** The logger of one Compute program, from `createKinesisLogging`: `handle` and `emit`. */
export interface KinesisLogging {
  /**
   * Serve with `respond`, then log the request. When `respond` throws or does not return a
   * Response, the client gets a 500, the request is still logged with it, and the failure goes
   * to the error log endpoint once per cause. Throws a TypeError at once for a wrong argument.
   */
  handle(event: FetchEventLike, respond: Respond, options?: ResponseCosts): Promise<Response>;
  /**
   * Send lines through endpoint `endpointName` after the response (registered with event.waitUntil).
   * Each CR and LF in a line is sent as `\r` / `\n`, as in rendered lines. An execution sends at
   * most MAX_EMITTED_LINES_PER_EXECUTION emitted lines; the rest are counted and reported, not
   * sent. The options count only when `handle` was not used for this event: what your application
   * spends itself. Throws a TypeError at once for a wrong argument, never otherwise.
   */
  emit(event: FetchEventLike, endpointName: string, lines: string | readonly string[], options?: ResponseCosts): void;
}

/** Thrown by createKinesisLogging for settings given in code that do not load: every problem, one per line. */
export class KinesisLoggingConfigError extends Error {
  constructor(
    /** Every problem, each naming its endpoint and field (`main.region: …`). */
    readonly problems: readonly string[],
  ) {
    super(`compute-kinesis-logger: the configuration given in code has ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'KinesisLoggingConfigError';
  }
}

/** Different instances made in one sandbox, once it serves requests, before that is reported. */
export const REPORTED_AFTER_INSTANCES = 4;
/** Instances a sandbox keeps (the most recently asked for); an older one asked for again is made anew. */
export const MAX_INSTANCES_KEPT = 16;

interface Kept {
  logging: KinesisLogging;
  source: ServiceSource;
}

/** Per platform (one in a Compute program; one per test), instances by their options' key, oldest first. */
const instancesByPlatform = new WeakMap<Platform, { byKey: Map<string, Kept>; made: number }>();


/**
 * The library over any {@link Platform}: what the package's `createKinesisLogging` is over Compute's.
 * Exported by `/testing` as `createKinesisLoggingOn`, for tests in Node with `createFakePlatform`.
 */
export function createKinesisLogging(platform: Platform, options: KinesisLoggingOptions = {}): KinesisLogging {
  if (typeof options !== 'object' || options === null) throw new TypeError(`compute-kinesis-logger: createKinesisLogging: options must be an object, not ${describeValue(options)}`);
  let instances = instancesByPlatform.get(platform);
  if (!instances) instancesByPlatform.set(platform, (instances = { byKey: new Map(), made: 0 }));
  const key = optionsKey(options);
  const known = instances.byKey.get(key);
  if (known) {
    // Most recently asked for last: the oldest is the one given up when too many are kept.
    instances.byKey.delete(key);
    instances.byKey.set(key, known);
    return known.logging;
  }
  const source = sourceOf(options);
  const kept = { logging: instanceOver(platform, source), source };
  instances.byKey.set(key, kept);
  instances.made++;
  if (instances.byKey.size > MAX_INSTANCES_KEPT) {
    const [oldestKey, oldest] = instances.byKey.entries().next().value!;
    instances.byKey.delete(oldestKey);
    forgetService(oldest.source);
  }
  // Instances made before the first request (at build time) are the normal case; many made later are not.
  if (instanceStartedAt() !== undefined && instances.made > REPORTED_AFTER_INSTANCES) {
    reportOnce(
      platform.logger(source.configured?.errorLogEndpoint ?? DEFAULT_ERROR_LOG_ENDPOINT),
      `compute-kinesis-logger: createKinesisLogging: more than ${REPORTED_AFTER_INSTANCES} instances with different options were made in this sandbox, ` +
        'some while serving requests; each loads its configuration, reads its secrets and builds its own credentials and shard maps ' +
        `(one AssumeRole each, for iam_role). Make it once at the top of the program, or pass the same options (identical options share one instance); ` +
        `this sandbox keeps the last ${MAX_INSTANCES_KEPT}`,
    );
  }
  return kept.logging;
}

function instanceOver(platform: Platform, source: ServiceSource): KinesisLogging {
  return {
    handle(event, respond, handleOptions) {
      if (typeof respond !== 'function') throw new TypeError(`compute-kinesis-logger: handle: respond must be a function, not ${describeValue(respond)}`);
      const costs = checkedCosts('handle', handleOptions);
      return handleRequest(event, platform, { respond, ...costs, source });
    },
    emit(event, endpointName, lines, emitOptions) {
      if (typeof endpointName !== 'string' || endpointName === '') {
        throw new TypeError(`compute-kinesis-logger: emit: endpointName must be the name of an endpoint, not ${describeValue(endpointName)}`);
      }
      const given = checkedLines(lines);
      const execution = executionFor(event, platform, checkedCosts('emit', emitOptions));
      // Past the execution's maximum, lines are counted (and reported by the delivery), not sent.
      const emitted: EmittedLines = { endpointName, lines: takeEmitted(execution, given).taken };
      // While `handle` is still serving, the lines join the request's own delivery (shared calls).
      if (execution.emitted) {
        execution.emitted.push(emitted);
        return;
      }
      // Emits of the same turn share one delivery, started when the turn ends.
      if (execution.pending) {
        execution.pending.push(emitted);
        return;
      }
      const pending = (execution.pending = [emitted]);
      event.waitUntil(
        Promise.resolve()
          .then(() => {
            execution.pending = undefined;
            return emitLines(pending, platform, source, execution);
          })
          .catch((error) => console.error(`compute-kinesis-logger: emit failed: ${error instanceof Error ? error.message : error}`)),
      );
    },
  };
}

const COST_LIMITS: Record<keyof ResponseCosts, { max: number; what: string }> = {
  backendRequestsForResponse: { max: BACKEND_REQUESTS_PER_EXECUTION, what: 'backend requests your application makes' },
  configLookupsForResponse: { max: CONFIG_LOOKUPS_PER_EXECUTION, what: 'Config Store lookups your application makes' },
};

/**
 * The options of handle and emit, checked: each a whole number from 0 to Compute's limit. NaN (as
 * `Number(env(...))` gives) would have meant an unlimited budget, a negative number a larger one.
 */
function checkedCosts(method: 'handle' | 'emit', options: ResponseCosts | undefined): ExecutionOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`compute-kinesis-logger: ${method}: options must be an object, not ${describeValue(options)}`);
  for (const [name, value] of Object.entries(options)) {
    const limit = COST_LIMITS[name as keyof ResponseCosts];
    if (!limit) {
      throw new TypeError(`compute-kinesis-logger: ${method}: options.${name} is not an option; expected ${Object.keys(COST_LIMITS).join(' or ')}`);
    }
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > limit.max)) {
      throw new TypeError(
        `compute-kinesis-logger: ${method}: options.${name} must be a whole number from 0 to ${limit.max} (the ${limit.what}; ` +
          `Compute allows ${limit.max} per execution), not ${describeValue(value)}`,
      );
    }
  }
  return { backendRequestsForResponse: options.backendRequestsForResponse, configLookupsForResponse: options.configLookupsForResponse };
}

function checkedLines(lines: string | readonly string[]): readonly string[] {
  if (typeof lines === 'string') return [lines];
  if (!Array.isArray(lines)) throw new TypeError(`compute-kinesis-logger: emit: lines must be a string or an array of strings, not ${describeValue(lines)}`);
  for (let i = 0; i < lines.length; i++) {
    if (typeof lines[i] !== 'string') throw new TypeError(`compute-kinesis-logger: emit: lines[${i}] must be a string, not ${describeValue(lines[i])}`);
  }
  return lines;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  return Array.isArray(value) ? 'an array' : `an object`;
}

function sourceOf(options: KinesisLoggingOptions): ServiceSource {
  const stores = {
    configStore: storeName(options.stores?.config, 'config') ?? CONFIG_STORE_NAME,
    secretStore: storeName(options.stores?.secrets, 'secrets') ?? SECRET_STORE_NAME,
    kvStore: storeName(options.stores?.kv, 'kv') ?? DEFAULT_KV_STORE_NAME,
  };
  if (!options.endpoints) {
    if (options.service) throw new KinesisLoggingConfigError(['service: settings in code need the endpoints in code too (options.endpoints)']);
    return stores;
  }
  const items = new Map<string, string>([['endpoints', Object.keys(options.endpoints).join(',')]]);
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(options.service ?? {})) {
    if (key === 'endpoints' || !(SERVICE_KEYS as readonly string[]).includes(key)) unknown.push(key);
    else if (value !== undefined) items.set(key, value);
  }
  if (unknown.length > 0) {
    const known = SERVICE_KEYS.filter((k) => k !== 'endpoints').join(', ');
    throw new KinesisLoggingConfigError(unknown.map((key) => `service: ${key}: not a service setting; expected one of ${known}`));
  }
  for (const [name, fields] of Object.entries(options.endpoints)) items.set(name, JSON.stringify(fields));
  const configured = loadServiceConfig({ get: (key) => items.get(key) ?? null }, { kvStoreName: stores.kvStore });
  if (configured.errors.length > 0) throw new KinesisLoggingConfigError(configured.errors.map((e) => e.message));
  return { ...stores, configured };
}

function storeName(value: unknown, option: 'config' | 'secrets' | 'kv'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new TypeError(`compute-kinesis-logger: createKinesisLogging: options.stores.${option} must be a store name, not ${describeValue(value)}`);
  return value;
}

export type { Respond };
