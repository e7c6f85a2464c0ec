/**
 * The small interfaces the product depends on instead of `fastly:*`. Shaped by use: each exposes
 * only what the code calls. src/platform/fastly.ts implements them over the Compute runtime;
 * test/support/fakes implements them in memory for Node tests.
 */

export interface KvPutOptions {
  /** Seconds until the entry expires. */
  ttl?: number;
  /** `add` = insert only if absent (fails when the key exists). */
  mode?: 'overwrite' | 'add';
}

/** A KV store as this product uses it: text values only. */
export interface KvStoreLike {
  get(key: string): Promise<string | null>;
  /** Rejects when the write is refused (key exists under `add`, rate limited, …). */
  put(key: string, value: string, options?: KvPutOptions): Promise<void>;
}

/** A Fastly log endpoint (stderr/stdout under Viceroy). */
export interface LoggerLike {
  log(line: string): void;
  /** Lines a working endpoint failed to take (platform/safe-logger.ts); absent where writes cannot fail. */
  readonly failedLines?: number;
}

export interface ConfigLike {
  get(key: string): string | null;
}

export interface SecretsLike {
  get(key: string): Promise<string | null>;
}

/** Send a request to a named backend (static name, or a target to reach dynamically). */
export type BackendFetch = (request: Request, backend: BackendRef) => Promise<Response>;

/** Either a static backend declared on the service, or a host reached by a dynamic backend. */
export type BackendRef = { kind: 'static'; name: string } | { kind: 'dynamic'; host: string; useSsl: boolean };

/** Everything the request path needs from the runtime. */
export interface Platform {
  /** Opening a store that is not linked throws; callers turn that into a configuration error. */
  openConfig(name: string): ConfigLike;
  /** The Secret Store `name`. */
  openSecrets(name: string): SecretsLike;
  /** The KV Store `name`. */
  openKv(name: string): KvStoreLike;
  /** The Fastly log endpoint `endpointName` of the service. */
  logger(endpointName: string): LoggerLike;
  /** Sends a request to a backend. */
  fetch: BackendFetch;
  /** A `fastly:env` variable (`FASTLY_POP`, …), or undefined. */
  env(name: string): string | undefined;
  /** Geolocation record for an IP, or null when unknown. */
  geolocate(ip: string): Readonly<Record<string, string | number | null>> | null;
  /** Wall clock, milliseconds since the epoch (fractional where available). */
  nowMs(): number;
  /**
   * When the current request started, on the nowMs clock; absent where the runtime cannot tell
   * (callers then take the first moment they see the request).
   */
  requestStartMs?(): number;
  /** Uniform in [0, 1): backoff jitter, sampling without a request id, diagnostics ids. */
  random(): number;
  /**
   * Next-Gen WAF inspection of a request (fastly:security). Throws where inspection is not
   * available (Viceroy, services without Next-Gen WAF).
   */
  inspect?(request: Request, config: { corp: string; workspace: string }): WafInspection;
  /** CPU time this sandbox has used, in ms (fastly:compute vCpuTime); absent outside Compute. */
  vCpuMs?(): number;
  /** Device detection for a User-Agent (fastly:device), or null when nothing is known about it. */
  detectDevice?(userAgent: string): DeviceInfo | null;
}

/**
 * What fastly:device knows about a User-Agent (its Device getters; null = unknown). It describes
 * the device only: no browser, operating system, display size, e-reader or TV-player flag.
 */
export interface DeviceInfo {
  name: string | null;
  brand: string | null;
  model: string | null;
  hwtype: string | null;
  isDesktop: boolean | null;
  isGameConsole: boolean | null;
  isMediaPlayer: boolean | null;
  isMobile: boolean | null;
  isSmartTV: boolean | null;
  isTablet: boolean | null;
  isTouchscreen: boolean | null;
  isBot: boolean | null;
}

export interface WafInspection {
  verdict: string;
  tags: string[];
  decisionMs: number;
  wafResponse: number;
  redirectUrl?: string;
}
