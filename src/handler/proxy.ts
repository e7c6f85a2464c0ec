/**
 * Forwards the client's request to the origin backend and hands back the origin's response
 * unchanged (status, headers, streamed body), plus a promise that settles when the body has been
 * fully sent, with the bytes counted on the way.
 */
import type { BackendFetch } from '../platform/types.js';

export interface ProxyResult {
  response: Response;
  /** The origin's response as received (for cache state and headers). */
  origin?: Response;
  /** Settles when the client has received the whole body (or the stream ended early). */
  finished: Promise<SentBody>;
  /** Set when the origin could not be reached. */
  error?: string;
}

export interface SentBody {
  bodyBytes: number;
  endedMs: number;
}

/** Longest we wait for the body to drain before logging anyway (a stalled client). */
export const MAX_BODY_WAIT_MS = 100_000;

export async function proxyToOrigin(
  request: Request,
  fetchBackend: BackendFetch,
  originBackend: string,
  nowMs: () => number,
): Promise<ProxyResult> {
  let origin: Response;
  try {
    origin = await fetchBackend(request, { kind: 'static', name: originBackend });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const body = 'origin unreachable\n';
    const response = new Response(body, { status: 503, headers: { 'content-type': 'text/plain' } });
    return { response, finished: Promise.resolve({ bodyBytes: body.length, endedMs: nowMs() }), error: message };
  }
  if (!origin.body) {
    return { response: origin, origin, finished: Promise.resolve({ bodyBytes: 0, endedMs: nowMs() }) };
  }
  let bodyBytes = 0;
  let done!: (sent: SentBody) => void;
  const finished = new Promise<SentBody>((resolve) => (done = resolve));
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bodyBytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush() {
      done({ bodyBytes, endedMs: nowMs() });
    },
  });
  const stalled = setTimeout(() => done({ bodyBytes, endedMs: nowMs() }), MAX_BODY_WAIT_MS);
  finished.then(() => clearTimeout(stalled));
  const response = new Response(origin.body.pipeThrough(counter), {
    status: origin.status,
    statusText: origin.statusText,
    headers: origin.headers,
    // A re-streamed body would otherwise go out chunked; keep the origin's Content-Length so the
    // client sees the response exactly as the origin framed it (verified with Viceroy 0.20.1).
    manualFramingHeaders: origin.headers.has('content-length'),
  } as ResponseInit);
  return { response, origin, finished };
}
