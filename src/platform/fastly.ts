/**
 * The only module that imports `fastly:*` at run time: implements platform/types.ts over the
 * js-compute runtime. Everything else stays plain TypeScript and runs in Node for tests.
 */
import { Backend } from 'fastly:backend';
import { vCpuTime } from 'fastly:compute';
import { ConfigStore } from 'fastly:config-store';
import { Device } from 'fastly:device';
import { env } from 'fastly:env';
import { getGeolocationForIpAddress } from 'fastly:geolocation';
import { KVStore } from 'fastly:kv-store';
import { Logger } from 'fastly:logger';
import { SecretStore } from 'fastly:secret-store';
import { inspect } from 'fastly:security';
import { waiting } from './phases.js';
import { safeLogger } from './safe-logger.js';
import type { BackendRef, DeviceInfo, KvStoreLike, LoggerLike, Platform } from './types.js';

const dynamicBackends = new Map<string, Backend>();

function dynamicBackend(host: string, useSsl: boolean): Backend {
  const key = `${useSsl ? 'https' : 'http'}://${host}`;
  let backend = dynamicBackends.get(key);
  if (!backend) {
    backend = new Backend({
      target: host,
      hostOverride: host.replace(/:\d+$/, ''),
      useSSL: useSsl,
      sniHostname: useSsl ? host.replace(/:\d+$/, '') : undefined,
      connectTimeout: 1_000,
      firstByteTimeout: 10_000,
      betweenBytesTimeout: 10_000,
    });
    dynamicBackends.set(key, backend);
  }
  return backend;
}

function backendFor(ref: BackendRef): string | Backend {
  return ref.kind === 'static' ? ref.name : dynamicBackend(ref.host, ref.useSsl);
}

function kvStore(name: string): KvStoreLike {
  const store = new KVStore(name);
  return {
    // Awaiting a store costs no CPU: the phase breakdown (phases.ts) counts it as `wait`.
    async get(key) {
      const entry = await waiting(store.get(key));
      return entry ? waiting(entry.text()) : null;
    },
    async put(key, value, options) {
      await waiting(store.put(key, value, { ttl: options?.ttl, mode: options?.mode }));
    },
  };
}

const loggers = new Map<string, LoggerLike>();

/**
 * Wall clock with microsecond steps. In the runtime Date.now() moves in whole milliseconds, while
 * performance.now() has sub-millisecond resolution but counts from the start of the request
 * (verified in Viceroy 0.20.1). The fine clock is anchored on the coarse one, and re-anchored
 * whenever the two disagree by more than 2 ms (a new request, or drift), so durations such as
 * time.elapsed.usec are exact and absolute times are right to the millisecond.
 */
let anchor: { dateMs: number; perfMs: number } | undefined;
function highResolutionNowMs(): number {
  const coarse = Date.now();
  const fine = performance.now();
  if (!anchor || Math.abs(anchor.dateMs + (fine - anchor.perfMs) - coarse) > 2) anchor = { dateMs: coarse, perfMs: fine };
  return anchor.dateMs + (fine - anchor.perfMs);
}

/** fastly:device's record for a User-Agent, through its getters (verified with Viceroy 0.20.1). */
function detectDevice(userAgent: string): DeviceInfo | null {
  let device: Device | null;
  try {
    device = userAgent ? Device.lookup(userAgent) : null;
  } catch {
    return null;
  }
  if (!device) return null;
  return {
    name: device.name,
    brand: device.brand,
    model: device.model,
    hwtype: device.hardwareType,
    isDesktop: device.isDesktop,
    isGameConsole: device.isGameConsole,
    isMediaPlayer: device.isMediaPlayer,
    isMobile: device.isMobile,
    isSmartTV: device.isSmartTV,
    isTablet: device.isTablet,
    isTouchscreen: device.isTouchscreen,
    isBot: device.isBot,
  };
}

export const fastlyPlatform: Platform = {
  openConfig: (name) => new ConfigStore(name),
  openSecrets(name) {
    const store = new SecretStore(name);
    return {
      async get(key) {
        const entry = await waiting(store.get(key));
        return entry ? entry.plaintext() : null;
      },
    };
  },
  openKv: kvStore,
  logger(endpointName) {
    let logger = loggers.get(endpointName);
    if (!logger) {
      logger = safeLogger(endpointName, new Logger(endpointName), (line) => console.error(line));
      loggers.set(endpointName, logger);
    }
    return logger;
  },
  fetch: (request, backend) => fetch(request, { backend: backendFor(backend) }),
  env: (name) => env(name),
  geolocate(ip) {
    try {
      return getGeolocationForIpAddress(ip) as unknown as Record<string, string | number | null> | null;
    } catch {
      return null;
    }
  },
  nowMs: highResolutionNowMs,
  // performance.now() counts from the start of the request, in a reused sandbox too (verified with
  // Viceroy 0.20.1), so this is when the request started, whoever asks and however late.
  requestStartMs: () => highResolutionNowMs() - performance.now(),
  random: Math.random,
  detectDevice,
  vCpuMs: () => vCpuTime(),
  inspect(request, config) {
    const result = inspect(request, config);
    return {
      verdict: String(result.verdict),
      tags: [...result.tags],
      decisionMs: result.decision_ms,
      wafResponse: result.waf_response,
      redirectUrl: result.redirect_url,
    };
  },
};
