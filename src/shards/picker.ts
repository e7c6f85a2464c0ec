/**
 * Chooses a shard for each record so that every open shard gets an equal share of records,
 * whatever the width of its hash range, and gives each record an `ExplicitHashKey` inside that
 * shard's range.
 *
 * Why it is even: shards are taken in rotation (round-robin over the sorted map) from a cursor
 * that starts at a random shard and is kept for the picker's life. One instance therefore sends
 * equal counts (±1) to every shard; instances start at independent random shards, so their sum is
 * even too, and an instance that only ever sends one record still picks uniformly. Random
 * partition keys would instead spread records in proportion to range widths
 * (reference/kinesis.md §3.2, "Uniformity pitfall").
 *
 * The hash key is drawn at random inside the chosen range, not pinned to a fixed point such as
 * StartingHashKey: while a map is stale after a split, a fixed point sends all of the parent's
 * share to one child (the one holding that point), whereas random keys divide it between the
 * children by width; and a random key needs no care at range edges. The cost is a few bigint
 * operations per record.
 *
 * The partition key is not the picker's: each record keeps its own (delivery/ gives it the record
 * id), which with an EHK plays no part in routing.
 *
 * Contract: `pick(map, count, avoid)` returns `count` routes, each carrying the chosen shard's id
 * and the map's `listedAtMs`; a record with `avoid[i]` set goes to a different shard whenever the
 * map has more than one.
 */
import { cryptoRandom } from './crypto-random.js';
import type { MapShard, ShardMap } from './shard-map.js';
import type { ShardRoute } from './types.js';
/** Random bits drawn per hash key: 64 more than the 128-bit range, so the modulo bias is < 2^-64. */
const RANDOM_WORDS_PER_HASH_KEY = 6;
const WORD_RANGE = 0x1_0000_0000;

export interface ShardPickerOptions {
  /** Uniform in [0, 1); default uses crypto.getRandomValues. */
  random?: () => number;
}

export class ShardPicker {
  private readonly random: () => number;
  /** Next rotation slot; undefined until the first pick (then a random shard index). */
  private cursor: number | undefined;

  constructor(options: ShardPickerOptions = {}) {
    this.random = options.random ?? cryptoRandom;
  }

  pick(map: ShardMap, count: number, avoid?: ReadonlyArray<string | undefined>): ShardRoute[] {
    const { shards } = map;
    const n = shards.length;
    if (this.cursor === undefined) this.cursor = Math.floor(this.random() * n);
    const targets: ShardRoute[] = [];
    for (let i = 0; i < count; i++) {
      let index = (this.cursor + i) % n;
      const avoided = avoid?.[i];
      if (avoided !== undefined && n > 1 && shards[index].shardId === avoided) {
        // Throttled there last time: any other shard, uniformly, so the retry does not pile
        // onto the avoided shard's neighbour.
        index = (index + 1 + Math.floor(this.random() * (n - 1))) % n;
      }
      targets.push(this.targetFor(shards[index], map.listedAtMs));
    }
    // Kept small so it never loses precision, whatever the number of records sent.
    this.cursor = (this.cursor + count) % n;
    return targets;
  }

  private targetFor(shard: MapShard, listedAtMs: number): ShardRoute {
    return {
      explicitHashKey: randomHashKeyIn(shard.start, shard.end, this.random).toString(),
      shardId: shard.shardId,
      mapListedAtMs: listedAtMs,
    };
  }
}

/** A uniformly random key in [start, end] (bigint; both inclusive). */
export function randomHashKeyIn(start: bigint, end: bigint, random: () => number): bigint {
  const width = end - start + 1n;
  let bits = 0n;
  for (let w = 0; w < RANDOM_WORDS_PER_HASH_KEY; w++) {
    bits = (bits << 32n) | BigInt(Math.floor(random() * WORD_RANGE));
  }
  return start + (bits % width);
}
