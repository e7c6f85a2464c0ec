/**
 * Property test over random formats and random facts, with a seeded PRNG (mulberry32, no extra
 * dependency): compiling either succeeds or throws FormatError; no part of a rendering fails (each
 * failure the render loop would swallow is rethrown through its observer), it never hangs, and never yields a raw newline (LF or CR),
 * whatever the data.
 */
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../../../src/facts/request-facts.js';
import { compileFormat, FormatError, type LogFormat } from '../../../src/format/index.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

const SEED = 0x5eed_2024;
const VALID_FORMATS = 600;
const GARBAGE_FORMATS = 600;
const FACTS_PER_FORMAT = 8;


const random = seededRandom(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

const DIRECTIVES = [
  '%a', '%A', '%b', '%B', '%{session}C', '%D', '%{X}e', '%f', '%h', '%H', '%{User-Agent}i', '%{X-Weird}i',
  '%I', '%k', '%l', '%m', '%{n}n', '%{Content-Type}o', '%O', '%p', '%{local}p', '%P', '%q', '%r', '%s',
  '%>s', '%t', '%{%Y-%m-%dT%H:%M:%S%z}t', '%{end:usec_frac}t', '%{msec}t', '%T', '%{ms}T', '%u', '%U',
  '%v', '%V', '%%', '%R', '%^ti',
];
const STRING_VARS = [
  'req.url', 'req.url.path', 'req.url.qs', 'req.url.ext', 'req.http.User-Agent', 'req.http.X-Weird',
  'req.http.Cookie:a', 'resp.http.Content-Type', 'client.geo.city', 'client.geo.city.utf8', 'fastly_info.state',
  'server.hostname', 'tls.client.protocol', 'req.proto', 'fastly.error', 're.group.1', 'LF', 'req.xid',
];
const OTHER_VARS = [
  'resp.status', 'req.is_ssl', 'time.elapsed', 'time.start', 'client.ip', 'client.geo.latitude',
  'req.bytes_read', 'client.socket.cwnd', 'now', 'time.start.usec_frac',
];
const SAFE_REGEXES = ['^/', '[a-z]+', '(\\\\w+)=(\\\\d*)', '(?i)mozilla', '.', '^(HIT|MISS)$', 'a++', '(?>x|y)z', '\\\\h', ''];
const LITERAL_CHARS = ['a', 'Z', ' ', '"', ':', ',', '{', '[', 'é', '😀', '\n', '\r\n', '\t', '\\', '/'];

function stringLiteral(): string {
  const parts = ['"'];
  const n = int(6);
  for (let i = 0; i < n; i++) parts.push(pick(['a', ' ', 'é', '%22', '%0A', '%u00e9', "'", '\\\\', '/', '😀']));
  parts.push('"');
  return parts.join('');
}

function stringExpr(depth: number): string {
  const choice = depth > 2 ? int(3) : int(10);
  switch (choice) {
    case 0:
    case 1:
      return pick(STRING_VARS);
    case 2:
      return stringLiteral();
    case 3:
      return `json.escape(${stringExpr(depth + 1)})`;
    case 4:
      return `cstr_escape(${stringExpr(depth + 1)})`;
    case 5:
      return `regsub(${stringExpr(depth + 1)}, "${pick(SAFE_REGEXES)}", "<\\\\1>")`;
    case 6:
      return `regsuball(${stringExpr(depth + 1)}, "${pick(SAFE_REGEXES)}", "-")`;
    case 7:
      return `if(${condition(depth + 1)}, ${stringExpr(depth + 1)}, ${anyExpr(depth + 1)})`;
    case 8:
      return `${stringExpr(depth + 1)} + ${anyExpr(depth + 1)}`;
    default:
      return pick([
        `substr(${stringExpr(depth + 1)}, ${int(5) - 2}, ${int(6)})`,
        `urlencode(${stringExpr(depth + 1)})`,
        `urldecode(${stringExpr(depth + 1)})`,
        `std.toupper(${stringExpr(depth + 1)})`,
        `digest.hash_sha256(${stringExpr(depth + 1)})`,
        `strftime(\\{"%a %d %b %Y %T"\\}, time.end)`,
        `time.units("ms", time.start)`,
        `std.itoa(std.strlen(${stringExpr(depth + 1)}), 16)`,
      ]);
  }
}

function condition(depth: number): string {
  return pick([
    () => pick(['req.is_ssl', 'req.is_ipv6', 'req.http.Cookie', 'req.http.X-Missing']),
    () => `${pick(STRING_VARS)} ~ "${pick(SAFE_REGEXES)}"`,
    () => `resp.status ${pick(['==', '!=', '<', '>=', '<='])} ${int(600)}`,
    () => `!${condition(depth + 1)}`,
    () => `(${condition(depth + 1)} && ${condition(depth + 1)})`,
    () => `${condition(depth + 1)} || ${condition(depth + 1)}`,
  ].slice(0, depth > 2 ? 3 : 6))();
}

function anyExpr(depth: number): string {
  return random() < 0.6 ? stringExpr(depth) : pick(OTHER_VARS);
}

function validFormat(): string {
  let out = '';
  const n = 1 + int(8);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.3) out += pick(LITERAL_CHARS);
    else if (r < 0.6) out += pick(DIRECTIVES);
    else out += `%{${anyExpr(0)}}V`;
  }
  return out;
}

const GARBAGE_ALPHABET = ['%', '{', '}', '\\', '"', 'V', 't', 'i', 'a', '>', '(', ')', ',', '~', '!', ' ', 'x', '.', 'é', '%{', '}V', 'if(', 'req.url'];

function garbageFormat(): string {
  let out = '';
  const n = int(20);
  for (let i = 0; i < n; i++) out += pick(GARBAGE_ALPHABET);
  return out;
}

const NASTY_TEXT = ['', 'plain', 'a\nb', 'x\r\ny', 'tab\there', '\u0000\u0001\u007f', '\uDCFF\uDC80', '\uD800', 'é😀', '"\\', '\u2028', '%FF', '}{'];

function randomText(): string {
  let s = '';
  const n = int(4);
  for (let i = 0; i < n; i++) s += pick(NASTY_TEXT);
  return s;
}

function randomFacts(): RequestFacts {
  const start = 1_700_000_000_000_000 + int(1e12);
  const headers: [string, string][] = [];
  for (let i = 0; i < int(5); i++) headers.push([pick(['User-Agent', 'X-Weird', 'Cookie', 'Host', 'Fastly-Client-IP']), randomText()]);
  return {
    timeStartUs: start,
    timeEndUs: start + int(5_000_000),
    method: pick(['GET', 'POST', 'PURGE', randomText()]),
    url: pick(['/', '/a/b.c?d=e', `/${randomText()}`, '/p?', '']),
    proto: pick(['HTTP/1.1', 'HTTP/2', randomText()]),
    isSsl: random() < 0.5,
    isIpv6: random() < 0.2 ? true : undefined,
    requestHeaders: headers,
    status: pick([200, 204, 304, 404, 500, 503]),
    responseReason: random() < 0.5 ? randomText() : undefined,
    responseHeaders: random() < 0.5 ? [['Content-Type', randomText()]] : [],
    responseBodyBytes: int(100_000),
    clientIp: random() < 0.8 ? pick(['203.0.113.7', '2001:db8::1', randomText()]) : undefined,
    geo: random() < 0.7 ? { city: randomText(), latitude: random() * 180 - 90 } : undefined,
    server: { hostname: random() < 0.5 ? randomText() : undefined },
    tls: { protocol: random() < 0.5 ? 'TLSv1.3' : undefined },
    fastlyState: random() < 0.5 ? pick(['HIT', 'MISS', 'PASS', randomText()]) : undefined,
  };
}

function renderAll(format: LogFormat): void {
  for (let i = 0; i < FACTS_PER_FORMAT; i++) {
    const facts = randomFacts();
    const line = format.render(facts, (error, part) => {
      throw new Error(`part ${part} of ${JSON.stringify(format.source)} failed: ${String(error)}`);
    });
    expect(format.render(facts)).toBe(line);
    expect(line).not.toMatch(/[\r\n]/);
  }
}

describe('property: random formats and facts', () => {
  it(`${VALID_FORMATS} generated valid formats compile and render safely`, () => {
    for (let i = 0; i < VALID_FORMATS; i++) {
      const source = validFormat();
      let format: LogFormat;
      try {
        format = compileFormat(source);
      } catch (error) {
        throw new Error(`generated format did not compile: ${JSON.stringify(source)}: ${(error as Error).message}`);
      }
      expect(compileFormat(source)).toBe(format);
      renderAll(format);
    }
  });

  it(`${GARBAGE_FORMATS} random strings either compile or throw FormatError`, () => {
    let compiled = 0;
    for (let i = 0; i < GARBAGE_FORMATS; i++) {
      const source = garbageFormat();
      let format: LogFormat | undefined;
      try {
        format = compileFormat(source);
      } catch (error) {
        if (!(error instanceof FormatError)) {
          throw new Error(`non-FormatError for ${JSON.stringify(source)}: ${String(error)}`);
        }
        expect(error.caret.split('\n')).toHaveLength(2);
        continue;
      }
      compiled++;
      renderAll(format);
    }
    expect(compiled).toBeGreaterThan(0);
  });
});
