/**
 * Format engine throughput: lines/s rendering Fastly's Datadog default format (reference/
 * log-format.md §8.3, 70 fields, 4 strftime, ~30 header lookups), compiled once vs parsed and
 * compiled again for every request, measured in the same run on one core. Then the cost of one
 * line that grows without bound (issue 14 item 3: four nested regsuball over an 8 KB URL),
 * rendered unbounded (as before the bound) and bounded by the default max_record_bytes (1 MiB).
 * And a format with regexes (issue 20): a `~` and two `regsub`s, two of them proven linear on the
 * native engine, one run by RE2 (src/format/regex/), against the same format in earlier builds.
 * Figures are printed, never asserted (targets: compiled ≥10× parse-every-time, ≥200,000 lines/s).
 *
 *   npx tsx bench/format-render.ts      (or npm run bench -- format-render)
 */
import { pathToFileURL } from 'node:url';
import type { RequestFacts } from '../src/facts/request-facts.js';
import { compileFormatUncached } from '../src/format/log-format.js';
import { compileFormat, DATADOG_DEFAULT_FORMAT, KINESIS_DEFAULT_FORMAT } from '../src/format/index.js';

const DISTINCT_REQUESTS = 256;
const ROUNDS = 5;
const ROUND_MS = 400;
const WARMUP_MS = 1000;

/** Distinct requests, shaped as the handler fills them (Compute's Headers yields lower-case names). */
export function requests(): RequestFacts[] {
  const out: RequestFacts[] = [];
  for (let i = 0; i < DISTINCT_REQUESTS; i++) {
    const start = 1_709_647_629_123_456 + i * 1_234_567;
    out.push({
      timeStartUs: start,
      timeEndUs: start + 20_000 + ((i * 7919) % 500_000),
      method: i % 10 === 0 ? 'POST' : 'GET',
      url: `/products/${i}/detail.html?ref=home&utm_source=news&page=${i % 7}`,
      proto: 'HTTP/1.1',
      isSsl: i % 4 !== 0,
      requestHeaders: [
        ['host', 'www.example.com'],
        ['user-agent', `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${100 + (i % 20)}.0 Safari/537.36`],
        ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
        ['accept-language', 'en-GB,en;q=0.9'],
        ['accept-encoding', 'gzip, deflate, br'],
        ['referer', `https://www.example.com/search?q=item+${i}`],
        ['cookie', `session=${i.toString(16)}; theme=dark`],
        ['x-forwarded-for', `198.51.100.${i % 250}`],
        ['connection', 'keep-alive'],
        ['cache-control', 'no-cache'],
      ],
      requestHeaderBytes: 610,
      requestBodyBytes: i % 10 === 0 ? 512 : 0,
      status: i % 50 === 0 ? 404 : 200,
      responseReason: 'OK',
      responseHeaders: [
        ['content-type', 'text/html; charset=utf-8'],
        ['cache-control', 'max-age=60'],
        ['age', String(i % 60)],
        ['last-modified', 'Tue, 05 Mar 2024 12:00:00 GMT'],
      ],
      responseHeaderBytes: 240,
      responseBodyBytes: 10_000 + i,
      clientIp: `203.0.113.${i % 250}`,
      clientPort: 40_000 + i,
      geo: { city: 'London', country_code: 'GB', continent: 'EU', region: 'ENG', conn_speed: 'broadband', as_name: 'example-as', as_number: 64500 },
      server: { hostname: 'cache-lhr6322', datacenter: 'LHR', region: 'EU-West', ip: '151.101.1.57', port: 443, serviceId: 'SU1Z0isxPaozGVKXdv0eY', serviceVersion: '7' },
      tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', servername: 'www.example.com' },
      requestId: `req-${i}`,
      fastlyState: i % 3 === 0 ? 'MISS' : 'HIT',
    });
  }
  return out;
}

/** Lines per second of `renderOne` over the request pool during `ms` milliseconds. */
function linesPerSecond(renderOne: (facts: RequestFacts) => string, pool: RequestFacts[], ms: number): number {
  const deadline = performance.now() + ms;
  const started = performance.now();
  let n = 0;
  let chars = 0;
  while (performance.now() < deadline) {
    for (let k = 0; k < 64; k++) chars += renderOne(pool[(n + k) % pool.length]).length;
    n += 64;
  }
  if (chars < 0) throw new Error('unreachable'); // keeps the result alive
  return n / ((performance.now() - started) / 1000);
}

/**
 * Measures the candidates in the same run: a warm-up each, then ROUNDS interleaved rounds, so a
 * noisy neighbour slows all of them alike. Reports the best round (least disturbed) and the median.
 */
function measure(candidates: Record<string, (facts: RequestFacts) => string>, pool: RequestFacts[]) {
  const rounds: Record<string, number[]> = {};
  for (const [name, render] of Object.entries(candidates)) {
    linesPerSecond(render, pool, WARMUP_MS);
    rounds[name] = [];
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, render] of Object.entries(candidates)) rounds[name].push(linesPerSecond(render, pool, ROUND_MS));
  }
  const summary: Record<string, { best: number; median: number }> = {};
  for (const [name, values] of Object.entries(rounds)) {
    const sorted = [...values].sort((a, b) => a - b);
    summary[name] = { best: sorted[sorted.length - 1], median: sorted[Math.floor(sorted.length / 2)] };
  }
  return summary;
}

/** `~` and regsub on the native engine (anchored / trailing repetition), and a regsub RE2 runs (`\?.*$`). */
export const REGEX_FORMAT =
  '%{if(req.url ~ "^/products/[0-9]+/", "product", "other")}V %{regsub(req.http.User-Agent, "Chrome/([0-9]+)", "\\1")}V %{regsub(req.url, "\\?.*$", "")}V';

const NESTED_REGSUBALL =
  '%{regsuball(regsuball(regsuball(regsuball(req.url, "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa")}V';

/** One render of the runaway line: its time and the characters it returned. */
function runawayLine(facts: RequestFacts, maxChars: number): { ms: number; chars: number } {
  const format = compileFormat(NESTED_REGSUBALL);
  const started = performance.now();
  const chars = format.render(facts, undefined, { maxChars }).length;
  return { ms: Number((performance.now() - started).toFixed(1)), chars };
}

export async function run(): Promise<Record<string, number | string>> {
  const pool = requests();
  const datadog = compileFormat(DATADOG_DEFAULT_FORMAT);
  const kinesis = compileFormat(KINESIS_DEFAULT_FORMAT);
  const regexes = compileFormat(REGEX_FORMAT);
  const m = measure(
    {
      compiled: (f) => datadog.render(f),
      parseEveryTime: (f) => compileFormatUncached(DATADOG_DEFAULT_FORMAT).render(f),
      kinesis: (f) => kinesis.render(f),
      regexes: (f) => regexes.render(f),
    },
    pool,
  );
  const runawayFacts = { ...pool[0], url: `/${'a'.repeat(8191)}` };
  const bounded = runawayLine(runawayFacts, 1024 * 1024);
  // Before the bound; over 8 KB × 10^4 = 82 M characters (in a 128 MB Wasm heap, an OOM kill).
  const unbounded = runawayLine(runawayFacts, Infinity);
  return {
    compiledLinesPerSec: Math.round(m.compiled.best),
    compiledLinesPerSecMedian: Math.round(m.compiled.median),
    parseEveryTimeLinesPerSec: Math.round(m.parseEveryTime.best),
    speedup: Number((m.compiled.best / m.parseEveryTime.best).toFixed(1)),
    speedupMedian: Number((m.compiled.median / m.parseEveryTime.median).toFixed(1)),
    compiledMicrosPerLine: Number((1e6 / m.compiled.best).toFixed(2)),
    datadogLineChars: datadog.render(pool[0]).length,
    kinesisDefaultLinesPerSec: Math.round(m.kinesis.best),
    regexFormatLinesPerSec: Math.round(m.regexes.best),
    regexFormatMicrosPerLine: Number((1e6 / m.regexes.best).toFixed(2)),
    runawayUnboundedMs: unbounded.ms,
    runawayUnboundedChars: unbounded.chars,
    runawayBoundedMs: bounded.ms,
    runawayBoundedChars: bounded.chars,
    rounds: `${ROUNDS} × ${ROUND_MS} ms interleaved after ${WARMUP_MS} ms warm-up; best and median round`,
    node: process.version,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(36)} ${value}`);
}
