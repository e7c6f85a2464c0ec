/**
 * Which host the client asked for: `Fastly-Orig-Host` on the first hop.
 *
 * Owns: the rule `origHostHeader`, the value a request's `Fastly-Orig-Host` must have.
 * Does not own: who is a trusted upstream (client-ip.ts) or changing the request (handler/proxy.ts).
 *
 * Fastly's edge keeps the Host the client sent, before the service changes it (an override host,
 * a rewrite for a bucket), in `Fastly-Orig-Host`, so that a later hop (a shield, the origin) and
 * the log still know it; `fastly_info.host_header` is the same value inside the first hop. Fastly's
 * Kinesis default format logs it as `host` (reference/log-format.md §8.2). Compute sets no such
 * header, so without this every record's `host` would be `(null)`. A Compute edge is the first hop
 * of its service, so the app sets it there as Fastly's edge does; a `Fastly-Orig-Host` the client
 * sent is replaced (it would let any client choose the logged host), unless the client is a
 * trusted upstream (`trusted_upstreams`: a Fastly service or proxy in front, which set it itself).
 */

/**
 * The `Fastly-Orig-Host` the request must carry: the one received from a trusted upstream, else
 * the Host the client sent (`host`, else the authority of the request URL); undefined when there
 * is none (leave the request as it is).
 */
export function origHostHeader(received: string | null, host: string | null, url: string, fromTrustedUpstream: boolean): string | undefined {
  if (received !== null && fromTrustedUpstream) return received;
  if (host) return host;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}
