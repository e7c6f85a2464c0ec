/**
 * The request path, top to bottom: serve the response (the origin, or an embedding application's
 * function, guarded: application.ts) → hand it to the client → in waitUntil, after the body is
 * sent: the application's failure reported, WAF inspection when a waf_debug endpoint needs it,
 * then render and deliver the log lines.
 */
import { DEFAULT_ERROR_LOG_ENDPOINT, type EndpointConfig } from '../config/index.js';
import type { Platform, WafInspection } from '../platform/types.js';
import { handleAdmin, isAdminRequest } from './admin.js';
import { applicationFailureLine, guardedResponder, type ApplicationFailure } from './application.js';
import type { Exchange } from './collect-facts.js';
import type { ConfigLookups } from './config-lookups.js';
import { DEFAULT_SOURCE, loadedService, loadService, reportOnce, wafKeyPresent, type ServiceSource } from './endpoints.js';
import { markLoadStart } from './diagnostics.js';
import { executionOf, startEventExecution, type Execution } from './executions.js';
import { logExchange } from './log-exchange.js';
import { originResponder, serve, setFirstHopClientIp, setFirstHopOrigHost, type Respond } from './proxy.js';
import type { Trigger } from './select-lines.js';

export const ORIGIN_BACKEND = 'origin';

/** The parts of Compute's FetchEvent the handler uses. */
/** What the logger reads from Compute's `FetchEvent`: pass the event your `fetch` listener gets. */
export interface FetchEventLike {
  /** The client's request. */
  request: Request;
  /** Keeps the execution alive until logging has finished. */
  waitUntil(promise: Promise<unknown>): void;
  /** `event.client`: who connected, and how. */
  client?: {
    /** The client's IP address (`client.ip`). */
    address?: string;
    /** The request id (`req.xid`; the record ids' prefix). */
    requestId?: string;
    /** `tls.client.protocol`. */
    tlsProtocol?: string | null;
    /** `tls.client.cipher`. */
    tlsCipherOpensslName?: string | null;
    /** `tls.client.servername`. */
    tlsClientSNI?: string | null;
    /** `tls.client.ja3_md5`. */
    tlsJA3MD5?: string | null;
    /** `tls.client.ja4`. */
    tlsJA4?: string | null;
  };
  /** `event.server`. */
  server?: {
    /** The address the request arrived at (`server.ip`). */
    address?: string;
  };
}

export interface HandleOptions {
  /**
   * Produces the response: an embedding application's function, guarded (application.ts); default:
   * forward to the `origin` backend.
   */
  respond?: Respond;
  /** Backend requests the response itself uses (the origin fetch: 1); the rest is logging's budget. */
  backendRequestsForResponse?: number;
  /** Config Store lookups the response itself makes (default 0); logging takes from the rest. */
  configLookupsForResponse?: number;
  /** Where the configuration comes from; default the Config Store `kinesis_logger`. */
  source?: ServiceSource;
}

export function handleRequest(event: FetchEventLike, platform: Platform, options: HandleOptions = {}): Promise<Response> {
  // The admin path is answered here, never proxied and never logged (handler/admin.ts).
  const source = options.source ?? DEFAULT_SOURCE;
  if (isAdminRequest(event.request)) return handleAdmin(event.request, platform, source);
  const startMs = platform.nowMs();
  // One execution per event: an application that emitted before calling handle keeps the one it started.
  const execution = executionOf(event) ?? startEventExecution(event, platform, startMs, options);
  execution.emitted = [];
  const { lookups } = execution;

  // The first hop sets Fastly-Client-IP (Fastly's advice) and Fastly-Orig-Host (as Fastly's edge
  // does), for the origin and the log alike.
  const trusted = () => loadService(platform, source, lookups)?.config.trustedUpstreams ?? [];
  setFirstHopClientIp(event.request, event.client?.address, trusted);
  setFirstHopOrigHost(event.request, event.client?.address, trusted);
  // WAF inspection reads the request, which serving consumes: keep a copy, only when needed.
  const wafCopy = wantsWafInspection(platform, source, lookups) ? copyForInspection(event.request) : undefined;
  let failure: ApplicationFailure | undefined;
  const respond = options.respond ? guardedResponder(options.respond, (f) => (failure = f)) : originResponder(platform.fetch, ORIGIN_BACKEND);
  const served = serve(event.request, respond, platform.nowMs, () => logReadsBodySize(platform, source, execution));

  event.waitUntil(
    served
      .then(async (proxy) => {
        const sent = await proxy.finished;
        // Reported after the response, like everything the logger writes; once per distinct failure.
        if (failure) reportOnce(loadService(platform, source, lookups)?.errorLog ?? platform.logger(DEFAULT_ERROR_LOG_ENDPOINT), applicationFailureLine(failure));
        const waf = wafCopy ? inspectForWaf(wafCopy, platform, source, lookups) : undefined;
        const triggers = new Set<Trigger>(['response']);
        if (waf && isFlagged(waf)) triggers.add('waf_flagged');
        const exchange: Exchange = {
          request: event.request,
          startMs,
          clientAddress: event.client?.address,
          requestId: event.client?.requestId,
          serverAddress: event.server?.address,
          tls: {
            protocol: event.client?.tlsProtocol,
            cipher: event.client?.tlsCipherOpensslName,
            servername: event.client?.tlsClientSNI,
            ja3Md5: event.client?.tlsJA3MD5,
            ja4: event.client?.tlsJA4,
          },
          proxy,
          sent,
          waf,
        };
        const emitted = execution.emitted ?? [];
        execution.emitted = undefined;
        await logExchange(exchange, platform, source, execution, triggers, emitted);
      })
      .catch((error) => {
        // Last resort: logging must never fail the request, but must not fail silently either.
        console.error(`compute-kinesis-logger: logging failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
      }),
  );

  return served.then((proxy) => proxy.response);
}

const readsBodySizeByEndpoints = new WeakMap<readonly EndpointConfig[], boolean>();

/**
 * Whether a line of this configuration may read the response body's byte count: the format,
 * response condition or partition key of an endpoint that logs requests (facts-read.ts). Asked
 * only for a body without Content-Length. A sandbox's first such request loads the configuration
 * here, before the response (its CPU still counted as logging's): a bounded cost, where counting
 * blind would cost about 6 ms of CPU per MiB of a body of any size. Without a configuration
 * nothing is logged, so nothing reads it.
 */
function logReadsBodySize(platform: Platform, source: ServiceSource, execution: Execution): boolean {
  if (!loadedService(source)) execution.loadStart = markLoadStart(platform);
  const endpoints = loadService(platform, source, execution.lookups)?.endpoints;
  if (!endpoints) return false;
  let reads = readsBodySizeByEndpoints.get(endpoints);
  if (reads === undefined) {
    // Placement none renders nothing per request: its lines are the application's own.
    const rendering = endpoints.filter((e) => e.placement !== 'none');
    const compiled = rendering.flatMap((e) => [e.format, e.responseCondition, e.destination === 'kinesis' ? e.partitionKey : undefined]);
    reads = compiled.some((c) => c?.factsRead.has('responseBodyBytes'));
    readsBodySizeByEndpoints.set(endpoints, reads);
  }
  return reads;
}

/**
 * Largest request body kept in memory for the WAF inspection that runs after the response. A copy
 * of the request holds its whole body until then (a tee buffers what one side has read), so larger
 * or unsized bodies are inspected by their method, URL and headers only.
 */
export const WAF_BODY_COPY_LIMIT = 64 * 1024;

function copyForInspection(request: Request): Request {
  const length = Number(request.headers.get('content-length') ?? NaN);
  if (!request.body || (length >= 0 && length <= WAF_BODY_COPY_LIMIT)) return request.clone();
  return new Request(request.url, { method: request.method, headers: request.headers });
}

/**
 * Whether this request needs a copy for WAF inspection. Decided before the response, so it must be
 * cheap: a sandbox that has not loaded its endpoints yet does not load them here (that compiles
 * every format, which would delay the response); one Config Store lookup of `waf_corp` decides.
 */
function wantsWafInspection(platform: Platform, source: ServiceSource, lookups: ConfigLookups): boolean {
  const service = loadedService(source);
  if (service) return Boolean(service.config.waf && service.endpoints.some((e) => e.placement === 'waf_debug'));
  return wafKeyPresent(platform, source, lookups);
}

/**
 * Runs after the response, so the (synchronous) inspection never delays the client. Where
 * inspection is unavailable (Viceroy, a service without Next-Gen WAF), waf_debug endpoints log
 * nothing and the reason is reported once per instance.
 */
function inspectForWaf(request: Request, platform: Platform, source: ServiceSource, lookups: ConfigLookups): WafInspection | undefined {
  const service = loadService(platform, source, lookups);
  if (!service?.config.waf) return undefined;
  try {
    if (!platform.inspect) throw new Error('this runtime has no Next-Gen WAF inspection');
    return platform.inspect(request, service.config.waf);
  } catch (error) {
    reportOnce(
      service.errorLog,
      `compute-kinesis-logger: waf_debug: Next-Gen WAF inspection unavailable (${error instanceof Error ? error.message : error}); waf_debug endpoints log nothing`,
    );
    return undefined;
  }
}

/** Flagged = the WAF would not simply allow it, or it raised signals (tags). */
export function isFlagged(waf: WafInspection): boolean {
  return waf.verdict !== 'allow' || waf.tags.length > 0;
}
