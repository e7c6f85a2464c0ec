/**
 * Shared by the shards tests and bench/shard-balance.ts: a fake clock, a KV fake whose
 * insert-if-absent is atomic, and a counting in-process ListShards.
 */
import type { KinesisApi, ListShardsInput, ListShardsOutput, Shard } from '../../../src/kinesis/api.js';
import type { KvPutOptions } from '../../../src/platform/types.js';
import { FakeKvStore } from '../../support/fakes/platform.js';
export { seededRandom } from '../../support/seeded-random.js';

export class FakeClock {
  constructor(public ms = 1_700_000_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * FakeKvStore with `mode: 'add'` checked and applied in one step. The base fake checks across an
 * `await`, so two concurrent adds can both succeed; the real store (like any insert-if-absent)
 * lets only one win, and the lease tests are about exactly that race.
 */
export class AtomicFakeKvStore extends FakeKvStore {
  constructor(private readonly clock: () => number) {
    super(clock);
  }

  override async put(key: string, value: string, options?: KvPutOptions): Promise<void> {
    this.puts++;
    if (this.failWith) throw this.failWith;
    const existing = this.entries.get(key);
    const live = existing !== undefined && (existing.expiresAtMs === undefined || existing.expiresAtMs > this.clock());
    if (options?.mode === 'add' && live) throw new TypeError('KVStore insert: Precondition failed.');
    this.entries.set(key, { value, expiresAtMs: options?.ttl !== undefined ? this.clock() + options.ttl * 1000 : undefined });
  }
}

/** Open shards with the given starting keys (sorted, first 0), as ListShards would list them. */
export function shardsStartingAt(starts: bigint[], firstIndex = 0): Shard[] {
  const space = 1n << 128n;
  return starts.map((start, i) => ({
    ShardId: `shardId-${String(firstIndex + i).padStart(12, '0')}`,
    HashKeyRange: { StartingHashKey: start.toString(), EndingHashKey: ((starts[i + 1] ?? space) - 1n).toString() },
    SequenceNumberRange: { StartingSequenceNumber: '1' },
  }));
}

export function equalShards(count: number, firstIndex = 0): Shard[] {
  const space = 1n << 128n;
  return shardsStartingAt(
    Array.from({ length: count }, (_, i) => (BigInt(i) * space) / BigInt(count)),
    firstIndex,
  );
}

/** An in-process ListShards answering one page with `layout()`, counting calls; `fail` makes it throw. */
export class CountingListShards implements Pick<KinesisApi, 'listShards'> {
  calls: ListShardsInput[] = [];
  fail?: Error;
  constructor(public layout: () => Shard[]) {}
  async listShards(input: ListShardsInput): Promise<ListShardsOutput> {
    this.calls.push(input);
    await Promise.resolve();
    if (this.fail) throw this.fail;
    return { Shards: this.layout() };
  }
}

/**
 * An in-process ListShards that answers `layout()` in pages of `pageSize` (NextToken = the next
 * offset), counting calls; for tests of paging and of the requests a refresh spends.
 */
export class PagingListShards implements Pick<KinesisApi, 'listShards'> {
  calls: ListShardsInput[] = [];
  constructor(
    public layout: () => Shard[],
    readonly pageSize: number,
  ) {}
  async listShards(input: ListShardsInput): Promise<ListShardsOutput> {
    this.calls.push(input);
    await Promise.resolve();
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const all = this.layout();
    const end = start + this.pageSize;
    return { Shards: all.slice(start, end), NextToken: end < all.length ? String(end) : undefined };
  }
}

