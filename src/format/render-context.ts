/**
 * Per-render state: the facts of one request plus lazily built lookups shared by all parts of
 * one line.
 *
 * Owns: case-insensitive header maps, URL splitting, the broken-down-time cache, and the mutable
 * VCL state a line can change while it renders (`fastly.error`, `re.group.*`).
 * Does not own: naming (variables.ts) or formatting (values.ts, time-format.ts).
 *
 * Decisions:
 * - Repeated headers with one name read as their values joined by ", " (RFC 9110 §5.3; Cookie
 *   uses "; "), which is also what Compute's Headers.get() returns to the handler.
 * - `Fastly-Client-IP`: Fastly sets this request header from `client.ip` when a request arrives
 *   without it (https://www.fastly.com/documentation/reference/http/http-headers/Fastly-Client-IP),
 *   so `%a`, `%h`, `%{Fastly-Client-IP}i` and `req.http.Fastly-Client-IP` all read the header
 *   when the client sent one and otherwise `client.ip`. Compute does not add the header itself.
 * - `Host`: Fastly lower-cases the Host header on arrival
 *   (https://www.fastly.com/documentation/reference/http/http-headers/Host), so `%v`, `%V` and
 *   `req.http.Host` read it in lower case here too.
 */
import type { RequestFacts } from '../facts/request-facts.js';
import { breakDownTime, type BrokenTime } from './time-format.js';

export interface UrlParts {
  readonly path: string;
  /** After the first `?`; empty when there is none. */
  readonly qs: string;
  readonly basename: string;
  readonly dirname: string;
  readonly ext: string;
}

export class RenderContext {
  /** VCL `fastly.error`; functions may set it while the line renders. */
  fastlyError: string | null;
  /** Groups of the last successful `~` match (VCL `re.group.N`), JS indices already mapped. */
  reGroups: ReadonlyArray<string | undefined> | null = null;

  private requestHeaderMap: Map<string, string> | undefined;
  private responseHeaderMap: Map<string, string> | undefined;
  private url: UrlParts | undefined;
  private timeKeyA = NaN;
  private timeA: BrokenTime | undefined;
  private timeKeyB = NaN;
  private timeB: BrokenTime | undefined;

  constructor(readonly facts: RequestFacts) {
    this.fastlyError = facts.fastlyError ?? null;
  }

  /** Request header by lower-case name, or null when absent. */
  requestHeader(lowerName: string): string | null {
    let map = this.requestHeaderMap;
    if (!map) {
      map = buildHeaderMap(this.facts.requestHeaders);
      const hostHeader = map.get('host');
      if (hostHeader !== undefined) map.set('host', hostHeader.toLowerCase());
      const ip = this.facts.clientIp;
      if (ip !== undefined && !map.has('fastly-client-ip')) map.set('fastly-client-ip', ip);
      this.requestHeaderMap = map;
    }
    return map.get(lowerName) ?? null;
  }

  /** Response header by lower-case name, or null when absent. */
  responseHeader(lowerName: string): string | null {
    let map = this.responseHeaderMap;
    if (!map) {
      map = buildHeaderMap(this.facts.responseHeaders);
      this.responseHeaderMap = map;
    }
    return map.get(lowerName) ?? null;
  }

  urlParts(): UrlParts {
    return (this.url ??= splitUrl(this.facts.url));
  }

  /** Broken-down GMT time, cached for the two times a line typically formats (start, end). */
  brokenTime(us: number): BrokenTime {
    if (us === this.timeKeyA && this.timeA) return this.timeA;
    if (us === this.timeKeyB && this.timeB) return this.timeB;
    const tm = breakDownTime(us);
    this.timeKeyB = this.timeKeyA;
    this.timeB = this.timeA;
    this.timeKeyA = us;
    this.timeA = tm;
    return tm;
  }
}

function buildHeaderMap(headers: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const prior = map.get(key);
    map.set(key, prior === undefined ? value : `${prior}${key === 'cookie' ? '; ' : ', '}${value}`);
  }
  return map;
}

export function splitUrl(url: string): UrlParts {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const qs = q < 0 ? '' : url.slice(q + 1);
  const slash = path.lastIndexOf('/');
  const basename = path.slice(slash + 1);
  const dirname = slash < 0 ? '.' : slash === 0 ? '/' : path.slice(0, slash);
  const dot = basename.lastIndexOf('.');
  const ext = dot < 0 ? '' : basename.slice(dot + 1);
  return { path, qs, basename, dirname, ext };
}

/**
 * VCL header subfield (`req.http.Cache-Control:max-age`, `req.http.Cookie:id`): the value of
 * `key=value` in a list separated by `,` or `;` (Cookie: `;` only, as cookie values may contain
 * commas). A bare key yields the empty string; an absent key yields null (not set). Keys match
 * exactly; a value in double quotes is returned without them.
 */
export function headerSubfield(header: string | null, key: string, isCookie: boolean): string | null {
  if (header === null) return null;
  const items = isCookie ? header.split(';') : header.split(/[,;]/);
  for (const raw of items) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim();
    if (name !== key) continue;
    if (eq < 0) return '';
    const value = item.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return null;
}
