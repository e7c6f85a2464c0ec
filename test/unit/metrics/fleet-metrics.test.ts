import { describe, expect, it } from 'vitest';
import { newCounters } from '../../../src/delivery/report.js';
import type { DeliveryStats } from '../../../src/delivery/index.js';
import { createFleetMetrics } from '../../../src/metrics/index.js';
import { FakeLogger } from '../../../src/testing/memory-stores.js';

const STREAM = 'us-east-1/web-logs';
/** The stream's counters key (delivery/streams.ts streamScope); the line names it by region and name. */
const SCOPE = 'key-0123456789abcdef/us-east-1/kinesis.us-east-1.amazonaws.com/web-logs';

function fixture() {
  let now = 1_700_000_000_000;
  const counters = newCounters();
  const shardMap = { listShardsRounds: 0, listShardsCalls: 0, adoptedFromKv: 0, leaseHeldElsewhere: 0, refreshFailures: 0, refreshesDeferred: 0, kvFailures: 0, invalidations: 0, streamSummaryCalls: 0, state: 'ready' as const, shards: 2, listedAtMs: now - 5_000, mapAgeMs: 5_000 };
  const stats = (): DeliveryStats => ({ streams: { [SCOPE]: { region: 'us-east-1', name: 'web-logs', endpoints: ['main'], delivery: counters, shardMap } }, endpoints: {} });
  const log = new FakeLogger();
  const startedAt = now - 1_000;
  const metrics = createFleetMetrics({ log, intervalMs: 60_000, stats, now: () => now, pop: () => 'LHR', startedAtMs: () => startedAt });
  return { metrics, log, counters, shardMap, advance: (ms: number) => (now += ms), lines: () => log.lines.map((l) => JSON.parse(l)) };
}

describe('fleet metrics', () => {
  it('writes one EMF line per stream after the first delivery, with the stream (region/name) and POP as dimensions', () => {
    const f = fixture();
    Object.assign(f.counters, { attempted: 3, delivered: 2, failed: 1, retried: 2, putRecordsCalls: 2, failedByCode: { ProvisionedThroughputExceededException: 1 }, deliveredByShard: { 'shardId-0': 1, 'shardId-1': 1 } });
    f.shardMap.listShardsRounds = 1;
    f.metrics.afterDelivery();
    const [line] = f.lines();
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'ComputeKinesisLogger',
        Dimensions: [['Stream', 'POP']],
        Metrics: expect.arrayContaining([{ Name: 'RecordsDelivered', Unit: 'Count' }, { Name: 'RecordsFailed.ProvisionedThroughputExceededException', Unit: 'Count' }, { Name: 'ShardMapAgeSeconds', Unit: 'Seconds' }]),
      },
    ]);
    expect(line).toMatchObject({
      Stream: STREAM,
      POP: 'LHR',
      RecordsAttempted: 3,
      RecordsDelivered: 2,
      RecordsFailed: 1,
      'RecordsFailed.ProvisionedThroughputExceededException': 1,
      RecordsRetried: 2,
      RecordsRetriedAfterAmbiguous: 0,
      RecordsTruncated: 0,
      RecordsDroppedOversize: 0,
      PutRecordsCalls: 2,
      ListShardsRounds: 1,
      ShardMapAgeSeconds: 5,
      RecordsDeliveredByShard: { 'shardId-0': 1, 'shardId-1': 1 },
    });
    // Every declared metric is a member of the line, as EMF requires.
    for (const { Name } of line._aws.CloudWatchMetrics[0].Metrics) expect(typeof line[Name]).toBe('number');
  });

  it('writes at most once per interval, each line holding only what was counted since the previous one', () => {
    const f = fixture();
    const deliver = (n: number) => {
      f.counters.attempted += n;
      f.counters.delivered += n;
      f.counters.deliveredByShard['shardId-0'] = (f.counters.deliveredByShard['shardId-0'] ?? 0) + n;
      f.metrics.afterDelivery();
    };
    deliver(1); // first line
    f.advance(30_000);
    deliver(5); // inside the interval: no line
    f.advance(30_000);
    deliver(2); // interval passed: 5 + 2
    f.advance(10_000);
    deliver(4); // not yet
    const lines = f.lines();
    expect(lines.map((l) => l.RecordsDelivered)).toEqual([1, 7]);
    expect(lines.map((l) => l.RecordsDeliveredByShard)).toEqual([{ 'shardId-0': 1 }, { 'shardId-0': 7 }]);
    // Each line says where its span began: the sandbox's start, then the previous line.
    expect(lines[0].SinceTimestamp).toBe(lines[0]._aws.Timestamp - 1_000);
    expect(lines[1].SinceTimestamp).toBe(lines[0]._aws.Timestamp);
  });

  it('skips a stream with nothing new, and counts failures by code as deltas', () => {
    const f = fixture();
    f.metrics.afterDelivery(); // nothing counted yet: no line
    expect(f.log.lines).toEqual([]);
    Object.assign(f.counters, { attempted: 2, failed: 2, failedByCode: { AccessDeniedException: 2 } });
    f.advance(60_000);
    f.metrics.afterDelivery();
    Object.assign(f.counters, { attempted: 3, failed: 3, failedByCode: { AccessDeniedException: 2, InternalFailure: 1 } });
    f.advance(60_000);
    f.metrics.afterDelivery();
    const lines = f.lines();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ RecordsFailed: 1, 'RecordsFailed.InternalFailure': 1 });
    expect(lines[1]).not.toHaveProperty('RecordsFailed.AccessDeniedException');
  });
});
