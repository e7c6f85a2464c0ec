/**
 * Per-instance state of the logging endpoints: the loaded configuration and the delivery built over
 * it (delivery/: credentials, signing keys, shard routers, counters), per configuration source.
 * Kept at module scope so a reused sandbox keeps them; rebuilt when the sandbox is new.
 *
 * A source says where the configuration comes from: the Config Store (the proxy's default names,
 * or the names a library user chose), or items given in code, loaded once when the library is
 * created. A configuration problem is reported once per instance on the error log endpoint, never
 * per request, and never stops traffic.
 *
 * Loading from a Config Store spends the execution's lookups (config-lookups.ts), shared with an
 * embedding application's own: a load that does not fit in what is left is not attempted, and is
 * tried again by an execution that has enough. A load that failed otherwise is kept for
 * FAILED_LOAD_RETRY_MS, then tried again: not on every request, not never.
 */
import {
  CONFIG_STORE_NAME,
  type ConfigError,
  DEFAULT_ERROR_LOG_ENDPOINT,
  DEFAULT_KV_STORE_NAME,
  type EndpointConfig,
  loadServiceConfig,
  lookupsToLoad,
  NotEnoughConfigLookups,
  SECRET_STORE_NAME,
  type ServiceConfig,
} from '../config/index.js';
import { createDelivery, type Delivery } from '../delivery/index.js';
import { TableCache } from '../format/index.js';
import { createFleetMetrics, type FleetMetrics } from '../metrics/index.js';
import type { ConfigLike, LoggerLike, Platform } from '../platform/types.js';
import { ConfigLookups } from './config-lookups.js';

export interface LoadedService {
  config: ServiceConfig;
  endpoints: readonly EndpointConfig[];
  delivery: Delivery;
  errorLog: LoggerLike;
  /** The tables formats read (table.lookup), cached for the instance. */
  tables: TableCache;
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

/** A failed load is tried again after this long (a store link or item fixed meanwhile, a transient error). */
export const FAILED_LOAD_RETRY_MS = 10_000;

/** Why the last load of a source failed, for the admin page and for when to try again. */
export interface LoadFailure {
  /** What went wrong, as reported. */
  message: string;
  atMs: number;
  /** Failed loads of this source in this instance. */
  count: number;
  /** Set when the execution had too few Config Store lookups: tried again by one that has this many. */
  lookupsNeeded?: number;
}

const loadedBySource = new Map<ServiceSource, LoadedService>();
const failedBySource = new Map<ServiceSource, LoadFailure>();
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
 * At most one Config Store lookup (PRE_RESPONSE_CONFIG_LOOKUPS), taken from the execution's:
 * is Next-Gen WAF inspection configured? For the decisions taken before the response in a sandbox
 * that has not loaded its endpoints. No lookup left, or a store that cannot be read: no.
 */
export function wafKeyPresent(platform: Platform, source: ServiceSource, lookups: ConfigLookups): boolean {
  if (source.configured) return source.configured.waf !== undefined;
  if (lookups.left === 0) return false;
  try {
    return lookups.counted(platform.openConfig(source.configStore)).get('waf_corp') !== null;
  } catch {
    return false;
  }
}

/** Why the last load of `source` failed in this instance, if it did and has not loaded since. */
export function loadFailure(source: ServiceSource): LoadFailure | undefined {
  return failedBySource.get(source);
}

/** Drops what this instance built for `source` (a library instance it no longer keeps). */
export function forgetService(source: ServiceSource): void {
  loadedBySource.delete(source);
  failedBySource.delete(source);
}

/**
 * The service's endpoints for this instance, loaded on first use, within the Config Store lookups
 * `lookups` has left (an execution's; default: a whole execution's worth, for the admin path).
 * Never throws: anything that goes wrong here is reported and logging is off for the request,
 * while the request itself is served.
 */
export function loadService(platform: Platform, source: ServiceSource, lookups: ConfigLookups = new ConfigLookups()): LoadedService | undefined {
  const known = loadedBySource.get(source);
  if (known) return known;
  const failed = failedBySource.get(source);
  if (failed && !shouldRetry(failed, lookups, platform.nowMs())) return undefined;
  let config: ServiceConfig;
  try {
    config = source.configured ?? readConfigStore(platform, source, lookups, failed?.lookupsNeeded);
  } catch (error) {
    failLoad(platform, source, error instanceof NotEnoughConfigLookups ? notEnoughLookups(source, error, lookups) : unreadable(source, error, lookups), error);
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
          streams: () => delivery.streamCounters(),
          now: platform.nowMs,
          pop: () => platform.env('FASTLY_POP'),
          startedAtMs: () => instanceStartedAtMs ?? platform.nowMs(),
        })
      : undefined;
    const service = { config, endpoints: config.endpoints, delivery, errorLog, tables, metrics };
    loadedBySource.set(source, service);
    failedBySource.delete(source);
    return service;
  } catch (error) {
    const message = `compute-kinesis-logger: configuration: endpoints could not be set up (${error instanceof Error ? error.message : error}); logging is off, traffic is served`;
    failLoad(platform, source, message, error, errorLog);
    return undefined;
  }
}

/**
 * Reads the source's Config Store within `lookups`. Before any lookup, a load that cannot fit is
 * refused: it needs at least the service keys and one endpoint item, or as many as the last
 * attempt found it needs; the loader stops after the `endpoints` key when the items do not fit.
 */
function readConfigStore(platform: Platform, source: ServiceSource, lookups: ConfigLookups, knownNeed: number | undefined): ServiceConfig {
  const atLeast = knownNeed ?? lookupsToLoad(1);
  if (lookups.left < atLeast) throw new NotEnoughConfigLookups(atLeast, lookups.left, atLeast - lookupsToLoad(0), knownNeed !== undefined);
  let store: ConfigLike;
  try {
    store = platform.openConfig(source.configStore);
  } catch (error) {
    throw new StoreUnreadable(false, error);
  }
  try {
    return loadServiceConfig(lookups.counted(store), { kvStoreName: source.kvStore, lookupsLeft: lookups.left });
  } catch (error) {
    if (error instanceof NotEnoughConfigLookups) throw error;
    throw new StoreUnreadable(true, error);
  }
}

/** The Config Store could not be opened (not linked), or a read failed once it was. */
class StoreUnreadable extends Error {
  constructor(
    readonly opened: boolean,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Whether to load again after `failed`: a load refused for want of lookups, as soon as an execution
 * has the lookups it needs (checking costs none); any other failure, once FAILED_LOAD_RETRY_MS passed.
 */
function shouldRetry(failed: LoadFailure, lookups: ConfigLookups, nowMs: number): boolean {
  if (failed.lookupsNeeded !== undefined) return lookups.left >= failed.lookupsNeeded;
  return nowMs - failed.atMs >= FAILED_LOAD_RETRY_MS;
}

function failLoad(platform: Platform, source: ServiceSource, message: string, error: unknown, errorLog = platform.logger(DEFAULT_ERROR_LOG_ENDPOINT)): void {
  const count = (failedBySource.get(source)?.count ?? 0) + 1;
  const lookupsNeeded = error instanceof NotEnoughConfigLookups ? error.needed : undefined;
  failedBySource.set(source, { message, atMs: platform.nowMs(), count, lookupsNeeded });
  reportOnce(errorLog, message);
}

function notEnoughLookups(source: ServiceSource, error: NotEnoughConfigLookups, lookups: ConfigLookups): string {
  return (
    `compute-kinesis-logger: configuration: Config Store "${source.configStore}" not loaded: Config Store lookups ran out: ${error.message} ` +
    `(${lookups.describe()}); logging is off for such requests, traffic is served; loaded by the first execution with ${error.needed} lookups left`
  );
}

function unreadable(source: ServiceSource, error: unknown, lookups: ConfigLookups): string {
  const reason = error instanceof Error ? error.message : String(error);
  // A read that fails once the store opened is most often Compute's lookup limit: lookups the application did not declare.
  const hint =
    error instanceof StoreUnreadable && error.opened
      ? ` (${lookups.describe()}; if the application makes Config Store lookups of its own, declare them: configLookupsForResponse)`
      : '';
  return (
    `compute-kinesis-logger: configuration: config store "${source.configStore}" cannot be read (${reason})${hint}; ` +
    `logging is off, traffic is served; tried again in ${FAILED_LOAD_RETRY_MS / 1000} s`
  );
}

function describe(error: ConfigError): string {
  return `compute-kinesis-logger: configuration: ${error.message}; endpoint disabled, traffic is served`;
}

/** For tests: forget the per-instance state. */
export function resetLoadedService(): void {
  loadedBySource.clear();
  failedBySource.clear();
  reportedOnce.clear();
}
