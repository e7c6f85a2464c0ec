/**
 * The compiled Wasm in Viceroy: what logging costs the client, and what it costs in Kinesis calls.
 *
 * Two Viceroy instances run the same bin/main.wasm against the same demo origin; in one the
 * endpoint's placement is `format_version_default` (every request logged), in the other `none`
 * (same configuration loading, nothing rendered or sent). Requests alternate between them, so both
 * see the same machine load; the figures are ratios from one run. PutRecords calls are counted by
 * a pass-through proxy in front of kinesalite. Requires `npm run build` first.
 */
import { createStream, readStream, startLocalKinesis } from '../test/support/local-kinesis.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startDemoOrigin } from '../test/support/origin.js';
import { DATADOG_DEFAULT_FORMAT } from '../src/format/index.js';
import { setConfigItem, startViceroy } from '../test/support/viceroy.js';

const REQUESTS_PER_SIDE = Number(process.env.BENCH_E2E_REQUESTS ?? 400);
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
    const timings = { on: [] as number[], off: [] as number[] };
    const warmup = 20;
    for (let i = 0; i < REQUESTS_PER_SIDE + warmup; i++) {
      for (const [side, app] of i % 2 ? ([['on', on], ['off', off]] as const) : ([['off', off], ['on', on]] as const)) {
        const started = performance.now();
        const response = await app.fetch(`/bench/${i}?side=${side}`);
        await response.arrayBuffer();
        if (i >= warmup) timings[side].push(performance.now() - started);
      }
    }
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
    const cpu = on.logLines('timing').map((l) => Number(/vcpu_ms=(\d+)/.exec(l)?.[1]));
    const renderCost = (await (
      await on.fetch('/_kinesis_logger/render-cost?n=5000', { headers: { authorization: 'Bearer local-admin-token' } })
    ).json()) as { endpoints: Record<string, { vCpuMicrosPerLine: number }> };
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
      recordsInStream: records,
      putRecordsCallsPer1000: (putCalls / expected) * 1000,
      listShardsCalls: proxy.stats.calls.ListShards ?? 0,
    };
  } finally {
    await on.shutdown();
    await off.shutdown();
    await proxy.stop();
    await origin.stop();
    await kinesis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((figures) => console.table(figures));
}
