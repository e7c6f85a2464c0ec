/**
 * Two or more compiled programs side by side, for judging a change to logging's CPU on a noisy
 * machine: `npx tsx bench/compare-builds.ts before.wasm after.wasm [more.wasm …]`.
 *
 * Each program runs in its own Viceroy with this repo's fastly.toml (timing and phase lines on),
 * against one kinesalite and the demo origin; requests go to the programs in turn, one at a time,
 * so drift of the machine falls on all of them alike. Printed per program: logging's vCPU per
 * logged request (the timing line: every request, reused sandboxes, a sandbox's first request),
 * the median of each phase in reused sandboxes and in first requests, and the render-cost of its
 * line. Not part of `npm run bench`: it compares builds you made (e.g. a worktree of the commit
 * before, built with `npm run build`), it does not measure the product against a naive path.
 */
import { createStream, startLocalKinesis } from '../src/testing/local-kinesis.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { parsePhaseLine, parseTimingLine } from '../test/support/timing-lines.js';
import { setConfigItem, startViceroy, type ViceroyApp } from '../test/support/viceroy.js';

const REQUESTS = Number(process.env.BENCH_COMPARE_REQUESTS ?? 150);
const WARMUP = 10;
const RENDERS = 3_000;

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(wasms: string[]): Promise<void> {
  if (wasms.length < 2) throw new Error('usage: npx tsx bench/compare-builds.ts before.wasm after.wasm [more.wasm …]');
  const kinesis = await startLocalKinesis();
  const origin = await startDemoOrigin();
  const apps: ViceroyApp[] = [];
  try {
    await createStream(kinesis.url, 'compute-logs', 4);
    const measured = (toml: string) => setConfigItem(setConfigItem(toml, 'phase_log_endpoint', 'phases'), 'timing_log_endpoint', 'timing');
    // Started one at a time: each Viceroy compiles its Wasm first.
    for (const wasm of wasms) apps.push(await startViceroy({ wasm, ports: { origin: origin.port, kinesis: kinesis.port }, editManifest: measured }));
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      for (const app of apps) await (await app.fetch(`/compare/${i}?q=${i}`, { headers: { 'user-agent': 'compare-builds/1.0', referer: 'https://example.com/' } })).arrayBuffer();
    }
    const deadline = Date.now() + 30_000;
    while (apps.some((app) => app.logLines('timing').length < WARMUP + REQUESTS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    for (const [i, app] of apps.entries()) {
      const timing = app.logLines('timing').slice(WARMUP).map(parseTimingLine);
      const phaseLines = app.logLines('phases').slice(WARMUP).map(parsePhaseLine);
      const reused = phaseLines.filter((p) => p.request > 1);
      const first = phaseLines.filter((p) => p.request === 1);
      const phases = Object.keys(reused[0]?.phases ?? {}).filter((name) => name !== 'wait');
      const answer = await app.fetch(`/_kinesis_logger/render-cost?n=${RENDERS}`, { headers: { authorization: 'Bearer local-admin-token' } });
      const renderCost = ((await answer.json()) as { endpoints: { main: { vCpuMicrosPerLine: number } } }).endpoints.main.vCpuMicrosPerLine;
      const vcpu = (lines: typeof timing) => mean(lines.map((t) => t.vCpuMs)).toFixed(2);
      console.log(`${wasms[i]}`);
      console.log(
        `  logging vCPU ms per logged request: all ${vcpu(timing)}, reused ${vcpu(timing.filter((t) => t.request > 1))}, ` +
          `first in sandbox ${vcpu(timing.filter((t) => t.request === 1))} (${timing.filter((t) => t.request === 1).length} of ${timing.length}); render-cost ${renderCost} µs/line`,
      );
      console.log(`  reused sandboxes, median µs by phase: ${phases.map((name) => `${name}=${median(reused.map((p) => p.phases[name]))}`).join(' ')}`);
      console.log(`  first requests, median µs by phase: ${phases.map((name) => `${name}=${median(first.map((p) => p.phases[name]))}`).join(' ')}`);
    }
  } finally {
    for (const app of apps) await app.shutdown();
    await origin.stop();
    await kinesis.stop();
  }
}

await main(process.argv.slice(2));
