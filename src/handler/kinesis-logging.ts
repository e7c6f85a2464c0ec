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
 * One execution, one budget, whatever the entry point: lines emitted while `handle` serves join its
 * delivery; later emits, and emits in an application that does not use `handle`, are delivered on
 * their own but all take from the event's one execution (handle-request.ts `executionFor`), so
 * Compute's 32 backend requests hold however often the application emits.
 */
import {
  CONFIG_STORE_NAME,
  DEFAULT_KV_STORE_NAME,
  type ENDPOINT_FIELDS,
  loadServiceConfig,
  SECRET_STORE_NAME,
  SERVICE_KEYS,
} from '../config/index.js';
import type { Platform } from '../platform/types.js';
import type { ServiceSource } from './endpoints.js';
import { executionFor, handleRequest, type FetchEventLike } from './handle-request.js';
import { emitLines } from './log-exchange.js';
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

/** The logger of one Compute program, from `createKinesisLogging`: `handle` and `emit`. */
export interface KinesisLogging {
  /** Serve with `respond`, then log the request. `backendRequestsForResponse`: backend requests your handler makes (default 1). */
  handle(event: FetchEventLike, respond: Respond, options?: { backendRequestsForResponse?: number }): Promise<Response>;
  /**
   * Send lines through endpoint `endpointName` after the response (registered with event.waitUntil).
   * `backendRequestsForResponse` counts only when `handle` was not used for this event: the backend
   * requests your application makes itself (default 1).
   */
  emit(event: FetchEventLike, endpointName: string, lines: string | readonly string[], options?: { backendRequestsForResponse?: number }): void;
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

/**
 * The library over any {@link Platform}: what the package's `createKinesisLogging` is over Compute's.
 * Exported by `/testing` as `createKinesisLoggingOn`, for tests in Node with `createFakePlatform`.
 */
export function createKinesisLogging(platform: Platform, options: KinesisLoggingOptions = {}): KinesisLogging {
  const source = sourceOf(options);
  return {
    handle: (event, respond, handleOptions) =>
      handleRequest(event, platform, { respond, backendRequestsForResponse: handleOptions?.backendRequestsForResponse, source }),
    emit(event, endpointName, lines, emitOptions) {
      const emitted = { endpointName, lines: typeof lines === 'string' ? [lines] : [...lines] };
      const execution = executionFor(event, platform, emitOptions?.backendRequestsForResponse);
      // While `handle` is still serving, the lines join the request's own delivery (shared calls).
      if (execution.emitted) {
        execution.emitted.push(emitted);
        return;
      }
      event.waitUntil(
        emitLines(emitted, platform, source, execution.logging).catch((error) =>
          console.error(`compute-kinesis-logger: emit failed: ${error instanceof Error ? error.message : error}`),
        ),
      );
    },
  };
}

function sourceOf(options: KinesisLoggingOptions): ServiceSource {
  const stores = {
    configStore: options.stores?.config ?? CONFIG_STORE_NAME,
    secretStore: options.stores?.secrets ?? SECRET_STORE_NAME,
    kvStore: options.stores?.kv ?? DEFAULT_KV_STORE_NAME,
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

export type { Respond };
