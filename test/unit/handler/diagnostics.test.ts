import { afterEach, describe, expect, it } from 'vitest';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import { handleRequest, type FetchEventLike } from '../../../src/handler/handle-request.js';
import { PHASES } from '../../../src/platform/phases.js';
import { createFakePlatform, type BackendHandler } from '../../../src/testing/memory-platform.js';

const SECRETS = { 'main.access_key_id': 'AKIDUNITTEST', 'main.secret_access_key': 'unit-test-secret' };
const BASE = { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'us-east-1', 'main.format': '%m %U %>s' };

const kinesis: BackendHandler = async (request) => {
  if (request.headers.get('x-amz-target')?.endsWith('.DescribeStreamSummary')) return Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
  if (request.headers.get('x-amz-target')?.endsWith('.ListShards')) {
    return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() }, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
  }
  const body = (await request.json()) as { Records: unknown[] };
  return Response.json({ FailedRecordCount: 0, Records: body.Records.map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })) });
};
const origin: BackendHandler = () => new Response('ok');

async function serve(config: Record<string, string>, requests: number, options: { now?: () => number; beforeRequest?: () => void } = {}) {
  const platform = createFakePlatform({ config, secrets: SECRETS, backends: { origin, kinesis }, env: { FASTLY_POP: 'LHR' }, now: options.now });
  for (let i = 0; i < requests; i++) {
    options.beforeRequest?.();
    const pending: Promise<unknown>[] = [];
    const event: FetchEventLike = { request: new Request(`http://example.com/${i}`), waitUntil: (p) => void pending.push(p), client: { requestId: `r${i}` } };
    await (await handleRequest(event, platform)).text();
    await Promise.all(pending);
  }
  return platform;
}

afterEach(() => resetLoadedService());

describe('the phase line (phase_log_endpoint)', () => {
  it('gives every phase in microseconds, with the sandbox and request ordinal', async () => {
    const platform = await serve({ ...BASE, phase_log_endpoint: 'phases' }, 2);
    const lines = platform.loggers.get('phases')!.lines;
    expect(lines).toHaveLength(2);
    const fields = PHASES.map((p) => `${p}=\\d+`).join(' ');
    expect(lines[1]).toMatch(new RegExp(`^phase_us ${fields} lines=1 sandbox=\\w{8} request=\\d+$`));
  });

  it('counts loading the configuration in the request that loads it (phase config, and the timing line), and only there', async () => {
    // Every Config Store read advances the clocks: reads happen while the configuration loads.
    let cpuMs = 0;
    let nowMs = 1_700_000_000_000;
    const platform = createFakePlatform({
      config: { ...BASE, phase_log_endpoint: 'phases', timing_log_endpoint: 'timing' },
      secrets: SECRETS,
      backends: { origin, kinesis },
      now: () => nowMs,
    });
    platform.vCpuMs = () => cpuMs;
    const openConfig = platform.openConfig.bind(platform);
    platform.openConfig = (name) => {
      const store = openConfig(name);
      return { get: (key) => ((cpuMs += 1), (nowMs += 0.25), store.get(key)) };
    };
    for (let i = 0; i < 2; i++) {
      const pending: Promise<unknown>[] = [];
      const event: FetchEventLike = { request: new Request(`http://example.com/${i}`), waitUntil: (p) => void pending.push(p), client: { requestId: `r${i}` } };
      await (await handleRequest(event, platform)).text();
      await Promise.all(pending);
    }
    const config = platform.loggers.get('phases')!.lines.map((line) => Number(/ config=(\d+) /.exec(line)![1]));
    const vcpu = platform.loggers.get('timing')!.lines.map((line) => Number(/^vcpu_ms=(\d+) /.exec(line)![1]));
    expect(config[0]).toBeGreaterThanOrEqual(250 * 3);
    expect(vcpu[0]).toBeGreaterThanOrEqual(3);
    expect([config[1], vcpu[1]]).toEqual([0, 0]);
  });

  it('is written nowhere unless configured', async () => {
    const platform = await serve(BASE, 1);
    expect([...platform.loggers.keys()].filter((name) => name !== 'kinesis_logger_errors')).toEqual([]);
  });
});

describe('metrics lines (metrics_log_endpoint)', () => {
  it('by default, writes a line after every request\'s delivery: the lines add up to every record', async () => {
    let now = 1_700_000_000_000;
    const platform = await serve({ ...BASE, metrics_log_endpoint: 'metrics' }, 7, { now: () => now, beforeRequest: () => (now += 25_000) });
    const lines = platform.loggers.get('metrics')!.lines.map((l) => JSON.parse(l));
    expect(lines.map((l) => l.RecordsDelivered)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(lines.map((l) => l.RecordsDeliveredByShard)).toEqual(lines.map(() => ({ 'shardId-000000000000': 1 })));
    expect(lines.every((l) => l.Stream === 'us-east-1/logs' && l.POP === 'LHR' && !('SinceTimestamp' in l))).toBe(true);
  });

  it('counts the lines of an endpoint whose keys are missing as failed, under the stream they were for', async () => {
    const platform = createFakePlatform({ config: { ...BASE, metrics_log_endpoint: 'metrics' }, secrets: {}, backends: { origin, kinesis }, env: { FASTLY_POP: 'LHR' } });
    for (let i = 0; i < 3; i++) {
      const pending: Promise<unknown>[] = [];
      const event: FetchEventLike = { request: new Request(`http://example.com/${i}`), waitUntil: (p) => void pending.push(p), client: { requestId: `r${i}` } };
      await (await handleRequest(event, platform)).text();
      await Promise.all(pending);
    }
    const lines = platform.loggers.get('metrics')!.lines.map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.Stream, l.RecordsFailed, l['RecordsFailed.MissingCredentials'], l.RecordsDelivered])).toEqual([0, 1, 2].map(() => ['us-east-1/logs', 1, 1, undefined]));
  });

  it('writes a line after the first delivery, then at most one per interval, each with the deltas since the previous', async () => {
    let now = 1_700_000_000_000;
    const platform = await serve({ ...BASE, metrics_log_endpoint: 'metrics', metrics_interval_s: '60' }, 7, { now: () => now, beforeRequest: () => (now += 25_000) });
    const lines = platform.loggers.get('metrics')!.lines.map((l) => JSON.parse(l));
    // 7 requests 25 s apart: a line after the first, then after the 4th (75 s later) and the 7th.
    expect(lines.map((l) => l.RecordsDelivered)).toEqual([1, 3, 3]);
    for (let i = 1; i < lines.length; i++) expect(lines[i]._aws.Timestamp - lines[i - 1]._aws.Timestamp).toBeGreaterThanOrEqual(60_000);
    expect(lines.every((l) => l.Stream === 'us-east-1/logs' && l.POP === 'LHR')).toBe(true);
    expect(lines.map((l) => l.RecordsDeliveredByShard)).toEqual([1, 3, 3].map((n) => ({ 'shardId-000000000000': n })));
  });
});
