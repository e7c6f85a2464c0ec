/**
 * Per-render state: the facts of one request plus lazily built lookups shared by all parts of
 * one line.
 *
 * Owns: case-insensitive header lookup (header slots, below), URL splitting, the broken-down-time
 * cache, the mutable VCL state a line can change while it renders (`fastly.error`,
 * `re.group.*`), and the render's inputs beyond the facts (RenderOptions): the length bound,
 * the random source, the table lookup.
 * Does not own: naming (variables.ts) or formatting (values.ts, time-format.ts).
 *
 * The length bound: no string built while a line renders may be longer than `maxChars` (the
 * endpoint's max_record_bytes; a UTF-16 unit is at least one UTF-8 byte, so a string over
 * `maxChars` units is over that many bytes). Strings are checked where they are consumed (a
 * function argument, a concatenation, the line; coercion.ts) and, inside functions whose output
 * can outgrow their input many times over (regsuball, std.strrep, …), while they grow. Past the
 * bound `bound` throws LineLimitExceeded and the render stops (log-format.ts), so nested
 * `regsuball`s over an 8 KB URL cost O(limit), not the tens of millions of characters they
 * would build (117 M in issue 14's case).
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

/** The Kinesis default record size (max_record_bytes), the bound when the caller names none. */
export const DEFAULT_MAX_CHARS = 1024 * 1024;

/** `n` random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

/**
 * Reads table `table` (a VCL table / edge dictionary; tables.ts): the value of `key`, null when
 * the table has no such key, undefined when the table cannot be read.
 */
export type TableLookup = (table: string, key: string) => string | null | undefined;

export interface RenderOptions {
  /** The longest string a render may build (default DEFAULT_MAX_CHARS); see the module comment. */
  readonly maxChars?: number;
  /** Where randomstr, randomint, uuid.version4 … take their randomness (default: crypto.getRandomValues). */
  readonly randomBytes?: RandomBytes;
  /** How table.lookup and friends read tables; without it every table reads as unavailable. */
  readonly tables?: TableLookup;
}

/** A string built while rendering grew past `maxChars`: the render stops (log-format.ts). */
export class LineLimitExceeded extends Error {
  constructor(
    readonly maxChars: number,
    /** The string that was too long (at least maxChars + 1 characters). */
    readonly partial: string,
  ) {
    super(`a value grew past ${maxChars} characters while the line rendered`);
    this.name = 'LineLimitExceeded';
  }
}

const cryptoRandomBytes: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

export class RenderContext {
  /** VCL `fastly.error`; functions may set it while the line renders. */
  fastlyError: string | null;
  readonly maxChars: number;
  readonly randomBytes: RandomBytes;
  private readonly tables: TableLookup | undefined;
  /** The groups of the last successful `~` match (VCL `re.group.N`), extracted only if read. */
  private matchGroups: (() => ReadonlyArray<string | undefined> | null) | null = null;
  private groups: ReadonlyArray<string | undefined> | undefined;

  private requestValues: Array<string | null> | undefined;
  private responseValues: Array<string | null> | undefined;
  private url: UrlParts | undefined;
  private timeKeyA = NaN;
  private timeA: BrokenTime | undefined;
  private timeKeyB = NaN;
  private timeB: BrokenTime | undefined;

  constructor(
    readonly facts: RequestFacts,
    options: RenderOptions = {},
  ) {
    this.fastlyError = facts.fastlyError ?? null;
    this.maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
    this.tables = options.tables;
  }

  /** `s`, unless it is longer than maxChars: then the render stops (LineLimitExceeded). */
  bound(s: string): string {
    if (s.length > this.maxChars) throw new LineLimitExceeded(this.maxChars, s);
    return s;
  }

  /** Table lookup (undefined: the table cannot be read; see TableLookup). */
  table(table: string, key: string): string | null | undefined {
    return this.tables?.(table, key);
  }

  /** Request header in slot `slot` (see headerSlot), or null when absent. */
  requestHeaderAt(slot: number): string | null {
    let values = this.requestValues;
    if (values === undefined || slot >= values.length) values = this.requestValues = fillSlots(this.facts.requestHeaders);
    const value = values[slot];
    if (value === null) return slot === FASTLY_CLIENT_IP_SLOT ? (this.facts.clientIp ?? null) : null;
    return slot === HOST_SLOT ? value.toLowerCase() : value;
  }

  /** Response header in slot `slot` (see headerSlot), or null when absent. */
  responseHeaderAt(slot: number): string | null {
    let values = this.responseValues;
    if (values === undefined || slot >= values.length) values = this.responseValues = fillSlots(this.facts.responseHeaders);
    return values[slot];
  }

  /**
   * Request header by name, for names known only while rendering (header.get): a name a format
   * compiled gets its slot's value, any other is looked up without taking a slot, so client
   * data never grows the slot table.
   */
  requestHeader(name: string): string | null {
    const lower = name.toLowerCase();
    const slot = slotOf.get(lower);
    return slot !== undefined ? this.requestHeaderAt(slot) : joinedValue(this.facts.requestHeaders, lower);
  }

  /** Response header by name; see requestHeader. */
  responseHeader(name: string): string | null {
    const lower = name.toLowerCase();
    const slot = slotOf.get(lower);
    return slot !== undefined ? this.responseHeaderAt(slot) : joinedValue(this.facts.responseHeaders, lower);
  }

  /**
   * Records a successful `~` match (VCL sets re.group.* then): `groups` extracts its groups, called
   * only if a format reads one. A function, so this module needs nothing from the regex engines.
   */
  recordMatch(groups: () => ReadonlyArray<string | undefined> | null): void {
    this.matchGroups = groups;
    this.groups = undefined;
  }

  /** VCL `re.group.N` of the last successful match, or null (not set). */
  reGroup(n: number): string | null {
    if (this.matchGroups === null) return null;
    this.groups ??= this.matchGroups() ?? [];
    return this.groups[n] ?? null;
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

/**
 * Header slots: every header name a compiled format or condition reads gets a slot number when
 * it is compiled (module-wide, so all formats of the instance share them). The first header read
 * of a render files the request's headers into an array by slot in one pass; every read after
 * that is an array index. This beats both a per-request lower-cased Map and scanning the list
 * per read, for the 10–20 headers of a request and the 5–30 reads of a format.
 */
const slotOf = new Map<string, number>();
const slotNames: string[] = [];

/** The slot of a lower-case header name, registering it if new. Call at compile time. */
export function headerSlot(lowerName: string): number {
  let slot = slotOf.get(lowerName);
  if (slot === undefined) {
    slot = slotNames.length;
    slotOf.set(lowerName, slot);
    slotNames.push(lowerName);
  }
  return slot;
}

const FASTLY_CLIENT_IP_SLOT = headerSlot('fastly-client-ip');
const HOST_SLOT = headerSlot('host');
const COOKIE_SLOT = headerSlot('cookie');

function fillSlots(headers: ReadonlyArray<readonly [string, string]>): Array<string | null> {
  const values = new Array<string | null>(slotNames.length).fill(null);
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i][0];
    // Compute's Headers yields lower-case names, so the first lookup usually decides.
    const slot = slotOf.get(name) ?? slotOf.get(name.toLowerCase());
    if (slot === undefined) continue;
    const prior = values[slot];
    const value = headers[i][1];
    values[slot] = prior === null ? value : `${prior}${slot === COOKIE_SLOT ? '; ' : ', '}${value}`;
  }
  return values;
}

/** The values of every header named `lowerName`, joined as fillSlots joins them; null when absent. */
function joinedValue(headers: ReadonlyArray<readonly [string, string]>, lowerName: string): string | null {
  let out: string | null = null;
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== lowerName) continue;
    out = out === null ? value : `${out}${lowerName === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
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
