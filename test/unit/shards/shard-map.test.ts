import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ListShardsOutput } from '../../../src/kinesis/api.js';
import { MAX_HASH_KEY } from '../../../src/kinesis/limits.js';
import {
  buildShardMap,
  decodeShardMap,
  encodeShardMap,
  withMaxRecordBytes,
  fromShards,
  type ShardMap,
} from '../../../src/shards/shard-map.js';

const SCOPE = '123456789012/us-east-1/kinesis.us-east-1.amazonaws.com/s';

function fixture(name: string): ListShardsOutput {
  return JSON.parse(readFileSync(new URL(`../../fixtures/list-shards-${name}.json`, import.meta.url), 'utf8')) as ListShardsOutput;
}

function mapOf(...pages: string[]): ShardMap {
  const built = buildShardMap(pages.flatMap((p) => fixture(p).Shards), 1000);
  if (!built.ok) throw new Error(built.reason);
  return built.map;
}

describe('buildShardMap', () => {
  it('joins two pages into one map sorted by range', () => {
    const map = mapOf('page-1', 'page-2');
    expect(map.listedAtMs).toBe(1000);
    expect(map.shards.map((s) => s.shardId)).toEqual([
      'shardId-000000000002',
      'shardId-000000000004',
      'shardId-000000000005',
      'shardId-000000000006',
      'shardId-000000000007',
    ]);
    expect(map.shards[0].start).toBe(0n);
    expect(map.shards.at(-1)!.end).toBe(MAX_HASH_KEY);
    for (let i = 1; i < map.shards.length; i++) expect(map.shards[i].start).toBe(map.shards[i - 1].end + 1n);
  });

  it('keeps only open shards (kinesalite lists closed parents despite AT_LATEST)', () => {
    const map = mapOf('kinesalite-split');
    expect(map.shards.map((s) => s.shardId)).toEqual(['shardId-000000000002', 'shardId-000000000003', 'shardId-000000000001']);
  });

  it.each([
    ['gap', /gap/],
    ['overlap', /overlap/],
    ['empty', /no open shards/],
    ['short', /gap: .*2\^128-1/],
    ['page-1', /gap/],
  ])('refuses an inconsistent answer: %s', (name, reason) => {
    const built = buildShardMap(fixture(name).Shards, 1);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.reason).toMatch(reason);
  });

  it('refuses unreadable hash keys and duplicate ids', () => {
    const shards = fixture('kinesalite-split').Shards;
    const bad = structuredClone(shards);
    bad[1].HashKeyRange.EndingHashKey = '340282366920938463463374607431768211456'; // 2^128
    expect(buildShardMap(bad, 1).ok).toBe(false);
    const leadingZero = structuredClone(shards);
    leadingZero[1].HashKeyRange.StartingHashKey = '0170141183460469231731687303715884105728';
    expect(buildShardMap(leadingZero, 1).ok).toBe(false);
    const duplicate = fromShards(
      [
        { shardId: 'a', start: 0n, end: 10n },
        { shardId: 'a', start: 11n, end: MAX_HASH_KEY },
      ],
      1,
    );
    expect(duplicate.ok).toBe(false);
  });

  it('returns a frozen snapshot', () => {
    const map = mapOf('page-1', 'page-2');
    expect(Object.isFrozen(map)).toBe(true);
    expect(Object.isFrozen(map.shards)).toBe(true);
    expect(Object.isFrozen(map.shards[0])).toBe(true);
  });
});

describe('KV text form', () => {
  const map = mapOf('page-1', 'page-2');
  it('round-trips', () => {
    const decoded = decodeShardMap(encodeShardMap(map, SCOPE), SCOPE);
    expect(decoded).toEqual({ ok: true, map });
  });
  it("carries the stream's maximum record size, and reads an entry without it (or with one Kinesis does not allow) as not known", () => {
    const raised = withMaxRecordBytes(map, 10 * 1024 * 1024);
    const text = encodeShardMap(raised, SCOPE);
    expect(JSON.parse(text)).toMatchObject({ v: 2, maxRecordBytes: 10 * 1024 * 1024 });
    expect(decodeShardMap(text, SCOPE)).toEqual({ ok: true, map: raised });
    expect(JSON.parse(encodeShardMap(map, SCOPE))).not.toHaveProperty('maxRecordBytes');
    for (const size of [512, 11 * 1024 * 1024, '1048576', 1048576.5]) {
      const decoded = decodeShardMap(text.replace('"maxRecordBytes":10485760', `"maxRecordBytes":${JSON.stringify(size)}`), SCOPE);
      expect(decoded).toEqual({ ok: true, map });
    }
    expect(withMaxRecordBytes(map, undefined)).toBe(map);
  });

  it('rejects another stream, another version, and damage', () => {
    const text = encodeShardMap(map, SCOPE);
    expect(decodeShardMap(text, SCOPE.replace('/s', '/other')).ok).toBe(false);
    expect(decodeShardMap(text, SCOPE.replace('123456789012', '210987654321')).ok).toBe(false);
    expect(decodeShardMap(text.replace('"v":2', '"v":1'), SCOPE).ok).toBe(false);
    expect(decodeShardMap(text.slice(0, 50), SCOPE).ok).toBe(false);
    const gappy = JSON.parse(text) as { shards: string[][] };
    gappy.shards.splice(2, 1);
    expect(decodeShardMap(JSON.stringify(gappy), SCOPE).ok).toBe(false);
  });
});
