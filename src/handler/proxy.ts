/**
 * Serving the client: the response comes from the origin (the product's own handler) or from an
 * embedding application's function, and is handed back unchanged (status, headers, streamed
 * body), with a promise that settles once the body has been fully sent, bytes counted on the way,
 * and the moment the response was ready to go out (time.to_first_byte). Before that, the request's
 * Fastly-Client-IP is set as Fastly recommends for the first hop (facts/client-ip.ts), so the
 * origin, the application and the log all see the same client.
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
  /** Settles when the client has received the whole body (or the stream ended early). */
  finished: Promise<SentBody>;
  /** Set when the origin could not be reached. */
  error?: string;
  /** The backend the response came from (VCL req.backend.name); unknown for an application's own handler. */
  backendName?: string;
}

export interface SentBody {
  bodyBytes: number;
  endedMs: number;
  /** Why the body stopped early: the origin's stream failed, the client went away, or it stalled. */
  cutShort?: 'origin-error' | 'client-cancel' | 'stalled';
}

/**
 * Produces the response for a request: the origin fetch (which names its backend, for
 * req.backend.name), or an embedding application's handler.
 */
export type Respond = ((request: Request) => Promise<Response>) & { readonly backendName?: string };

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
 * backend: VCL's req.backend.name is empty when no backend answered).
 */
export async function serve(request: Request, respond: Respond, nowMs: () => number): Promise<ProxyResult> {
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
  let done!: (sent: SentBody) => void;
  const finished = new Promise<SentBody>((resolve) => (done = resolve));
  const body = countingBody(origin.body, (bodyBytes, cutShort) => done({ bodyBytes, endedMs: nowMs(), cutShort }));
  const stalled = setTimeout(() => body.stall(), MAX_BODY_WAIT_MS);
  finished.then(() => clearTimeout(stalled));
  const response = new Response(body.stream, {
    status: origin.status,
    statusText: origin.statusText,
    headers: origin.headers,
    // A re-streamed body would otherwise go out chunked; keep the origin's Content-Length so the
    // client sees the response exactly as the origin framed it (verified with Viceroy 0.20.1).
    manualFramingHeaders: origin.headers.has('content-length'),
  } as ResponseInit);
  return { response, origin, respondedMs, backendName, finished };
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
