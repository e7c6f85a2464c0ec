/**
 * The shard map: an immutable snapshot of a stream's open shards, `{ listedAtMs, shards }`, with
 * hash ranges as bigint and shards sorted by range. A refresh replaces the whole snapshot; nobody
 * mutates one (STYLE §6).
 *
 * Owns: building a map from ListShards shards (keep open ones, parse, sort, check that the ranges
 * tile 0…2^128−1 exactly), the stream's maximum record size read with the listing, and the text
 * form kept in KV.
 * Does not own: fetching (kinesis/list-shards.ts), sharing or refresh policy (shared-map.ts),
 * choosing shards (picker.ts).
 *
 * Contract: every ShardMap that exists passed `checkCoverage`, so a lookup of any key in
 * 0…2^128−1 finds exactly one shard. Building or decoding something inconsistent gives a reason,
 * never a map.
 */
import { DEFAULT_STREAM_MAX_RECORD_BYTES, MAX_HASH_KEY, MAX_RECORD_BYTES_API, parseHashKey, type Shard } from '../kinesis/index.js';

export interface MapShard {
  readonly shardId: string;
  /** StartingHashKey, inclusive. */
  readonly start: bigint;
  /** EndingHashKey, inclusive. */
  readonly end: bigint;
}

export interface ShardMap {
  /** When the ListShards round that produced this map started (ms since epoch). */
  readonly listedAtMs: number;
  /** Open shards, sorted by `start`; together they cover 0…2^128−1 without gaps or overlaps. */
  readonly shards: readonly MapShard[];
  /**
   * The stream's maximum record size (data + partition key), as DescribeStreamSummary answered
   * with this listing (kinesis/stream-summary.ts); absent when it was not read.
   */
  readonly maxRecordBytes?: number;
}

export type ShardMapResult = { ok: true; map: ShardMap } | { ok: false; reason: string };

/**
 * Version of the text form in KV; a reader that sees another version ignores the entry. 2: the
 * entry names its stream by scope (account, region, Kinesis host, stream; map-store.ts).
 */
export const SHARD_MAP_FORMAT_VERSION = 2;

/** A shard is open while its SequenceNumberRange has no EndingSequenceNumber (API_SequenceNumberRange). */
export function isOpenShard(shard: Shard): boolean {
  const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
  return ending === undefined || ending === null;
}

/**
 * Builds a map from a ListShards round. Closed shards are dropped here even though the request
 * asked for AT_LATEST: kinesalite (and any server that ignores ShardFilter) returns them too, and
 * a closed parent overlaps its children.
 */
export function buildShardMap(shards: readonly Shard[], listedAtMs: number): ShardMapResult {
  const open: MapShard[] = [];
  for (const shard of shards) {
    if (!isOpenShard(shard)) continue;
    const start = parseHashKey(shard.HashKeyRange?.StartingHashKey);
    const end = parseHashKey(shard.HashKeyRange?.EndingHashKey);
    if (typeof shard.ShardId !== 'string' || shard.ShardId === '') return { ok: false, reason: 'a shard has no ShardId' };
    if (start === undefined || end === undefined) return { ok: false, reason: `${shard.ShardId} has an unreadable HashKeyRange` };
    open.push({ shardId: shard.ShardId, start, end });
  }
  return fromShards(open, listedAtMs);
}

/** Sorts and checks; the one way a ShardMap comes into being. */
export function fromShards(shards: readonly MapShard[], listedAtMs: number): ShardMapResult {
  const sorted = [...shards].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const problem = checkCoverage(sorted);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, map: Object.freeze({ listedAtMs, shards: Object.freeze(sorted.map((s) => Object.freeze({ ...s }))) }) };
}

/** Undefined when `sorted` tiles 0…2^128−1 exactly, else what is wrong (first problem only). */
export function checkCoverage(sorted: readonly MapShard[]): string | undefined {
  if (sorted.length === 0) return 'no open shards';
  const ids = new Set<string>();
  let expectedStart = 0n;
  for (const shard of sorted) {
    if (ids.has(shard.shardId)) return `${shard.shardId} is listed twice`;
    ids.add(shard.shardId);
    if (shard.start > shard.end) return `${shard.shardId} has StartingHashKey > EndingHashKey`;
    if (shard.end > MAX_HASH_KEY) return `${shard.shardId} ends above 2^128-1`;
    if (shard.start > expectedStart) return `gap: no open shard covers ${expectedStart}…${shard.start - 1n}`;
    if (shard.start < expectedStart) return `overlap: ${shard.shardId} starts at ${shard.start}, inside the previous shard`;
    expectedStart = shard.end + 1n;
  }
  if (expectedStart <= MAX_HASH_KEY) return `gap: no open shard covers ${expectedStart}…2^128-1`;
  return undefined;
}

/** The same map, carrying the stream's maximum record size (unchanged when `maxRecordBytes` is undefined). */
export function withMaxRecordBytes(map: ShardMap, maxRecordBytes: number | undefined): ShardMap {
  if (maxRecordBytes === undefined || maxRecordBytes === map.maxRecordBytes) return map;
  return Object.freeze({ ...map, maxRecordBytes });
}

export function hasShard(map: ShardMap, shardId: string): boolean {
  return map.shards.some((s) => s.shardId === shardId);
}

/**
 * What KV holds for one stream: `{ v, scope, listedAtMs, shards: [[id, start, end], …], maxRecordBytes? }`.
 * `maxRecordBytes` is optional within version 2: a reader that predates it ignores it, and an entry
 * without it reads as not known.
 */
export function encodeShardMap(map: ShardMap, scope: string): string {
  return JSON.stringify({
    v: SHARD_MAP_FORMAT_VERSION,
    scope,
    listedAtMs: map.listedAtMs,
    shards: map.shards.map((s) => [s.shardId, s.start.toString(), s.end.toString()]),
    ...(map.maxRecordBytes === undefined ? {} : { maxRecordBytes: map.maxRecordBytes }),
  });
}

/** Parses and re-checks a KV entry; anything unexpected (other stream, version, damage) is a reason. */
export function decodeShardMap(text: string, scope: string): ShardMapResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const entry = value as { v?: unknown; scope?: unknown; listedAtMs?: unknown; shards?: unknown; maxRecordBytes?: unknown };
  if (entry?.v !== SHARD_MAP_FORMAT_VERSION) return { ok: false, reason: `format version ${String(entry?.v)} is not ${SHARD_MAP_FORMAT_VERSION}` };
  if (entry.scope !== scope) return { ok: false, reason: 'entry is for another stream' };
  if (typeof entry.listedAtMs !== 'number' || !Number.isFinite(entry.listedAtMs)) return { ok: false, reason: 'listedAtMs missing' };
  if (!Array.isArray(entry.shards)) return { ok: false, reason: 'shards missing' };
  const shards: MapShard[] = [];
  for (const item of entry.shards as unknown[]) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') return { ok: false, reason: 'damaged shard entry' };
    const start = parseHashKey(item[1]);
    const end = parseHashKey(item[2]);
    if (start === undefined || end === undefined) return { ok: false, reason: `${item[0]} has an unreadable range` };
    shards.push({ shardId: item[0], start, end });
  }
  const built = fromShards(shards, entry.listedAtMs);
  if (!built.ok) return built;
  // A size outside what Kinesis allows is not believed (the map still is): not known, 1 MiB is used.
  const size = entry.maxRecordBytes;
  const believable = typeof size === 'number' && Number.isInteger(size) && size >= DEFAULT_STREAM_MAX_RECORD_BYTES && size <= MAX_RECORD_BYTES_API;
  return { ok: true, map: withMaxRecordBytes(built.map, believable ? size : undefined) };
}
