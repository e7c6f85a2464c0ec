/**
 * The request path, top to bottom: proxy to the origin → hand the response to the client →
 * (in waitUntil, after the body is sent) render and deliver the log lines.
 */
import type { Platform } from '../platform/types.js';
import { handleAdmin, isAdminRequest } from './admin.js';
import type { Exchange } from './collect-facts.js';
import { logExchange } from './log-exchange.js';
import { proxyToOrigin } from './proxy.js';

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

export function handleRequest(event: FetchEventLike, platform: Platform): Promise<Response> {
  // The admin path is answered here, never proxied and never logged (handler/admin.ts).
  if (isAdminRequest(event.request)) return handleAdmin(event.request, platform);
  const startMs = platform.nowMs();
  const proxied = proxyToOrigin(event.request, platform.fetch, ORIGIN_BACKEND, platform.nowMs);

  event.waitUntil(
    proxied
      .then(async (proxy) => {
        const sent = await proxy.finished;
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
        };
        await logExchange(exchange, platform);
      })
      .catch((error) => {
        // Last resort: logging must never fail the request, but must not fail silently either.
        console.error(`compute-kinesis-logger: logging failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
      }),
  );

  return proxied.then((proxy) => proxy.response);
}
