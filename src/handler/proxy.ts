/**
 * Serving the client: the response comes from the origin (the product's own handler) or from an
 * embedding application's function, and goes back unchanged (status, headers, body), with a
 * promise that settles once the body has been sent, and the moment the response was handed over
 * (time.to_first_byte, and time.end). Before that, the request's Fastly-Client-IP is set as Fastly
 * recommends for the first hop (facts/client-ip.ts), so the origin, the application and the log
 * all see the same client.
 *
 * The body goes back untouched: the host streams it, and it costs no JavaScript whatever its size.
 * One thing only watching it can give: the byte count of a body without Content-Length. Only when
 * a log line reads that is the body pumped through JavaScript, chunk by chunk, counting (about
 * 6 ms of CPU per MiB in Viceroy 0.20.1, js-compute 3.46, where handing it back costs none; a
 * TransformStream costs the same as this pull loop). The last byte's moment is never watched for:
 * that would cost the same for every body, and pass Compute's 50 ms CPU limit near 8 MiB. So
 * time.end is when the response was handed over, for every request.
 */
import { clientIpHeader, isTrustedUpstream, type TrustedUpstreams } from '../facts/client-ip.js';
import { origHostHeader } from '../facts/orig-host.js';
import type { BackendFetch } from '../platform/types.js';

export interface ProxyResult {
  response: Response;
  /** When the response (status and headers) was ready to go to the client: VCL time.to_first_byte. */
  respondedMs?: number;
  /** The response as received from the origin or the application (for cache state and headers). */
  origin?: Response;
  /** Settles at once for a body passed through untouched; for a counted one, when it has been sent (or ended early). */
  finished: Promise<SentBody>;
  /** Set when the origin could not be reached. */
  error?: string;
  /** The backend the response came from (VCL req.backend.name); unknown for an application's own handler. */
  backendName?: string;
}

export interface SentBody {
  /** Bytes counted on the way, or the Content-Length of a body passed through untouched. */
  bodyBytes: number;
  /** VCL time.end: when the response was handed over (proxy.ts says why not the last byte). */
  endedMs: number;
  /** Why the body stopped early: the origin's stream failed, the client went away, or it stalled. */
  cutShort?: 'origin-error' | 'client-cancel' | 'stalled';
}

/**
 * Produces the response for a request: the origin fetch (which names its backend, for
 * req.backend.name), or an embedding application's handler.
 */
export type Respond = ((request: Request) => Promise<Response>) & {
  /** The backend the response comes from (`req.backend.name`); unset for an application's own handler. */
  readonly backendName?: string;
};

/**
 * Longest we wait for the body to drain before logging anyway (a stalled client). Well inside the
 * logging deadline (log-exchange.ts, 90 s after the request started), so the line can still go out.
 */
export const MAX_BODY_WAIT_MS = 60_000;

/**
 * Sets `Fastly-Client-IP` to the client's address, unless the client is a trusted upstream that
 * sent one. `trusted` is asked only when the request carries the header (it may load the
 * configuration). In place: the request is the one served and the one logged.
 */
export function setFirstHopClientIp(request: Request, clientIp: string | undefined, trusted: () => TrustedUpstreams): void {
  const received = request.headers.get(CLIENT_IP_HEADER);
  const value = clientIpHeader(received, clientIp, received === null ? [] : trusted());
  if (value !== undefined && value !== received) request.headers.set(CLIENT_IP_HEADER, value);
}

const CLIENT_IP_HEADER = 'Fastly-Client-IP';

/**
 * Sets `Fastly-Orig-Host` to the Host the client sent, as Fastly's edge does on the first hop, so
 * the origin, the application and the log all see the same host; unless the client is a trusted
 * upstream that sent one (facts/orig-host.ts). `trusted` is asked only when the request carries
 * the header.
 */
export function setFirstHopOrigHost(request: Request, clientIp: string | undefined, trusted: () => TrustedUpstreams): void {
  const received = request.headers.get(ORIG_HOST_HEADER);
  const fromTrusted = received !== null && isTrustedUpstream(clientIp, trusted());
  const value = origHostHeader(received, request.headers.get('host'), request.url, fromTrusted);
  if (value !== undefined && value !== received) request.headers.set(ORIG_HOST_HEADER, value);
}

const ORIG_HOST_HEADER = 'Fastly-Orig-Host';

export function originResponder(fetchBackend: BackendFetch, originBackend: string): Respond {
  const fetchOrigin = (request: Request) => fetchBackend(request, { kind: 'static', name: originBackend });
  return Object.assign(fetchOrigin, { backendName: originBackend });
}

/**
 * Serves the request with `respond`; an origin that cannot be reached becomes a 503 (with no
 * backend: VCL's req.backend.name is empty when no backend answered). `logReadsBodySize` says
 * whether a log line reads the body's byte count; it is asked only for a body without
 * Content-Length, the one case where the answer costs a pump.
 */
export async function serve(request: Request, respond: Respond, nowMs: () => number, logReadsBodySize: () => boolean = () => true): Promise<ProxyResult> {
  let origin: Response;
  try {
    origin = await respond(request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const body = 'origin unreachable\n';
    const response = new Response(body, { status: 503, headers: { 'content-type': 'text/plain' } });
    const respondedMs = nowMs();
    return { response, respondedMs, finished: Promise.resolve({ bodyBytes: body.length, endedMs: respondedMs }), error: message };
  }
  const respondedMs = nowMs();
  const { backendName } = respond;
  if (!origin.body) {
    return { response: origin, origin, respondedMs, backendName, finished: Promise.resolve({ bodyBytes: 0, endedMs: respondedMs }) };
  }
  const declared = declaredBodyBytes(request, origin);
  if (declared !== undefined || !logReadsBodySize()) {
    // Handed back as it came, unless it answers a HEAD: the host would frame that by its empty
    // body and drop the Content-Length the origin sent (Viceroy 0.20.1).
    const response = request.method === 'HEAD' ? reframed(origin, origin.body) : origin;
    return { response, origin, respondedMs, backendName, finished: Promise.resolve({ bodyBytes: declared ?? 0, endedMs: respondedMs }) };
  }
  let done!: (sent: SentBody) => void;
  const finished = new Promise<SentBody>((resolve) => (done = resolve));
  const body = countingBody(origin.body, (bodyBytes, cutShort) => done({ bodyBytes, endedMs: respondedMs, cutShort }));
  const stalled = setTimeout(() => body.stall(), MAX_BODY_WAIT_MS);
  finished.then(() => clearTimeout(stalled));
  return { response: reframed(origin, body.stream), origin, respondedMs, backendName, finished };
}

/**
 * The origin's status and headers around `body`, framed as the origin framed it: without manual
 * framing the host would send a re-streamed body chunked, and a HEAD answer without its
 * Content-Length (verified with Viceroy 0.20.1).
 */
function reframed(origin: Response, body: ReadableStream<Uint8Array> | null): Response {
  return new Response(body, {
    status: origin.status,
    statusText: origin.statusText,
    headers: origin.headers,
    manualFramingHeaders: origin.headers.has('content-length'),
  } as ResponseInit);
}

/**
 * The body's size as the response frames it: its Content-Length, or 0 where HTTP sends no body
 * (HEAD, 1xx, 204, 304). Undefined when only counting can tell (chunked or read to the end).
 */
function declaredBodyBytes(request: Request, response: Response): number | undefined {
  const { status } = response;
  if (request.method === 'HEAD' || status < 200 || status === 204 || status === 304) return 0;
  const length = response.headers.get('content-length');
  return length !== null && /^\d{1,15}$/.test(length) ? Number(length) : undefined;
}

/**
 * The origin's body, passed through chunk by chunk while counting bytes. `onEnd` is called exactly
 * once: when the body ends, when the origin's stream fails (the client's response fails too), when
 * the client cancels, or on `stall()` — so a request is logged however its body ended.
 */
function countingBody(
  source: ReadableStream<Uint8Array>,
  onEnd: (bodyBytes: number, cutShort?: SentBody['cutShort']) => void,
): { stream: ReadableStream<Uint8Array>; stall(): void } {
  const reader = source.getReader();
  let bodyBytes = 0;
  let ended = false;
  const end = (cutShort?: SentBody['cutShort']) => {
    if (ended) return;
    ended = true;
    onEnd(bodyBytes, cutShort);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        end('origin-error');
        controller.error(error);
        return;
      }
      if (chunk.done) {
        controller.close();
        end();
        return;
      }
      bodyBytes += chunk.value.byteLength;
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      end('client-cancel');
      return reader.cancel(reason);
    },
  });
  return { stream, stall: () => end('stalled') };
}
