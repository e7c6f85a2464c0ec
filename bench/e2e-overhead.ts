/**
 * The compiled Wasm in Viceroy: what logging costs the client, and what it costs in Kinesis calls.
 *
 * Two Viceroy instances run the same bin/main.wasm against the same demo origin; in one the
 * endpoint's placement is `format_version_default` (every request logged), in the other `none`
 * (same configuration loading, nothing rendered or sent). Requests alternate between them, so both
 * see the same machine load; the figures are ratios from one run. The timing client runs in its
 * own process (bench/latency-client.ts), away from kinesalite's work. PutRecords calls are counted by
 * a pass-through proxy in front of kinesalite. A last phase drives the logging side with 8
 * concurrent clients and reads the timing lines: how many sandboxes served it, and whether any
 * sandbox started a request before the previous one's logging ended (what batching records of
 * several requests into one call would need). Requires `npm run build` first.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStream, readStream, startLocalKinesis } from '../src/testing/local-kinesis.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { DATADOG_DEFAULT_FORMAT } from '../src/format/index.js';
import { setConfigItem, startViceroy } from '../test/support/viceroy.js';
import { parseTimingLine, requestsBySandbox } from '../test/support/timing-lines.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REQUESTS_PER_SIDE = Number(process.env.BENCH_E2E_REQUESTS ?? 400);
const CONCURRENT_REQUESTS = 400;
const CONCURRENT_CLIENTS = 8;
const STREAM = 'compute-logs';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function run(): Promise<Record<string, number | string>> {
  const kinesis = await startLocalKinesis();
  const proxy = await startFaultProxy({ target: kinesis.url, recordsPerSecondPerShard: 1e9 });
  const origin = await startDemoOrigin();
  await createStream(kinesis.url, STREAM, 4);
  const on = await startViceroy({
    ports: { origin: origin.port, kinesis: proxy.port },
    editManifest(toml) {
      // A second endpoint (placement none: never sends) carries Fastly's Datadog default format, so
      // /render-cost measures both formats inside the Wasm; timing lines give logging's CPU.
      let out = setConfigItem(toml, 'timing_log_endpoint', 'timing');
      out = setConfigItem(out, 'endpoints', 'main,datadog');
      for (const [key, value] of Object.entries({ stream_name: STREAM, region: 'us-east-1', placement: 'none', format: DATADOG_DEFAULT_FORMAT })) {
        out = setConfigItem(out, `datadog.${key}`, value);
      }
      return out;
    },
  });
  const off = await startViceroy({
    ports: { origin: origin.port, kinesis: proxy.port },
    editManifest: (toml) => setConfigItem(toml, 'main.placement', 'none'),
  });
  try {
    const warmup = 20;
    const timings = await measureInOwnProcess({ on: on.url, off: off.url, requests: REQUESTS_PER_SIDE, warmup });
    // Let the last waitUntil work finish, then count what reached the stream.
    const expected = REQUESTS_PER_SIDE + warmup;
    const deadline = Date.now() + 30_000;
    let records = 0;
    while (Date.now() < deadline) {
      records = (await readStream(kinesis.url, STREAM)).length;
      if (records >= expected) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const side of ['on', 'off'] as const) timings[side].sort((a, b) => a - b);
    const putCalls = proxy.stats.calls.PutRecords ?? 0;
    // vCpuTime has millisecond resolution: averaged over every request it is unbiased.
    const sequential = on.logLines('timing').map(parseTimingLine);
    const cpu = sequential.map((t) => t.vCpuMs);
    const renderCost = (await (
      await on.fetch('/_kinesis_logger/render-cost?n=5000', { headers: { authorization: 'Bearer local-admin-token' } })
    ).json()) as { endpoints: Record<string, { vCpuMicrosPerLine: number }> };
    const concurrent = await concurrentPhase(on, proxy.stats.calls);
    return {
      wasmLoggingVCpuMsPerRequest: cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length),
      wasmRenderMicrosPerLineKinesisDefault: renderCost.endpoints.main.vCpuMicrosPerLine,
      wasmRenderMicrosPerLineDatadog: renderCost.endpoints.datadog.vCpuMicrosPerLine,
      requestsPerSide: REQUESTS_PER_SIDE,
      p50OffMs: percentile(timings.off, 50),
      p50OnMs: percentile(timings.on, 50),
      latencyRatioP50: percentile(timings.on, 50) / percentile(timings.off, 50),
      p99OffMs: percentile(timings.off, 99),
      p99OnMs: percentile(timings.on, 99),
      latencyRatioP99: percentile(timings.on, 99) / percentile(timings.off, 99),
      // A request finds its sandbox busy while the previous request's PutRecords is in flight, and
      // Viceroy starts a new one: the share of logged requests that were a sandbox's first.
      onFreshSandboxShare: sequential.filter((t) => t.request === 1).length / Math.max(1, sequential.length),
      recordsInStream: records,
      putRecordsCallsPer1000: (putCalls / expected) * 1000,
      listShardsCalls: proxy.stats.calls.ListShards ?? 0,
      ...concurrent,
    };
  } finally {
    await on.shutdown();
    await off.shutdown();
    await proxy.stop();
    await origin.stop();
    await kinesis.stop();
  }
}

/** Runs bench/latency-client.ts in a child process and returns its timings. */
function measureInOwnProcess(input: { on: string; off: string; requests: number; warmup: number }): Promise<{ on: number[]; off: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'latency-client.ts'), JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`latency client exited with ${code}`))));
  });
}

/**
 * 8 clients at once against the logging side: sandboxes used, requests per sandbox, requests that
 * started in a sandbox before its previous request's logging ended, and PutRecords calls per 1,000
 * requests in this phase.
 */
async function concurrentPhase(app: Awaited<ReturnType<typeof startViceroy>>, calls: Record<string, number>) {
  const timedBefore = app.logLines('timing').length;
  const putBefore = calls.PutRecords ?? 0;
  let next = 0;
  const client = async () => {
    while (next < CONCURRENT_REQUESTS) {
      const i = next++;
      await (await app.fetch(`/bench/concurrent/${i}`)).arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, client));
  const deadline = Date.now() + 30_000;
  while (app.logLines('timing').length < timedBefore + CONCURRENT_REQUESTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const timings = app.logLines('timing').slice(timedBefore).map(parseTimingLine);
  const bySandbox = requestsBySandbox(timings);
  let overlapping = 0;
  for (const requests of bySandbox.values()) {
    for (let i = 1; i < requests.length; i++) if (requests[i].startedMs < requests[i - 1].loggedMs - 2) overlapping++;
  }
  return {
    concurrentClients: CONCURRENT_CLIENTS,
    concurrentSandboxes: bySandbox.size,
    concurrentRequestsPerSandbox: timings.length / Math.max(1, bySandbox.size),
    concurrentOverlappingRequestsInASandbox: overlapping,
    concurrentPutRecordsCallsPer1000: (((calls.PutRecords ?? 0) - putBefore) / CONCURRENT_REQUESTS) * 1000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((figures) => console.table(figures));
}
