/**
 * Property test (seeded): whatever headers a client sends, every default JSON format renders a
 * line that parses as JSON and has exactly the fields of a harmless request: no header value can
 * forge a field or break the record (json-template.ts). The same through the Wasm in Viceroy is
 * test/e2e/hostile-headers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson } from '../../../src/format/facts-from-vcl.js';
import {
  BIGQUERY_EXAMPLE_FORMAT,
  compileFormat,
  DATADOG_DEFAULT_FORMAT,
  FASTLY_UI_JSON_FORMAT,
  KINESIS_DEFAULT_FORMAT,
} from '../../../src/format/index.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

const REQUESTS_PER_FORMAT = 400;
const random = seededRandom(0x6057_11e);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

/** Every header a default format reads, and a few it does not. */
const HEADERS = [
  'Fastly-Client-IP', 'Fastly-Orig-Host', 'Host', 'User-Agent', 'Referer', 'Accept', 'Accept-Language',
  'Accept-Charset', 'Accept-Encoding', 'Connection', 'DNT', 'Forwarded', 'Via', 'Cache-Control',
  'X-Requested-With', 'X-ATT-Device-Id', 'X-Forwarded-For', 'Cookie', 'X-Dir',
];
const RESPONSE_HEADERS = ['Content-Type', 'Age', 'Cache-Control', 'Expires', 'Last-Modified', 'TSV'];
const PIECES = [
  '"', '\\', '\\"', '","x":"', '"}', '}', '{', ']', ',', ':', '\\u00', '\\u0041', '\\n', '\\q', '\t', '\u0001',
  '\u001f', '\u007f', '\uDCFF', '\uDC80', 'é', '😀', '\u2028', 'a', '1.2.3.4', ' ', 'null', 'true', '%22', '%{x}V',
  'u0041', 'u00', 'x', '0',
];

/**
 * A lone `\` of the template just before a directive inside a string escapes the value's first
 * character: a raw header, json.escape output, a number, a header that is absent, a constant.
 */
const BACKSLASH_FORMAT =
  '{"path":"C:\\%{req.http.X-Dir}V","ua":"\\%{User-Agent}i","ref":"\\%{json.escape(req.http.Referer)}V",' +
  '"n":"\\%{resp.status}V","none":"\\%{req.http.X-Absent}V","c":"\\%{"q"}V","x":"%{Via}i\\%{Accept}i"}';

function hostileValue(): string {
  let value = '';
  const n = 1 + int(8);
  for (let i = 0; i < n; i++) value += pick(PIECES);
  return value;
}

function hostileFacts(): Record<string, string> {
  const facts: Record<string, string> = { 'req.url': `/${hostileValue()}`, 'resp.response': hostileValue() };
  for (const name of HEADERS) if (random() < 0.8) facts[`req.http.${name}`] = hostileValue();
  for (const name of RESPONSE_HEADERS) if (random() < 0.8) facts[`resp.http.${name}`] = hostileValue();
  return facts;
}

/** Every key path of a parsed JSON value (`a`, `a.b`, …). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => [`${prefix}${key}`, ...keyPaths(v, `${prefix}${key}.`)]);
}

describe.each([
  ['Kinesis default', KINESIS_DEFAULT_FORMAT],
  ['Datadog default', DATADOG_DEFAULT_FORMAT],
  ['BigQuery example', BIGQUERY_EXAMPLE_FORMAT],
  ['Fastly UI JSON', FASTLY_UI_JSON_FORMAT],
  ['lone backslashes before directives', BACKSLASH_FORMAT],
])('%s', (_name, source) => {
  const format = compileFormat(source);
  const harmless = keyPaths(JSON.parse(format.render(factsFromVclJson({ 'req.http.User-Agent': 'curl/8.4.0' })))).sort();

  it(`is valid JSON with the same fields for ${REQUESTS_PER_FORMAT} hostile requests`, () => {
    expect(harmless.length).toBeGreaterThan(5);
    for (let i = 0; i < REQUESTS_PER_FORMAT; i++) {
      const facts = hostileFacts();
      const line = format.render(factsFromVclJson(facts));
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        throw new Error(`not JSON for ${JSON.stringify(facts)}:\n${line}\n${error}`);
      }
      expect(keyPaths(parsed).sort()).toEqual(harmless);
    }
  });

  it('keeps a forged Fastly-Client-IP and Fastly-Orig-Host inside their fields', () => {
    const line = format.render(
      factsFromVclJson({ 'req.http.Fastly-Client-IP': '1.2.3.4","is_tls":"false","x":"', 'req.http.Fastly-Orig-Host': 'h"} ' }),
    );
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(keyPaths(parsed).sort()).toEqual(harmless);
    if ('client_ip' in parsed) expect(parsed.client_ip).toBe('1.2.3.4","is_tls":"false","x":"');
    if ('host' in parsed) expect(parsed.host).toBe('h"} ');
  });
});

/**
 * The repair is skipped for parts whose text cannot need it (numbers, times, json.escape); these
 * are the cases where that judgement could be wrong, each of which would break the line if it were.
 */
describe('parts inside a JSON string that the repair may skip, and those it may not', () => {
  const facts = factsFromVclJson({ 'req.http.User-Agent': 'a"b\\c\u0001', 'req.http.X-N': '12"}', 'time.start': '1709647629' });
  const render = (source: string) => JSON.parse(compileFormat(source).render(facts)) as Record<string, unknown>;

  it('repairs a strftime pattern that prints a quote, a backslash, a tab or a newline', () => {
    expect(render('{"t":"%{begin:%Y"%m}t"}').t).toBe('2024"03');
    expect(render('{"t":"%{begin:%Y\\\\%m}t"}').t).toBe('2024\\03');
    expect(render('{"t":"%{begin:%Y%t%m%n}t"}').t).toBe('2024\t03\n');
  });

  it('leaves json.escape output as it is (no second escaping), and repairs raw text', () => {
    expect(render('{"ua":"%{json.escape(req.http.User-Agent)}V"}').ua).toBe('a"b\\c\u0001');
    expect(render('{"ua":"%{User-Agent}i","n":"%{req.http.X-N}V"}')).toEqual({ ua: 'a"b\\c\u0001', n: '12"}' });
  });

  it('keeps numbers and times of the expression language as they print', () => {
    expect(render('{"n":"%{std.atoi(req.http.X-N)}V","s":"%{time.start.sec}V","b":"%{req.is_ssl}V"}')).toEqual({ n: '12', s: '1709647629', b: '0' });
  });
});

describe('a lone backslash of the template just before a directive inside a JSON string', () => {
  const render = (source: string, headers: Record<string, string>) => compileFormat(source).render(factsFromVclJson(headers));

  it("cannot let a value end the string, and keeps Fastly's line where that line is JSON", () => {
    const source = '{"path":"C:\\%{req.http.X-Dir}V"}';
    expect(render(source, { 'req.http.X-Dir': '"abc' })).toBe('{"path":"C:\\"abc"}');
    expect(JSON.parse(render(source, { 'req.http.X-Dir': '\\"},"x":"' }))).toEqual({ path: 'C:\\"},"x":"' });
    expect(JSON.parse(render(source, { 'req.http.X-Dir': 'dir' }))).toEqual({ path: 'C:\\dir' });
    expect(JSON.parse(render(source, { 'req.http.X-Dir': 'u00e9' }))).toEqual({ path: 'C:é' });
    expect(JSON.parse(render(source, {}))).toEqual({ path: 'C:\\(null)' });
  });

  it('repairs json.escape output, numbers and constants after it, which the repair otherwise skips', () => {
    const line = render('{"a":"\\%{json.escape(req.http.X)}V","n":"\\%{resp.status}V","c":"\\%{"%22"}V"}', { 'req.http.X': '"},"x":"' });
    expect(JSON.parse(line)).toEqual({ a: '\\"},"x":"', n: '\\200', c: '"' });
  });
});
