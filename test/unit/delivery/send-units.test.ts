import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../../src/config/load.js';
import { aggregatedUnits, memberOutcome, plainUnits } from '../../../src/delivery/send-units.js';
import { bytesToBase64 } from '../../../src/kinesis/base64.js';
import type { ShardTarget } from '../../../src/shards/index.js';
import { configItems, FakeConfig } from '../../../src/testing/memory-stores.js';
import { kinesisEndpoint } from '../../support/endpoints.js';

const encoder = new TextEncoder();
const record = (text: string) => {
  const data = encoder.encode(text);
  return { data, base64: bytesToBase64(data), text };
};
const target = (shardId: string | undefined, ehk: string | undefined): ShardTarget => ({ partitionKey: 'a', explicitHashKey: ehk, shardId, mapListedAtMs: 1 });

describe('aggregatedUnits', () => {
  it('packs records per planned shard, keeps lone and unplanned records plain', () => {
    const records = ['a1', 'b1', 'a2', 'c1', 'a3', 'x'].map(record);
    const targets = [target('A', '1'), target('B', '200'), target('A', '2'), target('C', '300'), target('A', '3'), target(undefined, undefined)];
    const units = aggregatedUnits(records, targets, 51_200);
    const summary = units.map((u) => `${u.target.shardId ?? '-'}:${u.members.map((m) => m.text).join(',')}`);
    expect(summary.sort()).toEqual(['-:x', 'A:a1,a2,a3', 'B:b1', 'C:c1']);
    const a = units.find((u) => u.members.length === 3)!;
    expect([...a.data.slice(0, 4)]).toEqual([0xf3, 0x89, 0x9a, 0xc2]); // KPL magic
    expect(a.target.explicitHashKey).toBe('1'); // placed by its first member
    const plain = units.find((u) => u.members[0].text === 'b1')!;
    expect(plain.data).toBe(records[1].data); // a unit of one is the record itself
  });

  it('starts a new aggregate when the size limit is reached, never exceeding it', () => {
    const records = Array.from({ length: 40 }, (_, i) => record(`${i}`.padEnd(100, '.')));
    const units = aggregatedUnits(records, records.map(() => target('A', '7')), 1_024);
    expect(units.length).toBeGreaterThan(4);
    for (const unit of units) expect(unit.data.length + 1).toBeLessThanOrEqual(1_024);
    expect(units.flatMap((u) => u.members.map((m) => m.text))).toEqual(records.map((r) => r.text));
  });

  it('gives every member its unit\'s answer', () => {
    const records = ['a', 'b', 'c'].map(record);
    const units = [...aggregatedUnits(records.slice(0, 2), [target('A', '1'), target('A', '2')], 51_200), ...plainUnits([records[2]], [target('B', '9')])];
    const seen = memberOutcome(units, {
      kind: 'answer',
      results: [
        { index: 0, ok: true, shardId: 'A', sequenceNumber: '1' },
        { index: 1, ok: false, errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'slow down', errorClass: 'throttled' },
      ],
    });
    expect(seen.records.map((r) => r.text)).toEqual(['a', 'b', 'c']);
    expect(seen.outcome.kind === 'answer' && seen.outcome.results.map((r) => r.ok)).toEqual([true, true, false]);
  });
});

describe('aggregation settings', () => {
  const base = { endpoints: 'm', 'm.stream_name': 's', 'm.region': 'us-east-1' };
  it('is off by default, on with aggregation = kpl', () => {
    expect(kinesisEndpoint(loadServiceConfig(new FakeConfig(configItems(base))).endpoints[0]).delivery.aggregation).toBeUndefined();
    expect(kinesisEndpoint(loadServiceConfig(new FakeConfig(configItems({ ...base, 'm.aggregation': 'kpl' }))).endpoints[0]).delivery.aggregation).toEqual({ maxBytes: 51_200 });
    expect(kinesisEndpoint(loadServiceConfig(new FakeConfig(configItems({ ...base, 'm.aggregation': 'kpl', 'm.aggregation_max_bytes': '4096' }))).endpoints[0]).delivery.aggregation).toEqual({ maxBytes: 4096 });
  });

  it('names the key of a wrong value', () => {
    expect(loadServiceConfig(new FakeConfig(configItems({ ...base, 'm.aggregation': 'zip' }))).errors.map((e) => e.message)).toEqual(['m.aggregation: "zip" is not one of none, kpl']);
  });
});

describe('aggregatedUnits: what cannot be aggregated travels plain', () => {
  it('a record with a shard but no hash key, or a hash key but no shard, is sent plain', () => {
    const records = ['a1', 'no-key', 'no-shard', 'a2'].map(record);
    const units = aggregatedUnits(records, [target('A', '1'), target('A', undefined), target(undefined, '5'), target('A', '2')], 51_200);
    expect(units.map((u) => u.members.map((m) => m.text).join(','))).toEqual(['no-key', 'no-shard', 'a1,a2']);
    expect(units[0].data).toBe(records[1].data);
    expect(units[1].data).toBe(records[2].data);
  });

  it('a record too large for any aggregate goes plain, and the aggregate before it is closed whole', () => {
    const small = ['s1', 's2'].map(record);
    const large = record('L'.repeat(2_000));
    const units = aggregatedUnits([small[0], small[1], large, record('s3')], [target('A', '1'), target('A', '2'), target('A', '3'), target('A', '4')], 1_024);
    expect(units.map((u) => u.members.map((m) => m.text.slice(0, 2)).join(','))).toEqual(['s1,s2', 'LL', 's3']);
    expect(units[1].data).toBe(large.data);
    // A unit of one after the large record is the record itself, not a one-member aggregate.
    expect(units[2].data).toBe(units[2].members[0].data);
  });

  it('an aggregate closed with one member is sent plain and leaves nothing behind for the next', () => {
    const records = [record('x'.repeat(600)), record('y'.repeat(600)), record('z')];
    const units = aggregatedUnits(records, [target('A', '1'), target('A', '2'), target('A', '3')], 1_024);
    expect(units.map((u) => u.members.map((m) => m.text[0]).join(','))).toEqual(['x', 'y,z']);
    expect(units[0].data).toBe(records[0].data);
    expect(units[1].data.length).toBeLessThan(700);
    expect(units[1].memberTargets.map((t) => t.explicitHashKey)).toEqual(['2', '3']);
    expect(units[1].target).toMatchObject({ shardId: 'A', explicitHashKey: '2' });
  });
});
