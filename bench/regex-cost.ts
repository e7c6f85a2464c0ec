/**
 * What regular expressions cost inside the compiled Wasm, in Viceroy (issue 20), from the app's
 * own render-cost endpoint (`/_kinesis_logger/render-cost`, vCPU per rendered line), with endpoints
 * of placement none whose formats hold one use of a regex each:
 *
 *   - a typical format: a `~` on the URL and a `regsub` on the User-Agent, both patterns the
 *     native engine is proven to run in linear time (regex/native.ts): the before/after figure;
 *   - RE2: `~` and `regsub` with `(\w+)@(\w+)\.com` (not proven) over a header of 64 and 256
 *     characters that does not match (the DFA's full scan) and that matches at its end (regsub then
 *     also finds groups: over the pattern's work cap it gives up instead);
 *   - the backtracking engine: `^((a)\2*)+$` (a back-reference nested in repetitions, the worst
 *     known shape) over `a…a!` of growing length, which is what BACKTRACKING_SUBJECT_MAX_CHARS is
 *     set from. Run against a build without the cap (BENCH_REGEX_WASM=<older bin/main.wasm>) to see
 *     the growth past it; with the cap, subjects over it cost nothing.
 *
 * Requires `npm run build` first (or BENCH_REGEX_WASM). Figures are printed, never asserted.
 */
import { pathToFileURL } from 'node:url';
import { startLocalKinesis } from '../src/testing/local-kinesis.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { setConfigItem, startViceroy, WASM_PATH, type ViceroyApp } from '../test/support/viceroy.js';

const WASM = process.env.BENCH_REGEX_WASM ?? WASM_PATH;
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
/** Enough renders that the vCPU counter (whole ms) measures at least this much per endpoint. */
const MIN_MEASURED_MS = 100;
const BACKREF_LENGTHS = [10, 12, 14, 16, 18, 20];

const FORMATS: Record<string, string> = {
  typical: '%{if(req.url ~ "\\.(js|css|png|jpg)(\\?|$)", "static", "page")}V %{regsub(req.http.User-Agent, "^Mozilla/([0-9.]+) .*$", "\\1")}V',
  tilde: '%{if(req.http.X ~ "(\\w+)@(\\w+)\\.com", "y", "n")}V',
  regsub: '%{regsub(req.http.X, "(\\w+)@(\\w+)\\.com", "[\\1]")}V',
  backref: '%{if(req.http.X ~ "^((a)\\2*)+$", "y", "n")}V',
  empty: 'x',
};

function manifest(toml: string): string {
  let out = setConfigItem(toml, 'endpoints', Object.keys(FORMATS).join(','));
  for (const [name, format] of Object.entries(FORMATS)) {
    for (const [key, value] of Object.entries({ stream_name: 'bench', region: 'us-east-1', placement: 'none', format })) out = setConfigItem(out, `${name}.${key}`, value);
  }
  return out;
}

type Costs = Record<string, { vCpuMs: number; renders: number }>;

async function renderCost(app: ViceroyApp, n: number, headers: Record<string, string>): Promise<Costs> {
  const cost = await app.fetch(`/_kinesis_logger/render-cost?n=${n}`, { headers: { ...headers, authorization: 'Bearer local-admin-token' } });
  const { endpoints } = (await cost.json()) as { endpoints: Record<string, { vCpuMs: number; renders: number }> };
  return endpoints;
}

/** µs per render of each endpoint, with renders added until each one measured MIN_MEASURED_MS (or 100,000 renders). */
async function microsPerRender(app: ViceroyApp, headers: Record<string, string>, endpoints: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let n = 10;
  while (endpoints.some((e) => out[e] === undefined)) {
    const costs = await renderCost(app, n, headers);
    for (const e of endpoints) {
      if (out[e] === undefined && (costs[e].vCpuMs >= MIN_MEASURED_MS || n >= 100_000)) out[e] = (costs[e].vCpuMs * 1000) / costs[e].renders;
    }
    const slowest = Math.max(...endpoints.filter((e) => out[e] === undefined).map((e) => costs[e].vCpuMs), 1);
    n = Math.min(100_000, Math.ceil(n * Math.min(50, (MIN_MEASURED_MS * 1.5) / slowest)));
  }
  return out;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export async function run(): Promise<Record<string, number | string>> {
  const kinesis = await startLocalKinesis();
  const origin = await startDemoOrigin();
  const app = await startViceroy({ wasm: WASM, ports: { origin: origin.port, kinesis: kinesis.port }, editManifest: manifest });
  try {
    const figures: Record<string, number | string> = { wasm: WASM };
    const base = { 'User-Agent': UA };
    const typical = await microsPerRender(app, { ...base, X: 'x' }, ['typical', 'empty']);
    figures.typicalMicrosPerLine = round(typical.typical);
    figures.emptyFormatMicrosPerLine = round(typical.empty);
    for (const length of [64, 256]) {
      const miss = await microsPerRender(app, { ...base, X: 'x'.repeat(length) }, ['tilde', 'regsub']);
      const hit = await microsPerRender(app, { ...base, X: `${'x'.repeat(length - 9)} a@b.com/` }, ['tilde', 'regsub']);
      for (const [name, value] of Object.entries({ tildeMiss: miss.tilde, regsubMiss: miss.regsub, tildeHit: hit.tilde, regsubHit: hit.regsub })) {
        figures[`${name}${length}.microsPerLine`] = round(value);
        figures[`${name}${length}.nanosPerChar`] = round(((value - typical.empty) * 1000) / length, 0);
      }
    }
    for (const length of BACKREF_LENGTHS) {
      const cost = await microsPerRender(app, { ...base, X: `${'a'.repeat(length)}!` }, ['backref']);
      figures[`backref${length + 1}Chars.microsPerLine`] = round(cost.backref, 1);
    }
    return figures;
  } finally {
    await app.shutdown();
    await origin.stop();
    await kinesis.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(40)} ${value}`);
}
