import { describe, expect, it } from 'vitest';
import { newCounters } from '../../../src/delivery/report.js';
import type { StreamCounters } from '../../../src/delivery/index.js';
import { createFleetMetrics } from '../../../src/metrics/index.js';
import { FakeLogger } from '../../../src/testing/memory-stores.js';

const STREAM = 'us-east-1/web-logs';
/** The stream's counters key (delivery/streams.ts streamScope); the line names it by region and name. */
const SCOPE = 'key-0123456789abcdef/us-east-1/kinesis.us-east-1.amazonaws.com/web-logs';

function fixture(intervalMs = 0) {
  let now = 1_700_000_000_000;
  const counters = newCounters();
  const shardMap = { listShardsRounds: 0, listShardsCalls: 0, adoptedFromKv: 0, leaseHeldElsewhere: 0, refreshFailures: 0, refreshesDeferred: 0, kvFailures: 0, invalidations: 0, streamSummaryCalls: 0 };
  const map = { listedAtMs: now - 5_000 as number | undefined };
  const stream: StreamCounters = { scope: SCOPE, region: 'us-east-1', name: 'web-logs', delivery: counters, shardMap, mapAgeMs: () => (map.listedAtMs === undefined ? undefined : now - map.listedAtMs) };
  const log = new FakeLogger();
  const startedAt = now - 1_000;
  const metrics = createFleetMetrics({ log, intervalMs, streams: () => [stream], now: () => now, pop: () => 'LHR', startedAtMs: () => startedAt });
  /** New cumulative figures from one delivery: as report.ts addOutcome, which counts the delivery too. */
  const count = (figures: Partial<typeof counters>) => Object.assign(counters, { ...figures, deliveries: counters.deliveries + 1 });
  /** One request's delivery of `n` records to `shard`, then the metrics call. */
  const deliver = (n: number, shard = 'shardId-0') => {
    count({ attempted: counters.attempted + n, delivered: counters.delivered + n, putRecordsCalls: counters.putRecordsCalls + 1 });
    counters.deliveredByShard[shard] = (counters.deliveredByShard[shard] ?? 0) + n;
    metrics.afterDelivery();
  };
  return { metrics, log, counters, count, shardMap, map, deliver, advance: (ms: number) => (now += ms), lines: () => log.lines.map((l) => JSON.parse(l)) };
}

/** The names a line declares as metrics. */
const declared = (line: { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } }) => line._aws.CloudWatchMetrics[0].Metrics.map((m) => m.Name);

describe('fleet metrics, complete (metrics_interval_s 0, the default)', () => {
  it('writes a line after every delivery, with the stream (region/name) and POP as dimensions', () => {
    const f = fixture();
    f.count({ attempted: 3, delivered: 2, failed: 1, retried: 2, putRecordsCalls: 2, failedByCode: { ProvisionedThroughputExceededException: 1 }, deliveredByShard: { 'shardId-0': 1, 'shardId-1': 1 } });
    f.shardMap.listShardsRounds = 1;
    f.metrics.afterDelivery();
    const [line] = f.lines();
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'ComputeKinesisLogger',
        Dimensions: [['Stream', 'POP']],
        Metrics: [
          { Name: 'RecordsAttempted', Unit: 'Count' },
          { Name: 'RecordsDelivered', Unit: 'Count' },
          { Name: 'RecordsFailed', Unit: 'Count' },
          { Name: 'RecordsRetried', Unit: 'Count' },
          { Name: 'PutRecordsCalls', Unit: 'Count' },
          { Name: 'ListShardsRounds', Unit: 'Count' },
          { Name: 'RecordsFailed.ProvisionedThroughputExceededException', Unit: 'Count' },
          { Name: 'ShardMapAgeSeconds', Unit: 'Seconds' },
        ],
      },
    ]);
    expect(line).toEqual({
      _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: line._aws.CloudWatchMetrics },
      Stream: STREAM,
      POP: 'LHR',
      RecordsAttempted: 3,
      RecordsDelivered: 2,
      RecordsFailed: 1,
      'RecordsFailed.ProvisionedThroughputExceededException': 1,
      RecordsRetried: 2,
      PutRecordsCalls: 2,
      ListShardsRounds: 1,
      ShardMapAgeSeconds: 5,
      RecordsDeliveredByShard: { 'shardId-0': 1, 'shardId-1': 1 },
    });
  });

  it('declares and carries only the metrics that moved: every declared one is a non-zero member, and no count is left out', () => {
    const f = fixture();
    f.deliver(1);
    f.deliver(2, 'shardId-1');
    // A request whose records all failed: no RecordsDelivered, no records per shard.
    f.count({ attempted: f.counters.attempted + 1, failed: 1, putRecordsCalls: f.counters.putRecordsCalls + 1, failedByCode: { AccessDeniedException: 1 } });
    f.metrics.afterDelivery();
    const lines = f.lines();
    expect(lines.map(declared)).toEqual([
      ['RecordsAttempted', 'RecordsDelivered', 'PutRecordsCalls', 'ShardMapAgeSeconds'],
      ['RecordsAttempted', 'RecordsDelivered', 'PutRecordsCalls'],
      ['RecordsAttempted', 'RecordsFailed', 'PutRecordsCalls', 'RecordsFailed.AccessDeniedException'],
    ]);
    for (const line of lines) {
      const members = Object.keys(line).filter((k) => !['_aws', 'Stream', 'POP', 'RecordsDeliveredByShard'].includes(k));
      expect(members.sort()).toEqual(declared(line).sort());
      for (const name of members) expect(line[name]).not.toBe(0);
    }
    expect(lines.map((l) => l.RecordsDeliveredByShard)).toEqual([{ 'shardId-0': 1 }, { 'shardId-1': 2 }, undefined]);
    // No span property: a line stands for the requests since the sandbox's previous line, no more.
    expect(lines.some((l) => 'SinceTimestamp' in l)).toBe(false);
  });

  it('writes nothing for a delivery that changed no counter, and no line is held back', () => {
    const f = fixture();
    f.metrics.afterDelivery(); // nothing counted yet
    f.deliver(1);
    f.metrics.afterDelivery(); // nothing new
    f.deliver(1);
    f.shardMap.listShardsRounds++; // a listing alone (no delivery counted) is news too
    f.metrics.afterDelivery();
    expect(f.lines().map((l) => [l.RecordsDelivered, l.ListShardsRounds])).toEqual([
      [1, undefined],
      [1, undefined],
      [undefined, 1],
    ]);
  });

  it('adds up, line by line, to exactly what the counters counted', () => {
    const f = fixture();
    let failed = 0;
    for (let i = 0; i < 200; i++) {
      if (i % 7 === 3) {
        failed++;
        f.count({ attempted: f.counters.attempted + 1, failed, failedByCode: { InternalFailure: failed } });
        f.metrics.afterDelivery();
      } else f.deliver(1 + (i % 3), `shardId-${i % 4}`);
      f.advance(7_000);
    }
    const lines = f.lines();
    expect(lines).toHaveLength(200);
    const sum = (name: string) => lines.reduce((s, l) => s + (l[name] ?? 0), 0);
    expect([sum('RecordsAttempted'), sum('RecordsDelivered'), sum('RecordsFailed'), sum('RecordsFailed.InternalFailure'), sum('PutRecordsCalls')]).toEqual([
      f.counters.attempted,
      f.counters.delivered,
      f.counters.failed,
      f.counters.failed,
      f.counters.putRecordsCalls,
    ]);
    const byShard: Record<string, number> = {};
    for (const l of lines) for (const [shard, n] of Object.entries((l.RecordsDeliveredByShard ?? {}) as Record<string, number>)) byShard[shard] = (byShard[shard] ?? 0) + n;
    expect(byShard).toEqual(f.counters.deliveredByShard);
  });

  it('samples the shard map age at most once a minute per stream, and not at all without a map', () => {
    const f = fixture();
    f.deliver(1); // first line: sampled
    f.advance(30_000);
    f.deliver(1);
    f.advance(30_000);
    f.deliver(1); // a minute after the last sample
    f.map.listedAtMs = undefined;
    f.advance(60_000);
    f.deliver(1);
    expect(f.lines().map((l) => l.ShardMapAgeSeconds)).toEqual([5, undefined, 65, undefined]);
  });

  it('reads the POP once per sandbox, whatever the streams', () => {
    const streams = ['web-logs', 'audit'].map((name): StreamCounters => ({ scope: name, region: 'eu-west-1', name, delivery: { ...newCounters(), attempted: 1 }, shardMap: { listShardsRounds: 0 } as StreamCounters['shardMap'], mapAgeMs: () => undefined }));
    const log = new FakeLogger();
    let popReads = 0;
    const metrics = createFleetMetrics({ log, intervalMs: 0, streams: () => streams, now: () => 0, pop: () => (popReads++, 'LHR'), startedAtMs: () => 0 });
    for (let i = 0; i < 3; i++) {
      for (const stream of streams) Object.assign(stream.delivery, { attempted: stream.delivery.attempted + 1, deliveries: stream.delivery.deliveries + 1 });
      metrics.afterDelivery();
    }
    expect(popReads).toBe(1);
    expect(log.lines.map((l) => JSON.parse(l)).map((l) => `${l.Stream} ${l.POP} ${l.RecordsAttempted}`)).toEqual(
      [2, 1, 1].flatMap((n) => [`eu-west-1/web-logs LHR ${n}`, `eu-west-1/audit LHR ${n}`]),
    );
  });

  it('writes a valid line whatever an error code holds, and declares at most 100 metrics', () => {
    const f = fixture();
    const failedByCode: Record<string, number> = { 'Odd"Code\\\n': 1 };
    for (let i = 0; i < 120; i++) failedByCode[`Code${i}`] = 1;
    f.count({ attempted: 121, failed: 121, failedByCode });
    f.metrics.afterDelivery();
    const [line] = f.lines();
    expect(line['RecordsFailed.Odd"Code\\\n']).toBe(1);
    expect(line['RecordsFailed.Code119']).toBe(1);
    expect(declared(line)).toHaveLength(100);
  });
});

describe('fleet metrics, metrics_interval_s N', () => {
  it('writes at most once per interval, each line holding what was counted since the previous one and where its span began', () => {
    const f = fixture(60_000);
    f.deliver(1); // first line
    f.advance(30_000);
    f.deliver(5); // inside the interval: no line
    f.advance(30_000);
    f.deliver(2); // interval passed: 5 + 2
    f.advance(10_000);
    f.deliver(4); // not yet
    const lines = f.lines();
    expect(lines.map((l) => l.RecordsDelivered)).toEqual([1, 7]);
    expect(lines.map((l) => l.RecordsDeliveredByShard)).toEqual([{ 'shardId-0': 1 }, { 'shardId-0': 7 }]);
    // The sandbox's start, then the previous line.
    expect(lines[0].SinceTimestamp).toBe(lines[0]._aws.Timestamp - 1_000);
    expect(lines[1].SinceTimestamp).toBe(lines[0]._aws.Timestamp);
  });

  it('skips a stream with nothing new without starting the interval, and counts failures by code as deltas', () => {
    const f = fixture(60_000);
    f.metrics.afterDelivery(); // nothing counted yet: no line, and the first delivery still gets one
    expect(f.log.lines).toEqual([]);
    f.count({ attempted: 2, failed: 2, failedByCode: { AccessDeniedException: 2 } });
    f.advance(1_000);
    f.metrics.afterDelivery();
    f.count({ attempted: 3, failed: 3, failedByCode: { AccessDeniedException: 2, InternalFailure: 1 } });
    f.advance(60_000);
    f.metrics.afterDelivery();
    const lines = f.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ RecordsFailed: 2, 'RecordsFailed.AccessDeniedException': 2 });
    expect(lines[1]).toMatchObject({ RecordsFailed: 1, 'RecordsFailed.InternalFailure': 1 });
    expect(lines[1]).not.toHaveProperty('RecordsFailed.AccessDeniedException');
  });
});
