/**
 * Shard layouts as ListShards lists them, and in-process ListShards answers (one page, or paged)
 * that count their calls: for the shards and delivery tests and bench/shard-balance.ts.
 */
import type { DescribeStreamSummaryInput, DescribeStreamSummaryOutput, KinesisApi, ListShardsInput, ListShardsOutput, Shard } from '../../src/kinesis/api.js';

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
 * CountingListShards that also answers DescribeStreamSummary: `summary()` is the answer (a stand-in
 * for a stream raised to 10 MiB answers `{ StreamDescriptionSummary: { MaxRecordSizeInKiB: 10240 } }`),
 * or an Error to throw.
 */
export class CountingKinesisMetadata extends CountingListShards implements Pick<KinesisApi, 'describeStreamSummary'> {
  summaryCalls: DescribeStreamSummaryInput[] = [];
  constructor(
    layout: () => Shard[],
    public summary: () => DescribeStreamSummaryOutput | Error,
  ) {
    super(layout);
  }
  async describeStreamSummary(input: DescribeStreamSummaryInput): Promise<DescribeStreamSummaryOutput> {
    this.summaryCalls.push(input);
    await Promise.resolve();
    const answer = this.summary();
    if (answer instanceof Error) throw answer;
    return answer;
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

