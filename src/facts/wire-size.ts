/**
 * Header-size estimates for requests and responses whose producer could not count bytes.
 *
 * Owns: the HTTP/1.1 wire size of a request line or status line plus header block, used for
 * `req.header_bytes_read` / `resp.header_bytes_written` (and so `%I`, `%O`) when RequestFacts
 * leaves `requestHeaderBytes` / `responseHeaderBytes` unset. Compute exposes headers, not the
 * bytes they arrived in, so this is an estimate: exact for HTTP/1.1 without folding, an upper
 * bound for HTTP/2 and HTTP/3 (HPACK/QPACK compress headers).
 */
import { utf8ByteLength } from './byte-string.js';
import type { RequestFacts } from './request-facts.js';

const CRLF_BYTES = 2;
const COLON_SPACE_BYTES = 2;

function headerBlockBytes(headers: ReadonlyArray<readonly [string, string]>): number {
  let n = CRLF_BYTES; // blank line ending the block
  for (const [name, value] of headers) {
    n += utf8ByteLength(name) + COLON_SPACE_BYTES + utf8ByteLength(value) + CRLF_BYTES;
  }
  return n;
}

/** `METHOD SP url SP proto CRLF` + headers + CRLF. */
export function estimateRequestHeaderBytes(facts: RequestFacts): number {
  return (
    utf8ByteLength(facts.method) + 1 + utf8ByteLength(facts.url) + 1 + utf8ByteLength(facts.proto) +
    CRLF_BYTES + headerBlockBytes(facts.requestHeaders)
  );
}

/** `proto SP status SP reason CRLF` + headers + CRLF. */
export function estimateResponseHeaderBytes(facts: RequestFacts): number {
  const reason = facts.responseReason ?? '';
  return (
    utf8ByteLength(facts.proto) + 1 + String(facts.status).length + 1 + utf8ByteLength(reason) +
    CRLF_BYTES + headerBlockBytes(facts.responseHeaders)
  );
}
