import { describe, expect, it } from 'vitest';
import { parseHashKey } from '../../../src/kinesis/keys.js';
import { MAX_HASH_KEY } from '../../../src/kinesis/limits.js';
import { randomHashKeyIn, ShardPicker } from '../../../src/shards/picker.js';
import { buildShardMap, type ShardMap } from '../../../src/shards/shard-map.js';
import { equalShards, shardsStartingAt } from '../../support/shards.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

const SPACE = 1n << 128n;

function map(shards: ReturnType<typeof equalShards>, listedAtMs = 5): ShardMap {
  const built = buildShardMap(shards, listedAtMs);
  if (!built.ok) throw new Error(built.reason);
  return built.map;
}

/** Widths 1/1024, 1/64 − 1/1024, 1/4, 1/2 − 1/64 − …: wildly uneven, as after repeated splits. */
const UNEVEN = map(shardsStartingAt([0n, SPACE / 1024n, SPACE / 64n, SPACE / 4n + 12345n, SPACE / 2n, (SPACE * 15n) / 16n]));

function counts(targets: { shardId?: string }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of targets) out.set(t.shardId!, (out.get(t.shardId!) ?? 0) + 1);
  return out;
}

describe('ShardPicker', () => {
  it.each([
    ['4 equal shards', map(equalShards(4))],
    ['6 uneven shards', UNEVEN],
    ['1 shard', map(equalShards(1))],
    ['37 equal shards', map(equalShards(37))],
  ])('gives every shard an equal share (±1) on %s, across many small batches', (_, layout) => {
    const picker = new ShardPicker({ random: seededRandom(1) });
    const targets = [];
    for (let request = 0; request < 2000; request++) targets.push(...picker.pick(layout, 1 + (request % 3), undefined));
    const perShard = [...counts(targets).values()];
    expect(perShard).toHaveLength(layout.shards.length);
    expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(1);
  });

  it('puts each ExplicitHashKey inside the chosen shard (the partition key is not the picker\'s)', () => {
    const picker = new ShardPicker({ random: seededRandom(2) });
    for (const target of picker.pick(UNEVEN, 600)) {
      expect(target).not.toHaveProperty('partitionKey');
      const key = parseHashKey(target.explicitHashKey)!;
      // The one shard whose range holds the key is the shard the target names.
      expect(UNEVEN.shards.filter((s) => s.start <= key && key <= s.end).map((s) => s.shardId)).toEqual([target.shardId]);
      expect(target.mapListedAtMs).toBe(UNEVEN.listedAtMs);
    }
  });

  it('spreads within one batch from a random start', () => {
    const layout = map(equalShards(8));
    const firsts = new Set<string>();
    for (let seed = 0; seed < 64; seed++) {
      const batch = new ShardPicker({ random: seededRandom(seed) }).pick(layout, 8);
      expect(new Set(batch.map((t) => t.shardId)).size).toBe(8);
      firsts.add(batch[0].shardId!);
    }
    // Instances start at different shards, so one-record instances do not all hit the first shard.
    expect(firsts.size).toBeGreaterThan(4);
  });

  it('sums evenly across many single-record instances (each a fresh picker)', () => {
    const random = seededRandom(3);
    const targets = [];
    for (let instance = 0; instance < 20_000; instance++) targets.push(...new ShardPicker({ random }).pick(UNEVEN, 1));
    const perShard = [...counts(targets).values()];
    const mean = 20_000 / UNEVEN.shards.length;
    expect(Math.max(...perShard) / mean).toBeLessThan(1.05);
  });

  it('sends a record that was throttled on a shard to another shard, uniformly', () => {
    const layout = map(equalShards(4));
    const picker = new ShardPicker({ random: seededRandom(4) });
    const avoided = layout.shards[1].shardId;
    const targets = [];
    for (let i = 0; i < 300; i++) targets.push(...picker.pick(layout, 4, [avoided, avoided, avoided, avoided]));
    const perShard = counts(targets);
    expect(perShard.get(avoided)).toBeUndefined();
    for (const shard of layout.shards) if (shard.shardId !== avoided) expect(perShard.get(shard.shardId)).toBeGreaterThan(300);
  });

  it('cannot avoid the only shard', () => {
    const one = map(equalShards(1));
    expect(new ShardPicker().pick(one, 2, ['shardId-000000000000', undefined]).map((t) => t.shardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000000',
    ]);
  });

  it('ignores an avoided name it does not know: the same targets (shards and keys) as with nothing to avoid', () => {
    const four = map(equalShards(4));
    const plain = new ShardPicker({ random: seededRandom(6) });
    const avoiding = new ShardPicker({ random: seededRandom(6) });
    for (let request = 0; request < 5; request++) {
      const expected = plain.pick(four, 3);
      // Not in the map, on every record: no detour, and no extra random draw that would shift the rotation or the keys.
      expect(avoiding.pick(four, 3, ['shardId-000000000099', 'shardId-000000000099', 'shardId-000000000099'])).toEqual(expected);
    }
  });
});

describe('randomHashKeyIn', () => {
  it('reaches both ends of the range, both inclusive', () => {
    // Every 32-bit word at its largest: the bits are all ones, so a range whose width is a power
    // of two yields exactly its end, which is only possible if the end is inclusive.
    const top = () => 0.9999999999;
    expect(randomHashKeyIn(0n, MAX_HASH_KEY, top)).toBe(MAX_HASH_KEY);
    expect(randomHashKeyIn(MAX_HASH_KEY - 1n, MAX_HASH_KEY, top)).toBe(MAX_HASH_KEY);
    expect(randomHashKeyIn(MAX_HASH_KEY - 1n, MAX_HASH_KEY, () => 0)).toBe(MAX_HASH_KEY - 1n);
    expect(randomHashKeyIn(10n, 20n, () => 0)).toBe(10n);
    expect(randomHashKeyIn(7n, 7n, Math.random)).toBe(7n);
  });

  it('covers a narrow range evenly', () => {
    const seen = new Map<bigint, number>();
    const random = seededRandom(5);
    for (let i = 0; i < 4000; i++) {
      const k = randomHashKeyIn(100n, 103n, random);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([100n, 101n, 102n, 103n]);
    for (const n of seen.values()) expect(n).toBeGreaterThan(850);
  });

});
