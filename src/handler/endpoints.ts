/**
 * Per-instance state of the logging endpoints: the loaded configuration and, per endpoint, the
 * long-lived parts of delivery (credentials cache, SigV4 signing-key cache, shard router). Kept at
 * module scope so a reused sandbox keeps them; rebuilt when the sandbox is new.
 *
 * A configuration problem is reported once per instance on the error log endpoint, never per
 * request, and never stops traffic.
 */
import { createCredentialsProvider, type CredentialsProvider } from '../aws/index.js';
import { ConfigError } from '../config/errors.js';
import { loadServiceConfig } from '../config/load.js';
import {
  CONFIG_LOOKUPS_PER_EXECUTION,
  CONFIG_STORE_NAME,
  DEFAULT_ERROR_LOG_ENDPOINT,
  DEFAULT_KV_STORE_NAME,
  PRE_RESPONSE_CONFIG_LOOKUPS,
  SECRET_STORE_NAME,
  type EndpointConfig,
  type ServiceConfig,
} from '../config/schema.js';
import { TableCache } from '../format/index.js';
import type { KinesisApi } from '../kinesis/api.js';
import type { LoggerLike, Platform } from '../platform/types.js';
import { createEndpointRouter, type ShardRouter } from '../shards/index.js';

export interface EndpointRuntime {
  config: EndpointConfig;
  credentials: CredentialsProvider;
  signingKeyCache: Map<string, ArrayBuffer>;
  /** The shard router for one execution (its ListShards calls use that execution's api/budget). */
  routerFor(api: KinesisApi): ShardRouter;
}

export interface LoadedService {
  config: ServiceConfig;
  endpoints: EndpointRuntime[];
  errorLog: LoggerLike;
  /** The tables formats read (table.lookup), cached for the instance. */
  tables: TableCache;
  /** Config Store lookups the load made, not yet charged to an execution (tableLookupsLeft). */
  unchargedLoadLookups: number;
}

let loaded: LoadedService | undefined;
const reportedOnce = new Set<string>();
const REPORTED_ONCE_LIMIT = 1_000;

/** Writes `line` to the error log endpoint unless this instance already did. */
export function reportOnce(log: LoggerLike, line: string): void {
  if (reportedOnce.has(line)) return;
  // Bounded memory for a long-lived sandbox: messages that vary (shard ids, times) would otherwise
  // pile up; forgetting them all at once only lets each be said once more.
  if (reportedOnce.size >= REPORTED_ONCE_LIMIT) reportedOnce.clear();
  reportedOnce.add(line);
  log.log(line);
}

/** The endpoints if this instance has loaded them already; never loads. */
export function loadedService(): LoadedService | undefined {
  return loaded;
}

/**
 * One Config Store lookup (PRE_RESPONSE_CONFIG_LOOKUPS): is Next-Gen WAF inspection configured?
 * For the decisions taken before the response in a sandbox that has not loaded its endpoints.
 */
export function wafKeyPresent(platform: Platform): boolean {
  try {
    return platform.openConfig(CONFIG_STORE_NAME).get('waf_corp') !== null;
  } catch {
    return false;
  }
}

/**
 * The service's endpoints for this instance, loaded on first use. Never throws: anything that goes
 * wrong here is reported and logging is off for the request, while the request itself is served.
 */
export function loadService(platform: Platform): LoadedService | undefined {
  if (loaded) return loaded;
  let config: ServiceConfig;
  let loadLookups = 0;
  try {
    const store = platform.openConfig(CONFIG_STORE_NAME);
    config = loadServiceConfig({ get: (key) => (loadLookups++, store.get(key)) });
  } catch (error) {
    // The store is missing (not linked to the service) or could not be read.
    reportOnce(
      platform.logger(DEFAULT_ERROR_LOG_ENDPOINT),
      `compute-kinesis-logger: configuration: config store "${CONFIG_STORE_NAME}" cannot be read (${error instanceof Error ? error.message : error}); logging is off, traffic is served`,
    );
    return undefined;
  }
  const errorLog = platform.logger(config.errorLogEndpoint);
  for (const error of config.errors) reportOnce(errorLog, describe(error));
  try {
    loaded = {
      config,
      endpoints: config.endpoints.map((endpoint) => buildRuntime(endpoint, platform)),
      errorLog,
      tables: new TableCache((table) => platform.openConfig(table)),
      unchargedLoadLookups: loadLookups,
    };
  } catch (error) {
    reportOnce(errorLog, `compute-kinesis-logger: configuration: endpoints could not be set up (${error instanceof Error ? error.message : error}); logging is off, traffic is served`);
  }
  return loaded;
}

/**
 * How many Config Store lookups table.lookup may still make in this execution (Compute allows
 * CONFIG_LOOKUPS_PER_EXECUTION): all of them, except in the execution that loaded the
 * configuration (the first to ask after the load), which already spent the load's lookups and
 * the one made before the response.
 */
export function tableLookupsLeft(service: LoadedService): number {
  const spent = service.unchargedLoadLookups > 0 ? service.unchargedLoadLookups + PRE_RESPONSE_CONFIG_LOOKUPS : 0;
  service.unchargedLoadLookups = 0;
  return Math.max(0, CONFIG_LOOKUPS_PER_EXECUTION - spent);
}

function buildRuntime(endpoint: EndpointConfig, platform: Platform): EndpointRuntime {
  const credentials = createCredentialsProvider(endpoint, {
    openSecrets: () => platform.openSecrets(SECRET_STORE_NAME),
    secretStoreName: SECRET_STORE_NAME,
    fetch: platform.fetch,
    now: platform.nowMs,
  });
  return {
    config: endpoint,
    credentials,
    signingKeyCache: new Map(),
    // Shard map shared through KV. The store is opened on first use, when `loaded` (with the
    // configured kvStoreName) exists; a missing store means per-instance maps, reported once.
    routerFor: createEndpointRouter({
      streamName: endpoint.streamName,
      region: endpoint.region,
      periodSeconds: endpoint.periodSeconds,
      openKv: () => platform.openKv(loaded?.config.kvStoreName ?? DEFAULT_KV_STORE_NAME),
      report: (problem) =>
        reportOnce(loaded?.errorLog ?? platform.logger(DEFAULT_ERROR_LOG_ENDPOINT), `compute-kinesis-logger: ${endpoint.name}: shard map: ${problem}`),
      now: platform.nowMs,
    }),
  };
}

function describe(error: ConfigError): string {
  return `compute-kinesis-logger: configuration: ${error.message}; endpoint disabled, traffic is served`;
}

/** For tests: forget the per-instance state. */
export function resetLoadedService(): void {
  loaded = undefined;
  reportedOnce.clear();
}
