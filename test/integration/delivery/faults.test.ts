/**
 * The product's delivery (delivery/streams.ts) against injected faults, over HTTP:
 * delivery → SigV4 verifier → fault proxy → kinesalite. For every fault: each line is delivered
 * or counted as failed, reported and handed to the fallback endpoint — none disappears — and the
 * number of calls stays within the budget.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TRUNCATION_MARKER } from '../../../src/delivery/prepare.js';
import { readStream } from '../../../src/testing/local-kinesis.js';
import { accountFor, deliver, newStream, numberedLines, stackInstance, startStack, type Stack } from '../../support/delivery-stack.js';

const FAILED = 'Failed to put record onto stream';

function putRecordsBodies(stack: Stack, streamName: string): { Records: { Data: string }[] }[] {
  return stack.exchanges
    .filter((e) => e.requestHeaders['x-amz-target'] === 'Kinesis_20131202.PutRecords' && e.requestBody.includes(`"${streamName}"`))
    .map((e) => JSON.parse(e.requestBody) as { Records: { Data: string }[] });
}

describe('scripted faults on a 2-shard stream', () => {
  let stack: Stack;
  let stream: string;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());
  beforeEach(async () => {
    stack.proxy.setFaults(undefined);
    stream = await newStream(stack, 2);
  });

  it('delivers everything in one call per 500 records when nothing goes wrong', async () => {
    const lines = numberedLines(1200);
    const result = await deliver(stack, stream, lines);
    expect(result.outcome).toMatchObject({ attempted: 1200, delivered: 1200, failed: 0, retried: 0, putRecordsCalls: 3 });
    expect(result.reports).toEqual([]);
    expect(result.listShardsCalls).toBe(1);
    // With the map, the stream's maximum record size (DescribeStreamSummary): 1 + 1 + 3 calls.
    expect(result.streamSummaryCalls).toBe(1);
    expect(result.budget.spent).toBe(5);
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.duplicates).toBe(0);
    expect(books.stored).toHaveLength(1200);
  });

  it.each([
    ['500 InternalFailure', { kind: 'status', status: 500, errorType: 'InternalFailure' } as const],
    ['503 ServiceUnavailable', { kind: 'status', status: 503, errorType: 'ServiceUnavailable' } as const],
    ['a connection reset', { kind: 'reset' } as const],
    ['malformed JSON', { kind: 'malformed' } as const],
  ])('retries the whole call once after %s and delivers every line once', async (_name, fault) => {
    stack.proxy.setFaults([fault]);
    const lines = numberedLines(50);
    const result = await deliver(stack, stream, lines);
    expect(result.outcome).toMatchObject({ delivered: 50, failed: 0, retried: 50, putRecordsCalls: 2 });
    expect(result.putRecordsCalls).toBe(2);
    expect(result.reports).toEqual([]);
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.duplicates).toBe(0);
  });

  it('gives up on a call that hangs past the timeout, and the retry delivers', async () => {
    stack.proxy.setFaults([{ kind: 'hang' }]);
    const hungBefore = stack.proxy.stats.faultsApplied.hang ?? 0;
    const lines = numberedLines(20);
    const result = await deliver(stack, stream, lines, { tuning: { kinesisCallTimeoutMs: 300 } });
    // No clock: the hung call never answers (until the proxy stops), so only the call timeout can
    // have ended it, as an ambiguous Timeout that the retry followed (signed-fetch.test.ts pins
    // the timeout's length with a stalled body).
    expect(result.outcome).toMatchObject({ delivered: 20, failed: 0, putRecordsCalls: 2, retried: 20, retriedAfterAmbiguous: 20 });
    expect(stack.proxy.stats.faultsApplied.hang - hungBefore).toBe(1);
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.duplicates).toBe(0);
  });

  it('duplicates, and only duplicates, when a timed-out call had in fact been written; each duplicate carries its original\'s PartitionKey, on its shard', async () => {
    // The documented price of retrying after a timeout (KPL RequestTimeout note): never a loss.
    // Kinesis stores the records of every other call, then the answer is held past the call timeout.
    stack.proxy.setFaults(({ n }) => (n % 2 === 1 ? { kind: 'hang-after-forward' } : undefined));
    const instance = stackInstance(stack, stream, { tuning: { kinesisCallTimeoutMs: 300 } });
    const sent: string[] = [];
    for (let request = 0; request < 4; request++) {
      const lines = numberedLines(10, `request${request}`);
      sent.push(...lines);
      const result = await instance.deliver(lines);
      expect(result.outcome).toMatchObject({ delivered: 10, failed: 0, putRecordsCalls: 2, retried: 10, retriedAfterAmbiguous: 10 });
    }
    const stored = await readStream(stack.kinesis.url, stream);
    expect(stored).toHaveLength(80);
    const byLine = new Map<string, typeof stored>();
    for (const record of stored) byLine.set(record.data, [...(byLine.get(record.data) ?? []), record]);
    expect([...byLine.keys()].sort()).toEqual([...sent].sort());
    for (const copies of byLine.values()) {
      expect(copies).toHaveLength(2);
      // The duplicate carries its original's key and sits on its shard, after it: a consumer of that shard can drop it.
      expect(copies[1].partitionKey).toBe(copies[0].partitionKey);
      expect(copies[1].shardId).toBe(copies[0].shardId);
    }
    // No two lines — of one request or of different requests — share a key.
    const keyOf = new Map([...byLine].map(([line, copies]) => [line, copies[0].partitionKey]));
    expect(new Set(keyOf.values()).size).toBe(sent.length);
    expect(instance.counters()).toMatchObject({ retriedAfterAmbiguous: 40, delivered: 40 });
  });

  it('re-sends only the failed entries of a partial failure', async () => {
    stack.proxy.setFaults([{ kind: 'partial', errorCode: 'InternalFailure', message: 'Internal service failure.' }]);
    const lines = numberedLines(40);
    const result = await deliver(stack, stream, lines);
    expect(result.outcome).toMatchObject({ delivered: 40, failed: 0, retried: 20, putRecordsCalls: 2 });
    const bodies = putRecordsBodies(stack, stream);
    expect(bodies.map((b) => b.Records.length)).toEqual([40, 20]);
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.duplicates).toBe(0);
  });

  it.each([
    ['ResourceNotFoundException', 400],
    ['AccessDeniedException', 400],
    ['ValidationException', 400],
  ])('does not retry %s, reports it once with counts, hands the lines to the fallback', async (code, status) => {
    stack.proxy.setFaults([{ kind: 'status', status, errorType: code, message: `injected ${code}` }]);
    const lines = numberedLines(30);
    const result = await deliver(stack, stream, lines);
    expect(result.outcome).toMatchObject({ delivered: 0, failed: 30, retried: 0, putRecordsCalls: 1, failedByCode: { [code]: 30 } });
    expect(result.reports).toEqual([`${FAILED} ${stream}: ${code} injected ${code} (30 of 30 records; not retriable, 1 attempt)`]);
    expect(result.fallback).toEqual(lines);
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.stored).toEqual([]);
  });

  it('fails every record of a call whose answer has the wrong entry count, without retrying', async () => {
    stack.proxy.setFaults([{ kind: 'count-mismatch' }]);
    const lines = numberedLines(12);
    const result = await deliver(stack, stream, lines);
    expect(result.outcome).toMatchObject({ delivered: 0, failed: 12, putRecordsCalls: 1, failedByCode: { RecordCountMismatch: 12 } });
    expect(result.reports).toHaveLength(1);
    expect(result.reports[0]).toMatch(/RecordCountMismatch sent 12 records, the answer has 11 entries \(12 of 12 records/);
    // Kinesis did store them: reported as failed (and in the fallback), never silently lost.
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.deliveredButReportedFailed).toHaveLength(12);
  });

  it('stops retrying when the execution budget is spent, and counts every call', async () => {
    stack.proxy.setFaults(() => ({ kind: 'status', status: 503, errorType: 'ServiceUnavailable', message: 'busy' }));
    const lines = numberedLines(25);
    const putsBefore = stack.proxy.stats.calls.PutRecords ?? 0;
    const result = await deliver(stack, stream, lines, { budgetRequests: 4, fields: { max_attempts: '10' } });
    // 1 ListShards + 3 PutRecords = the 4 requests allowed.
    expect(result.listShardsCalls).toBe(1);
    expect(result.outcome.putRecordsCalls).toBe(3);
    expect(result.budget.spent).toBe(4);
    // The proxy saw exactly the three calls counted, no more (a fourth would have passed the budget).
    expect((stack.proxy.stats.calls.PutRecords ?? 0) - putsBefore).toBe(3);
    expect(result.outcome).toMatchObject({ delivered: 0, failed: 25, failedByKind: { 'budget-exhausted': 25 } });
    expect(result.reports).toEqual([
      `${FAILED} ${stream}: ServiceUnavailable busy (25 of 25 records; backend request or time budget of this execution spent after 3 attempts)`,
    ]);
    expect(result.fallback).toHaveLength(25);
  });

  it('gives up after max_attempts on a persistent 500 and says so once', async () => {
    stack.proxy.setFaults(() => ({ kind: 'status', status: 500, errorType: 'InternalFailure', message: 'still broken' }));
    const lines = numberedLines(5);
    const result = await deliver(stack, stream, lines, { fields: { max_attempts: '3' } });
    expect(result.outcome).toMatchObject({ delivered: 0, failed: 5, putRecordsCalls: 3, retried: 10 });
    expect(result.reports).toEqual([`${FAILED} ${stream}: InternalFailure still broken (5 of 5 records; gave up after 3 attempts)`]);
  });

  it('reports a stream that does not exist (kinesalite\'s own ResourceNotFoundException)', async () => {
    const lines = numberedLines(3);
    const result = await deliver(stack, 'no-such-stream', lines);
    expect(result.outcome).toMatchObject({ delivered: 0, failed: 3, putRecordsCalls: 1 });
    // ListShards failed first: the shard map's problem is a notice, the records went with random keys.
    expect(result.notices).toEqual([expect.stringMatching(/shard map: ListShards failed: ResourceNotFoundException .*keeping the previous shard map$/)]);
    expect(result.reports[0]).toMatch(/^Failed to put record onto stream no-such-stream: ResourceNotFoundException .*\(3 of 3 records; not retriable, 1 attempt\)$/);
  });

  it('truncates an oversized line at a character boundary with a marker, or drops it (counted, reported, in the fallback)', async () => {
    const big = `{"msg":"${'é'.repeat(3000)}"}`; // 6010 bytes
    const lines = ['small-1', big, 'small-2'];
    const truncated = await deliver(stack, stream, lines, { fields: { max_record_bytes: '4096', max_request_bytes: String(64 * 1024), oversize: 'truncate' } });
    expect(truncated.outcome).toMatchObject({ delivered: 3, truncated: 1, droppedOversize: 0 });
    expect(truncated.reports).toEqual([`compute-kinesis-logger: stream ${stream}: 1 of 3 records truncated to 3840 bytes of data (oversize=truncate)`]);
    const stored = (await readStream(stack.kinesis.url, stream)).map((r) => r.data);
    const cut = stored.find((d) => d.endsWith(TRUNCATION_MARKER))!;
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(3840);
    expect(cut).not.toContain('\uFFFD');

    const other = await newStream(stack, 1);
    const dropped = await deliver(stack, other, lines, { fields: { max_record_bytes: '4096', max_request_bytes: String(64 * 1024), oversize: 'drop' } });
    expect(dropped.outcome).toMatchObject({ delivered: 2, droppedOversize: 1, failedByCode: { RecordTooLarge: 1 } });
    expect(dropped.fallback).toEqual([big]);
    expect(dropped.reports[0]).toMatch(/^Failed to put record onto stream .*: RecordTooLarge line of up to 6010 bytes .*\(1 of 3 records; dropped, oversize=drop\)$/);
    expect((await readStream(stack.kinesis.url, other)).map((r) => r.data).sort()).toEqual(['small-1', 'small-2']);
  });
});

describe('per-shard throttling (token buckets in the fault proxy)', () => {
  let stack: Stack;
  beforeAll(async () => {
    // shardId-000000000000 takes 20 records/s, shardId-000000000001 plenty.
    stack = await startStack({ recordsPerSecondPerShard: 10_000, recordsPerSecondByShard: { 'shardId-000000000000': 20 } });
  });
  afterAll(async () => stack?.stop());

  it('moves throttled entries to another shard and delivers all, without duplicates', async () => {
    const stream = await newStream(stack, 2);
    const lines = numberedLines(200);
    const throttledBefore = stack.proxy.stats.entriesThrottled;
    const result = await deliver(stack, stream, lines);
    const throttled = stack.proxy.stats.entriesThrottled - throttledBefore;
    expect(throttled).toBeGreaterThanOrEqual(60); // ~100 planned for shard 0, 20 tokens
    expect(result.outcome).toMatchObject({ attempted: 200, delivered: 200, failed: 0, retried: throttled, putRecordsCalls: 2 });
    const stored = await readStream(stack.kinesis.url, stream);
    const onShard = (id: string) => stored.filter((r) => r.shardId === id).length;
    expect(onShard('shardId-000000000000')).toBeLessThanOrEqual(20);
    expect(onShard('shardId-000000000001')).toBeGreaterThanOrEqual(180);
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.duplicates).toBe(0);
  });

  it('on a single shard at twice its limit, fails what it cannot place within the retries, reports it once per code', async () => {
    const stream = await newStream(stack, 1);
    const lines = numberedLines(120);
    const result = await deliver(stack, stream, lines, { tuning: { baseRetryBackoffMs: 10, maxRetryBackoffMs: 20 } });
    expect(result.outcome.putRecordsCalls).toBe(3);
    expect(result.outcome.delivered + result.outcome.failed).toBe(120);
    expect(result.outcome.failed).toBeGreaterThan(0);
    expect(result.outcome.failedByCode).toEqual({ ProvisionedThroughputExceededException: result.outcome.failed });
    expect(result.reports).toHaveLength(1);
    expect(result.reports[0]).toMatch(
      new RegExp(`^${FAILED} ${stream}: ProvisionedThroughputExceededException Rate exceeded for shard shardId-000000000000 in stream ${stream} under account 000000000000\\. \\(${result.outcome.failed} of 120 records; gave up after 3 attempts\\)$`),
    );
    const books = await accountFor(stack, stream, lines, result);
    expect(books.lost).toEqual([]);
    expect(books.duplicates).toBe(0);
    expect(books.deliveredButReportedFailed).toEqual([]);
  });
});
