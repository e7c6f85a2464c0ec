/**
 * Per-instance state of the logging endpoints: the loaded configuration and the delivery composer
 * built over it (delivery/streams.ts: credentials, signing keys, shard routers, counters). Kept at
 * module scope so a reused sandbox keeps them; rebuilt when the sandbox is new.
 *
 * A configuration problem is reported once per instance on the error log endpoint, never per
 * request, and never stops traffic.
 */
import { CONFIG_STORE_NAME, ConfigError, DEFAULT_ERROR_LOG_ENDPOINT, type EndpointConfig, loadServiceConfig, SECRET_STORE_NAME, type ServiceConfig } from '../config/index.js';
import { createStreamDelivery, type StreamDelivery } from '../delivery/index.js';
import { createFleetMetrics, type FleetMetrics } from '../metrics/index.js';
import type { LoggerLike, Platform } from '../platform/types.js';

export interface LoadedService {
  config: ServiceConfig;
  endpoints: readonly EndpointConfig[];
  delivery: StreamDelivery;
  errorLog: LoggerLike;
  /** The fleet-wide metrics lines (`metrics_log_endpoint`); absent when not configured. */
  metrics?: FleetMetrics;
}

let loaded: LoadedService | undefined;
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
  try {
    config = loadServiceConfig(platform.openConfig(CONFIG_STORE_NAME));
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
    const delivery = createStreamDelivery(config.endpoints, {
      fetch: platform.fetch,
      openSecrets: () => platform.openSecrets(SECRET_STORE_NAME),
      secretStoreName: SECRET_STORE_NAME,
      // Opened on first use; a missing store means per-instance maps, reported once.
      openKv: () => platform.openKv(config.kvStoreName),
      logger: (name) => platform.logger(name),
      errorLog,
      reportOnce: (line) => reportOnce(errorLog, line),
      now: platform.nowMs,
      random: () => platform.random(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
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
    loaded = { config, endpoints: config.endpoints, delivery, errorLog, metrics };
  } catch (error) {
    reportOnce(errorLog, `compute-kinesis-logger: configuration: endpoints could not be set up (${error instanceof Error ? error.message : error}); logging is off, traffic is served`);
  }
  return loaded;
}

function describe(error: ConfigError): string {
  return `compute-kinesis-logger: configuration: ${error.message}; endpoint disabled, traffic is served`;
}

/** For tests: forget the per-instance state. */
export function resetLoadedService(): void {
  loaded = undefined;
  reportedOnce.clear();
}
