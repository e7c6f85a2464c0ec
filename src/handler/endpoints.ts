/**
 * Per-instance state of the logging endpoints: the loaded configuration and the delivery built over
 * it (delivery/: credentials, signing keys, shard routers, counters), per configuration source.
 * Kept at module scope so a reused sandbox keeps them; rebuilt when the sandbox is new.
 *
 * A source says where the configuration comes from: the Config Store (the proxy's default names,
 * or the names a library user chose), or items given in code, loaded once when the library is
 * created. A configuration problem is reported once per instance on the error log endpoint, never
 * per request, and never stops traffic.
 */
import {
  CONFIG_LOOKUPS_PER_EXECUTION,
  CONFIG_STORE_NAME,
  type ConfigError,
  DEFAULT_ERROR_LOG_ENDPOINT,
  DEFAULT_KV_STORE_NAME,
  type EndpointConfig,
  loadServiceConfig,
  PRE_RESPONSE_CONFIG_LOOKUPS,
  SECRET_STORE_NAME,
  type ServiceConfig,
} from '../config/index.js';
import { createDelivery, type Delivery } from '../delivery/index.js';
import { TableCache } from '../format/index.js';
import { createFleetMetrics, type FleetMetrics } from '../metrics/index.js';
import type { LoggerLike, Platform } from '../platform/types.js';

export interface LoadedService {
  config: ServiceConfig;
  endpoints: readonly EndpointConfig[];
  delivery: Delivery;
  errorLog: LoggerLike;
  /** The tables formats read (table.lookup), cached for the instance. */
  tables: TableCache;
  /** Config Store lookups the load made, not yet charged to an execution (tableLookupsLeft). */
  unchargedLoadLookups: number;
  /** The fleet-wide metrics lines (`metrics_log_endpoint`); absent when not configured. */
  metrics?: FleetMetrics;
}

/** Where a logging setup's configuration and secrets come from. */
export interface ServiceSource {
  /** The Config Store to read, unless `configured` holds the configuration already. */
  configStore: string;
  secretStore: string;
  /** The KV store for shard maps unless the `kv_store` key names another. */
  kvStore: string;
  /** A configuration given in code, already read and validated (it costs no Config Store lookup). */
  configured?: ServiceConfig;
}

/** The proxy's source, and the library's when no option changes it. */
export const DEFAULT_SOURCE: ServiceSource = { configStore: CONFIG_STORE_NAME, secretStore: SECRET_STORE_NAME, kvStore: DEFAULT_KV_STORE_NAME };

const loadedBySource = new Map<ServiceSource, LoadedService>();
/** When this instance served its first request (set then, not at module load: that runs at build time). */
let instanceStartedAtMs: number | undefined;
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

export function noteInstanceStart(nowMs: number): void {
  instanceStartedAtMs ??= nowMs;
}

export function instanceStartedAt(): number | undefined {
  return instanceStartedAtMs;
}

/** The endpoints if this instance has loaded them already; never loads. */
export function loadedService(source: ServiceSource): LoadedService | undefined {
  return loadedBySource.get(source);
}

/**
 * At most one Config Store lookup (PRE_RESPONSE_CONFIG_LOOKUPS): is Next-Gen WAF inspection
 * configured? For the decisions taken before the response in a sandbox that has not loaded its
 * endpoints.
 */
export function wafKeyPresent(platform: Platform, source: ServiceSource): boolean {
  if (source.configured) return source.configured.waf !== undefined;
  try {
    return platform.openConfig(source.configStore).get('waf_corp') !== null;
  } catch {
    return false;
  }
}

/**
 * The service's endpoints for this instance, loaded on first use. Never throws: anything that goes
 * wrong here is reported and logging is off for the request, while the request itself is served.
 */
export function loadService(platform: Platform, source: ServiceSource): LoadedService | undefined {
  const known = loadedBySource.get(source);
  if (known) return known;
  let config: ServiceConfig;
  let loadLookups = 0;
  try {
    if (source.configured) {
      config = source.configured;
    } else {
      const store = platform.openConfig(source.configStore);
      // Counted, so table.lookup knows what this execution has left of Compute's 32 lookups.
      config = loadServiceConfig({ get: (key) => (loadLookups++, store.get(key)) }, { kvStoreName: source.kvStore });
    }
  } catch (error) {
    // The store is missing (not linked to the service) or could not be read.
    reportOnce(
      platform.logger(DEFAULT_ERROR_LOG_ENDPOINT),
      `compute-kinesis-logger: configuration: config store "${source.configStore}" cannot be read (${error instanceof Error ? error.message : error}); logging is off, traffic is served`,
    );
    return undefined;
  }
  const errorLog = platform.logger(config.errorLogEndpoint);
  for (const error of config.errors) reportOnce(errorLog, describe(error));
  for (const warning of config.warnings) reportOnce(errorLog, `compute-kinesis-logger: configuration: warning: ${warning}; endpoint enabled`);
  try {
    const delivery = createDelivery(config.endpoints, {
      fetch: platform.fetch,
      openSecrets: () => platform.openSecrets(source.secretStore),
      secretStoreName: source.secretStore,
      // Opened on first use; a missing store means per-instance maps, reported once.
      openKv: () => platform.openKv(config.kvStoreName),
      logger: (name) => platform.logger(name),
      errorLog,
      reportOnce: (line) => reportOnce(errorLog, line),
      now: platform.nowMs,
      random: () => platform.random(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    const tables = new TableCache((table) => platform.openConfig(table));
    const metrics = config.metrics
      ? createFleetMetrics({
          log: platform.logger(config.metrics.logEndpoint),
          intervalMs: config.metrics.intervalSeconds * 1000,
          stats: () => delivery.stats(),
          now: platform.nowMs,
          pop: () => platform.env('FASTLY_POP'),
          startedAtMs: () => instanceStartedAtMs ?? platform.nowMs(),
        })
      : undefined;
    const service = { config, endpoints: config.endpoints, delivery, errorLog, tables, unchargedLoadLookups: loadLookups, metrics };
    loadedBySource.set(source, service);
    return service;
  } catch (error) {
    reportOnce(errorLog, `compute-kinesis-logger: configuration: endpoints could not be set up (${error instanceof Error ? error.message : error}); logging is off, traffic is served`);
    return undefined;
  }
}

/**
 * How many Config Store lookups table.lookup may still make in this execution (Compute allows
 * CONFIG_LOOKUPS_PER_EXECUTION): all of them, except in the execution that loaded the
 * configuration from a Config Store (the first to ask after the load), which already spent the
 * load's lookups and the one made before the response.
 */
export function tableLookupsLeft(service: LoadedService): number {
  const spent = service.unchargedLoadLookups > 0 ? service.unchargedLoadLookups + PRE_RESPONSE_CONFIG_LOOKUPS : 0;
  service.unchargedLoadLookups = 0;
  return Math.max(0, CONFIG_LOOKUPS_PER_EXECUTION - spent);
}

function describe(error: ConfigError): string {
  return `compute-kinesis-logger: configuration: ${error.message}; endpoint disabled, traffic is served`;
}

/** For tests: forget the per-instance state. */
export function resetLoadedService(): void {
  loadedBySource.clear();
  reportedOnce.clear();
}
