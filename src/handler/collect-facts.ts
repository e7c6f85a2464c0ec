/**
 * Fills RequestFacts from the Compute request, the origin's response and the FetchEvent, after
 * the response was sent. The same model the preview CLI builds from JSON.
 */
import type { RequestFacts } from '../facts/request-facts.js';
import type { Platform, WafInspection } from '../platform/types.js';
import type { ProxyResult, SentBody } from './proxy.js';

/** What the handler knows about the exchange, independent of the runtime's event type. */
export interface Exchange {
  request: Request;
  startMs: number;
  clientAddress?: string;
  requestId?: string;
  serverAddress?: string;
  tls: { protocol?: string | null; cipher?: string | null; servername?: string | null; ja3Md5?: string | null; ja4?: string | null };
  proxy: ProxyResult;
  sent: SentBody;
  waf?: WafInspection;
}

/** The service's environment: fixed for the life of a sandbox (one service version on one host). */
type ServiceEnvironment = Omit<RequestFacts['server'], 'ip' | 'port' | 'identity'>;
const environments = new WeakMap<object, ServiceEnvironment>();

/** Read once per sandbox and platform: eight lookups of the environment are not repeated per request. */
function serviceEnvironment(platform: Pick<Platform, 'env'>): ServiceEnvironment {
  let known = environments.get(platform);
  if (!known) {
    known = {
      hostname: platform.env('FASTLY_HOSTNAME'),
      datacenter: platform.env('FASTLY_POP'),
      region: platform.env('FASTLY_REGION'),
      serviceId: platform.env('FASTLY_SERVICE_ID'),
      serviceVersion: platform.env('FASTLY_SERVICE_VERSION'),
      customerId: platform.env('FASTLY_CUSTOMER_ID'),
      isStaging: platform.env('FASTLY_IS_STAGING') === '1',
    };
    environments.set(platform, known);
  }
  return known;
}

/** `compute()` on first read, then its value; `undefined` results are remembered too. */
function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

/**
 * Reads the runtime only through `env`, `geolocate` and `detectDevice` (so a library user can pass
 * their own). What only some formats read (geolocation, device, response headers) is looked up
 * when a format first reads it: the Kinesis default format never reads the device or the response
 * headers, and a format without `client.geo.*` costs no geolocation lookup.
 */
export function collectFacts(exchange: Exchange, platform: Pick<Platform, 'env' | 'geolocate' | 'detectDevice'>): RequestFacts {
  const { request, proxy, sent } = exchange;
  const url = new URL(request.url);
  const response = proxy.response;
  const requestHeaders = withWafHeaders([...request.headers.entries()], exchange.waf);
  const clientIp = exchange.clientAddress || undefined;
  const geo = once(() => (clientIp ? platform.geolocate(clientIp) : null) ?? undefined);
  const device = once(() => {
    const userAgent = request.headers.get('user-agent');
    return (userAgent ? platform.detectDevice?.(userAgent) : undefined) ?? undefined;
  });
  const responseHeaders = once(() => [...response.headers.entries()]);
  return {
    timeStartUs: Math.round(exchange.startMs * 1000),
    timeEndUs: Math.round(sent.endedMs * 1000),
    method: request.method,
    url: url.pathname + url.search,
    // Compute does not expose the client's HTTP version; Viceroy and the edge both speak HTTP/1.1
    // to the guest. See README "Variables".
    proto: 'HTTP/1.1',
    isSsl: url.protocol === 'https:',
    isIpv6: clientIp ? clientIp.includes(':') : undefined,
    requestHeaders,
    // Header byte counts are left to the format engine's HTTP/1.1 wire-size estimate
    // (facts/wire-size.ts): Compute exposes headers, not the bytes they arrived in.
    requestBodyBytes: Number(request.headers.get('content-length') ?? 0) || 0,
    status: response.status,
    responseReason: response.statusText || undefined,
    get responseHeaders() {
      return responseHeaders();
    },
    responseBodyBytes: sent.bodyBytes,
    clientIp,
    get geo() {
      return geo();
    },
    server: {
      ...serviceEnvironment(platform),
      ip: exchange.serverAddress || undefined,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    },
    tls: {
      protocol: exchange.tls.protocol ?? undefined,
      cipher: exchange.tls.cipher ?? undefined,
      servername: exchange.tls.servername ?? undefined,
      ja3Md5: exchange.tls.ja3Md5 ?? undefined,
      ja4: exchange.tls.ja4 ?? undefined,
    },
    requestId: exchange.requestId,
    timeFirstByteUs: proxy.respondedMs === undefined ? undefined : Math.round(proxy.respondedMs * 1000),
    backendName: proxy.backendName,
    fastlyState: cacheState(request, proxy),
    fastlyError: proxy.error ? 'EBACKEND' : undefined,
    waf: exchange.waf,
    get device() {
      return device();
    },
  };
}

/**
 * `fastly_info.state` for a proxy: from the response's cache flags where the runtime has them
 * (HIT, HIT-STALE, MISS, PASS); Viceroy has no HTTP cache, so there GET/HEAD are MISS and other
 * methods PASS. ERROR when the origin could not be reached.
 */
function cacheState(request: Request, proxy: ProxyResult): string {
  if (proxy.error) return 'ERROR';
  const origin = proxy.origin as (Response & { cached?: boolean; stale?: boolean; isCacheable?: boolean }) | undefined;
  if (origin?.cached === true) return origin.stale ? 'HIT-STALE' : 'HIT';
  if (origin?.cached === false) return origin.isCacheable === false ? 'PASS' : 'MISS';
  return request.method === 'GET' || request.method === 'HEAD' ? 'MISS' : 'PASS';
}

/**
 * The request headers Fastly's Next-Gen WAF edge deployment adds to an inspected request
 * (https://www.fastly.com/documentation/guides/next-gen-waf/developer/x-sigsci-headers), so
 * formats written for it (`%{X-SigSci-Tags}i`) read the same values here. They replace any the
 * client sent; uninspected requests keep the client's, as on a service without the WAF.
 */
function withWafHeaders(headers: Array<[string, string]>, waf: WafInspection | undefined): Array<[string, string]> {
  if (!waf) return headers;
  const added: Array<[string, string]> = [
    ['x-sigsci-agentresponse', String(waf.wafResponse)],
    ['x-sigsci-tags', waf.tags.join(',')],
    ['x-sigsci-decision-ms', String(waf.decisionMs)],
  ];
  const names = new Set(added.map(([name]) => name));
  return [...headers.filter(([name]) => !names.has(name.toLowerCase())), ...added];
}
