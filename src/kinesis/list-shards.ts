/**
 * ListShards paging: the request for each page, and one "round" that pages to the end.
 *
 * Owns the NextToken rules (reference/kinesis.md §3.5): the first page names the stream and asks
 * for open shards only (`ShardFilter: {Type: AT_LATEST}`, `MaxResults: 1000`); every later page
 * sends `NextToken` alone, because AWS rejects `NextToken` together with `StreamName`/`StreamARN`
 * (awslabs/amazon-kinesis-producer#481, the bug that broke KPL on streams with >1000 shards).
 *
 * Does not own: filtering closed shards, parsing hash ranges or checking coverage (that is
 * shards/shard-map.ts), nor retries or backoff (shards/shared-map.ts). Each page is one call
 * through the execution's signed fetch, so it counts against that execution's backend budget.
 *
 * Contract: resolves with every shard of every page, in answer order, or rejects with
 * AwsCallError.
 */
import type { KinesisApi, ListShardsInput, Shard } from './api.js';
import { AwsCallError } from './errors.js';
import { MAX_LIST_SHARDS_RESULTS } from './limits.js';

/** Guard against a server that keeps answering NextToken: 20 pages = 20,000 open shards. */
export const MAX_LIST_SHARDS_PAGES = 20;
/** A round restarts from the first page at most this often after `ExpiredNextTokenException`. */
export const MAX_LIST_SHARDS_RESTARTS = 1;

export function firstPageRequest(streamName: string): ListShardsInput {
  return { StreamName: streamName, ShardFilter: { Type: 'AT_LATEST' }, MaxResults: MAX_LIST_SHARDS_RESULTS };
}

/** The token already names the stream and the filter; anything more is an InvalidArgumentException. */
export function nextPageRequest(nextToken: string): ListShardsInput {
  return { NextToken: nextToken };
}

/** One ListShards round: every page, first to last. */
export async function listShardsRound(api: Pick<KinesisApi, 'listShards'>, streamName: string): Promise<Shard[]> {
  for (let restart = 0; ; restart++) {
    try {
      return await pageToEnd(api, streamName);
    } catch (error) {
      // A token lives 300 s; a round that slow (or a server that expired it early) starts over
      // once rather than failing the refresh (reference/kinesis.md §6.1).
      const expired = error instanceof AwsCallError && error.errorCode === 'ExpiredNextTokenException';
      if (!expired || restart >= MAX_LIST_SHARDS_RESTARTS) throw error;
    }
  }
}

async function pageToEnd(api: Pick<KinesisApi, 'listShards'>, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let request = firstPageRequest(streamName);
  for (let page = 1; ; page++) {
    const answer = await api.listShards(request);
    if (!Array.isArray(answer.Shards)) throw new AwsCallError('MalformedResponse', 'ListShards answer has no Shards list');
    shards.push(...answer.Shards);
    if (!answer.NextToken) return shards;
    if (page >= MAX_LIST_SHARDS_PAGES) {
      throw new AwsCallError('TooManyShardPages', `ListShards still had a NextToken after ${MAX_LIST_SHARDS_PAGES} pages`);
    }
    request = nextPageRequest(answer.NextToken);
  }
}
