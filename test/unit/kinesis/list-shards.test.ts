import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KinesisApi, ListShardsInput, ListShardsOutput } from '../../../src/kinesis/api.js';
import { AwsCallError } from '../../../src/kinesis/errors.js';
import { listShardsRound, MAX_LIST_SHARDS_PAGES } from '../../../src/kinesis/list-shards.js';

function fixture(name: string): ListShardsOutput {
  return JSON.parse(readFileSync(new URL(`../../fixtures/list-shards-${name}.json`, import.meta.url), 'utf8')) as ListShardsOutput;
}

function scripted(answers: Array<ListShardsOutput | Error>): Pick<KinesisApi, 'listShards'> & { calls: ListShardsInput[] } {
  const calls: ListShardsInput[] = [];
  return {
    calls,
    async listShards(input) {
      calls.push(input);
      const next = answers.shift();
      if (!next) throw new Error('unexpected ListShards call');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('listShardsRound', () => {
  it('asks for open shards first, then pages with NextToken alone', async () => {
    const page1 = fixture('page-1');
    const api = scripted([page1, fixture('page-2')]);
    const shards = await listShardsRound(api, 'logs');
    expect(shards).toHaveLength(5);
    expect(api.calls).toEqual([
      { StreamName: 'logs', ShardFilter: { Type: 'AT_LATEST' }, MaxResults: 1000 },
      { NextToken: page1.NextToken },
    ]);
  });

  it('starts over once when a NextToken expired', async () => {
    const expired = new AwsCallError('ExpiredNextTokenException', 'expired', 400);
    const api = scripted([fixture('page-1'), expired, fixture('page-1'), fixture('page-2')]);
    expect(await listShardsRound(api, 'logs')).toHaveLength(5);
    expect(api.calls[2]).toEqual({ StreamName: 'logs', ShardFilter: { Type: 'AT_LATEST' }, MaxResults: 1000 });
  });

  it('gives up after a second expiry, and on other errors at once', async () => {
    const expired = () => new AwsCallError('ExpiredNextTokenException', 'expired', 400);
    await expect(listShardsRound(scripted([fixture('page-1'), expired(), fixture('page-1'), expired()]), 'logs')).rejects.toThrow(/expired/);
    const api = scripted([new AwsCallError('LimitExceededException', 'Rate exceeded', 400)]);
    await expect(listShardsRound(api, 'logs')).rejects.toThrow(/LimitExceeded/);
    expect(api.calls).toHaveLength(1);
  });

  it('stops a server that never stops paging', async () => {
    const endless = Array.from({ length: MAX_LIST_SHARDS_PAGES + 5 }, () => fixture('page-1'));
    await expect(listShardsRound(scripted(endless), 'logs')).rejects.toThrow(/TooManyShardPages/);
  });

  it('rejects an answer without a Shards list', async () => {
    await expect(listShardsRound(scripted([{} as ListShardsOutput]), 'logs')).rejects.toThrow(/MalformedResponse/);
  });
});
