/**
 * A Kinesis fault injector on 127.0.0.1, in front of kinesalite (which never throttles and never
 * fails; reference/kinesis.md §7). Put it behind the SigV4 verifier when signatures matter
 * (client → verifier → fault proxy → kinesalite): it rewrites PutRecords bodies, which would
 * break a signature checked after it.
 *
 * Per-shard throttling, as a real shard does it: every PutRecords entry is mapped to the open
 * shard whose HashKeyRange holds its ExplicitHashKey, or else the MD5 of its PartitionKey (the
 * stream's shards are listed from the target and cached for 250 ms). Each shard has a token bucket
 * of `recordsPerSecondPerShard` (a real shard: 1,000) and optionally `bytesPerSecondPerShard`
 * (data + partition key; a real shard: 1 MiB), holding `burstSeconds` worth of tokens. Entries
 * that find no token are answered with ProvisionedThroughputExceededException ("Rate exceeded for
 * shard …"), the others are forwarded, and the answers are merged back in request order.
 *
 * Scripted faults, for the n-th matching call (`faults` list consumed in order, or a function of
 * the call; unscripted calls pass):
 *   { kind: 'pass' }
 *   { kind: 'status', status, errorType?, message? }  answer status with {"__type", "message"}; not forwarded
 *   { kind: 'reset' }                 destroy the connection before forwarding (nothing written)
 *   { kind: 'reset-after-forward' }   forward (records written), then destroy the connection
 *   { kind: 'hang' }                  never answer (until stop()); nothing forwarded
 *   { kind: 'hang-after-forward' }    forward (records written), then never answer
 *   { kind: 'malformed', body? }      answer 200 with a body that is not JSON; not forwarded
 *   { kind: 'partial', errorCode, message?, indexes? }  entries at `indexes` (default: every other
 *                                      one, starting at 0) answered with errorCode; the rest forwarded
 *   { kind: 'count-mismatch' }        forward, then answer with the last entry missing
 *   { kind: 'hold', until }           wait until the promise settles, then pass (a slow answer the
 *                                      test ends, e.g. a ListShards held while others race)
 *
 * Start: `startFaultProxy({ target, recordsPerSecondPerShard?, recordsPerSecondByShard?,
 *   bytesPerSecondPerShard?, burstSeconds?, faults?, operations?, port?, now? })`
 *   target      URL of kinesalite (required)
 *   recordsPerSecondByShard  per-ShardId overrides of the record rate (e.g. one hot shard)
 *   operations  the X-Amz-Target operations scripted faults apply to, default ['PutRecords']
 *               (others are always forwarded untouched, e.g. ListShards)
 * Returns { url, port, stop(), setFaults(faults, operations?), stats }, stats counting calls per operation,
 * entries forwarded / throttled / failed by injection, and the faults applied by kind.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { kinesisCall } from '../../src/testing/local-kinesis.js';
import { forward, listen, readBody, receivedRequest, send, jsonError, type ReceivedRequest } from './sigv4-verifier.js';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; errorType?: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'reset-after-forward' }
  | { kind: 'hang' }
  | { kind: 'hang-after-forward' }
  | { kind: 'malformed'; body?: string }
  | { kind: 'partial'; errorCode: string; message?: string; indexes?: readonly number[] }
  | { kind: 'count-mismatch' }
  | { kind: 'hold'; until: Promise<unknown> };

export interface CallInfo {
  /** 1-based, among calls of the scripted operations. */
  n: number;
  operation: string;
  body: unknown;
}

export type FaultScript = readonly Fault[] | ((call: CallInfo) => Fault | undefined);

export interface FaultProxyOptions {
  target: string;
  recordsPerSecondPerShard?: number;
  /** Per-shard overrides of recordsPerSecondPerShard (a hot or slow shard), by ShardId. */
  recordsPerSecondByShard?: Readonly<Record<string, number>>;
  bytesPerSecondPerShard?: number;
  burstSeconds?: number;
  faults?: FaultScript;
  operations?: readonly string[];
  port?: number;
  now?: () => number;
}

export interface FaultProxyStats {
  calls: Record<string, number>;
  entriesForwarded: number;
  entriesThrottled: number;
  entriesFailedByInjection: number;
  throttledByShard: Record<string, number>;
  faultsApplied: Record<string, number>;
}

/** A PutRecords entry that Kinesis stored, as it was sent and where it landed. */
export interface ForwardedEntry {
  /** The record's data as UTF-8 text. */
  data: string;
  partitionKey: string;
  explicitHashKey?: string;
  shardId: string;
}

export interface FaultProxy {
  url: string;
  port: number;
  stats: FaultProxyStats;
  /** Every entry stored through this proxy, in order. */
  forwarded: ForwardedEntry[];
  /** Replaces the script (and, when given, the operations it applies to); its call count starts again. */
  setFaults(faults: FaultScript | undefined, operations?: readonly string[]): void;
  stop(): Promise<void>;
}

interface OpenShard {
  shardId: string;
  start: bigint;
  end: bigint;
}

interface Bucket {
  records: number;
  bytes: number;
  lastMs: number;
}

interface Entry {
  Data: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

interface ResultEntry {
  ShardId?: string;
  SequenceNumber?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

const SHARD_CACHE_MS = 250;
const JSON_TYPE = { 'content-type': 'application/x-amz-json-1.1' };

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const now = options.now ?? Date.now;
  let operations = new Set(options.operations ?? ['PutRecords']);
  const burst = options.burstSeconds ?? 1;
  const stats: FaultProxyStats = { calls: {}, entriesForwarded: 0, entriesThrottled: 0, entriesFailedByInjection: 0, throttledByShard: {}, faultsApplied: {} };
  const forwarded: ForwardedEntry[] = [];
  let script = options.faults;
  let scriptedCalls = 0;
  const buckets = new Map<string, Bucket>();
  const shardCache = new Map<string, { atMs: number; shards: OpenShard[] }>();

  async function shardsOf(streamName: string): Promise<OpenShard[]> {
    const cached = shardCache.get(streamName);
    if (cached && now() - cached.atMs < SHARD_CACHE_MS) return cached.shards;
    const { Shards } = await kinesisCall<{ Shards: { ShardId: string; HashKeyRange: { StartingHashKey: string; EndingHashKey: string }; SequenceNumberRange: { EndingSequenceNumber?: string } }[] }>(
      options.target,
      'ListShards',
      { StreamName: streamName },
    );
    const shards = Shards.filter((s) => !s.SequenceNumberRange.EndingSequenceNumber).map((s) => ({
      shardId: s.ShardId,
      start: BigInt(s.HashKeyRange.StartingHashKey),
      end: BigInt(s.HashKeyRange.EndingHashKey),
    }));
    shardCache.set(streamName, { atMs: now(), shards });
    return shards;
  }

  /** Takes one record's tokens from its shard's bucket; false = throttled. */
  function take(shardId: string, bytes: number): boolean {
    const recordRate = options.recordsPerSecondByShard?.[shardId] ?? options.recordsPerSecondPerShard ?? Infinity;
    const byteRate = options.bytesPerSecondPerShard ?? Infinity;
    const t = now();
    const bucket = buckets.get(shardId) ?? { records: recordRate * burst, bytes: byteRate * burst, lastMs: t };
    const elapsed = Math.max(0, t - bucket.lastMs) / 1000;
    bucket.records = Math.min(recordRate * burst, bucket.records + elapsed * recordRate);
    bucket.bytes = Math.min(byteRate * burst, bucket.bytes + elapsed * byteRate);
    bucket.lastMs = t;
    buckets.set(shardId, bucket);
    if (bucket.records < 1 || bucket.bytes < bytes) return false;
    bucket.records -= 1;
    bucket.bytes -= bytes;
    return true;
  }

  function nextFault(operation: string, body: unknown): Fault | undefined {
    if (!operations.has(operation) || !script) return undefined;
    const n = ++scriptedCalls;
    if (typeof script === 'function') return script({ n, operation, body });
    return script[n - 1];
  }

  async function putRecords(received: ReceivedRequest, body: { StreamName: string; Records: Entry[] }, fault: Fault | undefined) {
    let shards: OpenShard[];
    try {
      shards = await shardsOf(body.StreamName);
    } catch {
      // No such stream (or not listable): let kinesalite answer the call itself.
      return forward(options.target, received);
    }
    const results: (ResultEntry | undefined)[] = new Array(body.Records.length).fill(undefined);
    const injected = fault?.kind === 'partial' ? new Set(fault.indexes ?? body.Records.map((_, i) => i).filter((i) => i % 2 === 0)) : undefined;
    body.Records.forEach((entry, i) => {
      if (fault?.kind === 'partial' && injected!.has(i)) {
        stats.entriesFailedByInjection++;
        results[i] = { ErrorCode: fault.errorCode, ErrorMessage: fault.message ?? `injected ${fault.errorCode}` };
        return;
      }
      const hashKey = entry.ExplicitHashKey !== undefined ? BigInt(entry.ExplicitHashKey) : BigInt(`0x${createHash('md5').update(entry.PartitionKey, 'utf8').digest('hex')}`);
      const shard = shards.find((s) => s.start <= hashKey && hashKey <= s.end);
      const bytes = Buffer.from(entry.Data, 'base64').length + Buffer.byteLength(entry.PartitionKey, 'utf8');
      if (shard && !take(shard.shardId, bytes)) {
        stats.entriesThrottled++;
        stats.throttledByShard[shard.shardId] = (stats.throttledByShard[shard.shardId] ?? 0) + 1;
        results[i] = {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard ${shard.shardId} in stream ${body.StreamName} under account 000000000000.`,
        };
      }
    });
    const passing = body.Records.map((entry, i) => ({ entry, i })).filter(({ i }) => results[i] === undefined);
    if (passing.length > 0) {
      const forwardedBody = Buffer.from(JSON.stringify({ ...body, Records: passing.map((p) => p.entry) }));
      const answer = await forward(options.target, received, new Uint8Array(forwardedBody));
      if (answer.status !== 200) return answer; // kinesalite refused the call: pass its answer on
      const parsed = JSON.parse(Buffer.from(answer.body).toString('utf8')) as { Records: ResultEntry[] };
      passing.forEach(({ entry, i }, k) => {
        results[i] = parsed.Records[k];
        const { ShardId } = parsed.Records[k];
        if (ShardId) {
          const data = Buffer.from(entry.Data, 'base64').toString('utf8');
          forwarded.push({ data, partitionKey: entry.PartitionKey, explicitHashKey: entry.ExplicitHashKey, shardId: ShardId });
        }
      });
      stats.entriesForwarded += passing.length;
    }
    const records = results as ResultEntry[];
    return {
      status: 200,
      headers: JSON_TYPE,
      body: new Uint8Array(
        Buffer.from(JSON.stringify({ FailedRecordCount: records.filter((r) => r.ErrorCode).length, Records: records, EncryptionType: 'NONE' })),
      ),
    };
  }

  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const received = receivedRequest(req, raw);
      const operation = (received.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      stats.calls[operation] = (stats.calls[operation] ?? 0) + 1;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(raw).toString('utf8'));
      } catch {
        body = undefined;
      }
      const fault = nextFault(operation, body);
      if (fault && fault.kind !== 'pass') stats.faultsApplied[fault.kind] = (stats.faultsApplied[fault.kind] ?? 0) + 1;
      switch (fault?.kind) {
        case 'status':
          return send(res, fault.status, JSON_TYPE, jsonError(fault.errorType ?? (fault.status >= 500 ? 'InternalFailure' : 'ValidationException'), fault.message ?? `injected ${fault.status}`));
        case 'reset':
          return void req.socket.destroy();
        case 'hang':
          return; // the connection stays open until stop()
        case 'malformed':
          return send(res, 200, JSON_TYPE, fault.body ?? '{"FailedRecordCount":0,"Records":[{"SequenceNum');
        case 'hold':
          await fault.until.catch(() => undefined);
          break;
      }
      let answer;
      if (operation === 'PutRecords' && body && Array.isArray((body as { Records?: unknown }).Records)) {
        answer = await putRecords(received, body as { StreamName: string; Records: Entry[] }, fault);
      } else {
        answer = await forward(options.target, received);
      }
      if (fault?.kind === 'reset-after-forward') return void req.socket.destroy();
      if (fault?.kind === 'hang-after-forward') return;
      if (fault?.kind === 'count-mismatch' && answer.status === 200) {
        const parsed = JSON.parse(Buffer.from(answer.body).toString('utf8')) as { Records: ResultEntry[] };
        parsed.Records.pop();
        return send(res, 200, JSON_TYPE, JSON.stringify(parsed));
      }
      send(res, answer.status, answer.headers, answer.body);
    } catch (error) {
      if (!res.headersSent) send(res, 500, JSON_TYPE, jsonError('InternalFailure', `fault proxy: ${error instanceof Error ? error.message : error}`));
    }
  });
  const listening = await listen(server, options.port);
  return {
    ...listening,
    stats,
    forwarded,
    setFaults(faults, newOperations) {
      script = faults;
      scriptedCalls = 0;
      if (newOperations) operations = new Set(newOperations);
    },
  };
}
