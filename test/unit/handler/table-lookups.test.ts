/**
 * table.lookup through the whole handler: the Config Store lookups of one execution — loading
 * the configuration, the check before the response, and the tables — never exceed the 32
 * Compute allows, whatever the format asks, and what was read is not read again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_LOOKUPS_PER_EXECUTION } from '../../../src/config/schema.js';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import { handleRequest, type FetchEventLike } from '../../../src/handler/handle-request.js';
import { configItems } from '../../../src/testing/memory-stores.js';
import { createFakePlatform, type BackendHandler } from '../../../src/testing/memory-platform.js';

const KEYS = 60;
const NAMES = Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, `v${i}`]));
/** One line that asks for every key of the table. */
const FORMAT = Array.from({ length: KEYS }, (_, i) => `%{table.lookup(names, "k${i}", "-")}V`).join(' ');

const CONFIG = { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'us-east-1', 'main.format': FORMAT };
const SECRETS = { 'main.access_key_id': 'AKIDUNITTEST', 'main.secret_access_key': 'unit-test-secret' };

/** Kinesis that accepts every record and keeps the decoded lines. */
function acceptingKinesis(lines: string[]): BackendHandler {
  return async (request) => {
    if (request.headers.get('x-amz-target')?.endsWith('.DescribeStreamSummary')) return Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
    if (request.headers.get('x-amz-target')?.endsWith('.ListShards')) {
      const range = { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() };
      return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: range, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
    }
    const body = (await request.json()) as { Records: { Data: string }[] };
    for (const r of body.Records) lines.push(Buffer.from(r.Data, 'base64').toString('utf8'));
    return Response.json({ FailedRecordCount: 0, Records: body.Records.map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })) });
  };
}

/**
 * A platform whose Config Stores count every lookup (`get`) of the current execution and, like
 * Compute, refuse the one past 32. (TableCache also counts opening a store as one, in case
 * Compute does; this platform does not, so that bound is not what is tested here.)
 */
function countingPlatform(lines: string[]) {
  const platform = createFakePlatform({
    config: CONFIG,
    secrets: SECRETS,
    backends: { origin: () => new Response('ok'), kinesis: acceptingKinesis(lines) },
  });
  const stores: Record<string, Record<string, string>> = { kinesis_logger: configItems(CONFIG), names: NAMES };
  const execution = { lookups: 0, refusedByPlatform: 0 };
  const spend = (): void => {
    if (++execution.lookups > CONFIG_LOOKUPS_PER_EXECUTION) {
      execution.refusedByPlatform++;
      throw new Error('ConfigStore: too many lookups in this execution');
    }
  };
  platform.openConfig = (name) => {
    const items = stores[name];
    if (!items) throw new TypeError(`ConfigStore constructor: No ConfigStore named '${name}' exists`);
    return { get: (key) => (spend(), items[key] ?? null) };
  };
  return { platform, execution };
}

async function serveOne(platform: ReturnType<typeof createFakePlatform>, id: number): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const event: FetchEventLike = {
    request: new Request(`http://example.com/${id}`),
    waitUntil: (p) => void pending.push(p),
    client: { address: '203.0.113.7', requestId: `req-${id}` },
  };
  await (await handleRequest(event, platform)).text();
  await Promise.all(pending);
}

afterEach(() => resetLoadedService());

describe('table lookups within an execution', () => {
  it('stay within 32 Config Store lookups per execution, and fill in from the instance cache', async () => {
    const lines: string[] = [];
    const { platform, execution } = countingPlatform(lines);
    const perExecution: number[] = [];
    for (let id = 0; id < 4; id++) {
      execution.lookups = 0;
      await serveOne(platform, id);
      perExecution.push(execution.lookups);
    }
    // The platform never had to refuse a lookup, and no execution came near it more than allowed.
    expect(execution.refusedByPlatform).toBe(0);
    expect(Math.max(...perExecution)).toBeLessThanOrEqual(CONFIG_LOOKUPS_PER_EXECUTION);
    const known = lines.map((line) => line.split(' ').filter((v) => v !== '-').length);
    // The first execution also loaded the configuration; each one after adds what its lookups allow.
    expect(known[0]).toBeGreaterThan(0);
    expect(known[1]).toBe(known[0] + CONFIG_LOOKUPS_PER_EXECUTION - 1);
    expect(known[2]).toBe(KEYS);
    expect(lines[3]).toBe(Array.from({ length: KEYS }, (_, i) => `v${i}`).join(' '));
    // Once everything is cached, an execution makes no table lookup at all.
    expect(perExecution[3]).toBe(0);
    const errors = platform.loggers.get('kinesis_logger_errors')?.lines ?? [];
    expect(errors.filter((l) => l.includes('table lookups'))).toHaveLength(1);
  });
});
