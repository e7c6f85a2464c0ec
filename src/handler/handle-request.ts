/**
 * The request path, top to bottom: serve the response (the origin, or an embedding application's
 * function) → hand it to the client → in waitUntil, after the body is sent: WAF inspection when a
 * waf_debug endpoint needs it, then render and deliver the log lines.
 */
import { startExecution, type LoggingExecution } from '../delivery/index.js';
import type { Platform, WafInspection } from '../platform/types.js';
import { handleAdmin, isAdminRequest } from './admin.js';
import type { Exchange } from './collect-facts.js';
import { DEFAULT_SOURCE, loadedService, loadService, noteInstanceStart, reportOnce, wafKeyPresent, type ServiceSource } from './endpoints.js';
import { logExchange, type EmittedLines } from './log-exchange.js';
import { originResponder, serve, setFirstHopClientIp, setFirstHopOrigHost, type Respond } from './proxy.js';
import type { Trigger } from './select-lines.js';

export const ORIGIN_BACKEND = 'origin';

/** The parts of Compute's FetchEvent the handler uses. */
export interface FetchEventLike {
  request: Request;
  waitUntil(promise: Promise<unknown>): void;
  client?: {
    address?: string;
    requestId?: string;
    tlsProtocol?: string | null;
    tlsCipherOpensslName?: string | null;
    tlsClientSNI?: string | null;
    tlsJA3MD5?: string | null;
    tlsJA4?: string | null;
  };
  server?: { address?: string };
}

export interface HandleOptions {
  /** Produces the response; default: forward to the `origin` backend. */
  respond?: Respond;
  /** Backend requests the response itself uses (the origin fetch: 1); the rest is logging's budget. */
  backendRequestsForResponse?: number;
  /** Where the configuration comes from; default the Config Store `kinesis_logger`. */
  source?: ServiceSource;
}

/** Per-execution state an embedding application reaches through its event (emit). */
export interface Execution {
  /** The one budget and line numbering of every delivery of this execution (delivery/execution.ts). */
  logging: LoggingExecution;
  /**
   * Lines emitted while the response is being served; they join the request's own delivery.
   * Undefined once that delivery has started: later emits are delivered on their own.
   */
  emitted?: EmittedLines[];
}

const executions = new WeakMap<object, Execution>();

export function executionOf(event: object): Execution | undefined {
  return executions.get(event);
}

/**
 * The event's execution, started now when `handle` did not start one (the library's `emit` in an
 * application that serves by itself): every emit of that event then shares its one budget.
 */
export function executionFor(event: FetchEventLike, platform: Platform, backendRequestsForResponse?: number): Execution {
  let execution = executions.get(event);
  if (!execution) {
    const logging = startExecution({ startMs: platform.nowMs(), now: platform.nowMs, backendRequestsForResponse, requestId: event.client?.requestId });
    executions.set(event, (execution = { logging }));
  }
  return execution;
}

export function handleRequest(event: FetchEventLike, platform: Platform, options: HandleOptions = {}): Promise<Response> {
  // The admin path is answered here, never proxied and never logged (handler/admin.ts).
  const source = options.source ?? DEFAULT_SOURCE;
  if (isAdminRequest(event.request)) return handleAdmin(event.request, platform, source);
  const startMs = platform.nowMs();
  noteInstanceStart(startMs);
  const logging = startExecution({ startMs, now: platform.nowMs, backendRequestsForResponse: options.backendRequestsForResponse, requestId: event.client?.requestId });
  const execution: Execution = { logging, emitted: [] };
  executions.set(event, execution);

  // The first hop sets Fastly-Client-IP (Fastly's advice) and Fastly-Orig-Host (as Fastly's edge
  // does), for the origin and the log alike.
  const trusted = () => loadService(platform, source)?.config.trustedUpstreams ?? [];
  setFirstHopClientIp(event.request, event.client?.address, trusted);
  setFirstHopOrigHost(event.request, event.client?.address, trusted);
  // WAF inspection reads the request, which serving consumes: keep a copy, only when needed.
  const wafCopy = wantsWafInspection(platform, source) ? copyForInspection(event.request) : undefined;
  const served = serve(event.request, options.respond ?? originResponder(platform.fetch, ORIGIN_BACKEND), platform.nowMs);

  event.waitUntil(
    served
      .then(async (proxy) => {
        const sent = await proxy.finished;
        const waf = wafCopy ? inspectForWaf(wafCopy, platform, source) : undefined;
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
        await logExchange(exchange, platform, source, logging, triggers, emitted);
      })
      .catch((error) => {
        // Last resort: logging must never fail the request, but must not fail silently either.
        console.error(`compute-kinesis-logger: logging failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
      }),
  );

  return served.then((proxy) => proxy.response);
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
function wantsWafInspection(platform: Platform, source: ServiceSource): boolean {
  const service = loadedService(source);
  if (service) return Boolean(service.config.waf && service.endpoints.some((e) => e.placement === 'waf_debug'));
  return wafKeyPresent(platform, source);
}

/**
 * Runs after the response, so the (synchronous) inspection never delays the client. Where
 * inspection is unavailable (Viceroy, a service without Next-Gen WAF), waf_debug endpoints log
 * nothing and the reason is reported once per instance.
 */
function inspectForWaf(request: Request, platform: Platform, source: ServiceSource): WafInspection | undefined {
  const service = loadService(platform, source);
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
