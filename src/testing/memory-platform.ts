/**
 * A whole Platform in memory: stores from plain objects, log endpoints that keep their lines,
 * and backends answered by functions. For tests in Node of code that takes a Platform (the
 * handler, or `createKinesisLogging` from src/handler/kinesis-logging.ts).
 */
import type { BackendRef, DeviceInfo, Platform } from '../platform/types.js';
import { seededRandom } from './seeded-random.js';
import { configItems, FakeConfig, FakeKvStore, FakeLogger, FakeSecrets } from './memory-stores.js';

/** Answers the requests sent to one backend of a {@link createFakePlatform} platform. */
export type BackendHandler = (request: Request) => Promise<Response> | Response;

/** What a {@link createFakePlatform} platform holds; everything is optional. */
export interface FakePlatformOptions {
  /** Config Store contents in configItems' flat notation (`main.region` → the `main` JSON item). */
  config?: Record<string, string>;
  /** Secret Store contents by key (`main.access_key_id`, `admin_token`, …). */
  secrets?: Record<string, string>;
  /** Backends by name (`kinesis`, `sts`, `origin`, or a dynamic backend's host); a backend not listed throws as Compute does. */
  backends?: Record<string, BackendHandler>;
  /** `fastly:env` variables (`FASTLY_POP`, `FASTLY_SERVICE_VERSION`, …). */
  env?: Record<string, string>;
  /** The clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** When the current request started (Platform.requestStartMs); absent = the platform cannot tell. */
  requestStartMs?: () => number;
  /** Default: a seeded sequence, so tests repeat. */
  random?: () => number;
  /** Next-Gen WAF inspection; absent = the runtime has none. */
  inspect?: Platform['inspect'];
  /** fastly:device records by User-Agent; absent = the runtime has no device detection. */
  devices?: Record<string, Partial<DeviceInfo>>;
}

/** A {@link Platform} in memory, with what it received kept for assertions. */
export interface FakePlatform extends Platform {
  /** Log endpoints by name, created on first write, with the lines they received. */
  loggers: Map<string, FakeLogger>;
  /** The one KV Store (every name opens it). */
  kv: FakeKvStore;
  /** Every backend request, in order. */
  sent: {
    /** The backend's name (a dynamic backend: its host). */
    backend: string;
    /** A clone of the request as sent. */
    request: Request;
  }[];
}

/**
 * A whole platform in memory, for running {@link createKinesisLoggingOn} in Node tests.
 * @example
 * const platform = createFakePlatform({
 *   config: { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'us-east-1' },
 *   secrets: { 'main.access_key_id': 'AKID', 'main.secret_access_key': 'secret' },
 *   backends: { kinesis: (request) => Response.json({ FailedRecordCount: 0, Records: [] }) },
 * });
 */
export function createFakePlatform(options: FakePlatformOptions): FakePlatform {
  const loggers = new Map<string, FakeLogger>();
  const kv = new FakeKvStore(options.now);
  const sent: FakePlatform['sent'] = [];
  return {
    loggers,
    kv,
    sent,
    openConfig(name) {
      if (!options.config) throw new TypeError(`ConfigStore constructor: No ConfigStore named '${name}' exists`);
      return new FakeConfig(configItems(options.config));
    },
    openSecrets: () => new FakeSecrets(options.secrets ?? {}),
    openKv: () => kv,
    logger(name) {
      let logger = loggers.get(name);
      if (!logger) loggers.set(name, (logger = new FakeLogger()));
      return logger;
    },
    async fetch(request: Request, backend: BackendRef) {
      const name = backend.kind === 'static' ? backend.name : backend.host;
      sent.push({ backend: name, request: request.clone() });
      const handler = options.backends?.[name];
      if (!handler) throw new TypeError(`Requested backend named '${name}' does not exist`);
      return handler(request);
    },
    env: (name) => options.env?.[name],
    geolocate: () => null,
    nowMs: options.now ?? Date.now,
    requestStartMs: options.requestStartMs,
    random: options.random ?? seededRandom(0x5eed),
    inspect: options.inspect,
    detectDevice: options.devices ? (userAgent) => deviceRecord(options.devices?.[userAgent]) : undefined,
  };
}

function deviceRecord(known: Partial<DeviceInfo> | undefined): DeviceInfo | null {
  if (!known) return null;
  return {
    name: null, brand: null, model: null, hwtype: null, isDesktop: null, isGameConsole: null, isMediaPlayer: null,
    isMobile: null, isSmartTV: null, isTablet: null, isTouchscreen: null, isBot: null,
    ...known,
  };
}
