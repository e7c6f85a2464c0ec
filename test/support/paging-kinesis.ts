/**
 * A small Kinesis stand-in for what kinesalite does not do: ListShards paging with MaxResults and
 * NextToken, the AT_LATEST filter, and AWS's refusal of NextToken together with StreamName or
 * StreamARN (reference/kinesis.md §3.5, §7). It also answers PutRecords by routing each record's
 * hash key (ExplicitHashKey, else MD5 of the partition key) to the open shard that holds it, so the
 * real delivery pipeline can run against layouts of thousands of shards.
 *
 * One stream, a generated layout (e.g. 2,500 equal shards, or any ranges), and switches that make
 * ListShards answer errors, gaps, overlaps or empty lists. HTTP on 127.0.0.1, port 0.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const HASH_KEY_SPACE = 1n << 128n;

export interface StandInShard {
  ShardId: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
  ParentShardId?: string;
}

/** What ListShards answers: the truth, or one of the failures a refresh must survive. */
export type ListShardsMode =
  | { kind: 'ok' }
  | { kind: 'error'; status: number; type: string; message?: string }
  | { kind: 'gap' }
  | { kind: 'overlap' }
  | { kind: 'empty' };

export interface ListShardsCall {
  body: Record<string, unknown>;
  status: number;
}

export interface PagingKinesis {
  url: string;
  streamName: string;
  /** Every ListShards request received, with the status answered. */
  listShardsCalls: ListShardsCall[];
  /** Records accepted per shard id. */
  recordsPerShard: Map<string, number>;
  putRecordsCalls: number;
  setMode(mode: ListShardsMode): void;
  /** Replaces the layout: `open` shards route records; `closed` ones are listed without AT_LATEST. */
  setLayout(open: StandInShard[], closed?: StandInShard[]): void;
  /** Makes the next `count` NextTokens answer ExpiredNextTokenException when used. */
  expireNextTokens(count: number): void;
  stop(): Promise<void>;
}

/** `count` equal open shards covering 0…2^128−1, numbered from `firstIndex`. */
export function evenLayout(count: number, firstIndex = 0): StandInShard[] {
  return rangesLayout(
    Array.from({ length: count }, (_, i) => (BigInt(i) * HASH_KEY_SPACE) / BigInt(count)),
    firstIndex,
  );
}

/** Open shards starting at the given sorted keys (the first must be 0); each ends where the next starts. */
export function rangesLayout(starts: bigint[], firstIndex = 0): StandInShard[] {
  return starts.map((start, i) => ({
    ShardId: shardId(firstIndex + i),
    HashKeyRange: { StartingHashKey: start.toString(), EndingHashKey: ((starts[i + 1] ?? HASH_KEY_SPACE) - 1n).toString() },
    SequenceNumberRange: { StartingSequenceNumber: `${firstIndex + i}000` },
  }));
}

export function shardId(n: number): string {
  return `shardId-${n.toString().padStart(12, '0')}`;
}

/** AWS's cap per page, whatever MaxResults asks for (API_ListShards). */
const MAX_PAGE_SIZE = 1000;

export async function startPagingKinesis(streamName: string, open: StandInShard[], closed: StandInShard[] = []): Promise<PagingKinesis> {
  let layout = { open: sorted(open), closed };
  let routing = routingTable(layout.open);
  let mode: ListShardsMode = { kind: 'ok' };
  let tokensToExpire = 0;
  const tokens = new Map<string, { offset: number; filter: string; expired: boolean }>();
  let tokenCounter = 0;

  const state: PagingKinesis = {
    url: '',
    streamName,
    listShardsCalls: [],
    recordsPerShard: new Map(),
    putRecordsCalls: 0,
    setMode: (m) => {
      mode = m;
    },
    setLayout: (o, c = []) => {
      layout = { open: sorted(o), closed: c };
      routing = routingTable(layout.open);
    },
    expireNextTokens: (count) => {
      tokensToExpire = count;
    },
    stop: async () => {},
  };

  function listShards(body: Record<string, unknown>): [number, unknown] {
    const token = body.NextToken as string | undefined;
    if (token !== undefined && (body.StreamName !== undefined || body.StreamARN !== undefined)) {
      const which = body.StreamName !== undefined ? 'StreamName' : 'StreamARN';
      return [400, awsError('InvalidArgumentException', `NextToken and ${which} cannot be provided together.`)];
    }
    const max = body.MaxResults === undefined ? MAX_PAGE_SIZE : Number(body.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 10000) return [400, awsError('InvalidArgumentException', 'MaxResults out of range')];
    let offset = 0;
    let filter: string;
    if (token !== undefined) {
      const saved = tokens.get(token);
      if (!saved) return [400, awsError('InvalidArgumentException', 'Invalid NextToken.')];
      if (saved.expired) return [400, awsError('ExpiredNextTokenException', 'The NextToken has expired.')];
      offset = saved.offset;
      filter = saved.filter;
    } else {
      if (body.StreamName !== streamName) return [400, awsError('ResourceNotFoundException', `Stream ${String(body.StreamName)} not found`)];
      filter = ((body.ShardFilter as { Type?: string } | undefined)?.Type ?? 'FROM_TRIM_HORIZON').toString();
    }
    if (mode.kind === 'error') return [mode.status, awsError(mode.type, mode.message ?? 'injected failure')];
    const all = filter === 'AT_LATEST' ? layout.open : sorted([...layout.closed, ...layout.open]);
    const shards = distort(all, mode);
    const page = shards.slice(offset, offset + Math.min(max, MAX_PAGE_SIZE));
    const answer: { Shards: StandInShard[]; NextToken?: string } = { Shards: page };
    if (offset + page.length < shards.length) {
      const next = `token-${++tokenCounter}-${Math.random().toString(36).slice(2)}`;
      tokens.set(next, { offset: offset + page.length, filter, expired: tokensToExpire > 0 });
      if (tokensToExpire > 0) tokensToExpire--;
      answer.NextToken = next;
    }
    return [200, answer];
  }

  function putRecords(body: Record<string, unknown>): [number, unknown] {
    if (body.StreamName !== streamName) return [400, awsError('ResourceNotFoundException', `Stream ${String(body.StreamName)} not found`)];
    state.putRecordsCalls++;
    const records = body.Records as { Data: string; PartitionKey: string; ExplicitHashKey?: string }[];
    const results = records.map((record, i) => {
      const key = record.ExplicitHashKey !== undefined ? BigInt(record.ExplicitHashKey) : md5Key(record.PartitionKey);
      const id = route(routing, key);
      if (!id) return { ErrorCode: 'InternalFailure', ErrorMessage: `no shard for ${key}` };
      state.recordsPerShard.set(id, (state.recordsPerShard.get(id) ?? 0) + 1);
      return { ShardId: id, SequenceNumber: `${Date.now()}${i}` };
    });
    return [200, { FailedRecordCount: results.filter((r) => 'ErrorCode' in r).length, Records: results }];
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return send(res, 400, awsError('SerializationException', 'body is not JSON'));
    }
    if (target.endsWith('.ListShards')) {
      const [status, answer] = listShards(body);
      state.listShardsCalls.push({ body, status });
      return send(res, status, answer);
    }
    if (target.endsWith('.PutRecords')) {
      const [status, answer] = putRecords(body);
      return send(res, status, answer);
    }
    return send(res, 400, awsError('UnknownOperationException', target));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

function distort(shards: StandInShard[], mode: ListShardsMode): StandInShard[] {
  switch (mode.kind) {
    case 'empty':
      return [];
    case 'gap':
      // Drop one shard from the middle: its range is covered by nobody.
      return shards.filter((_, i) => i !== Math.floor(shards.length / 2));
    case 'overlap': {
      // Stretch one shard's start back into its predecessor's range.
      const i = Math.max(1, Math.floor(shards.length / 2));
      return shards.map((s, j) =>
        j === i ? { ...s, HashKeyRange: { ...s.HashKeyRange, StartingHashKey: (BigInt(s.HashKeyRange.StartingHashKey) - 1n).toString() } } : s,
      );
    }
    default:
      return shards;
  }
}

interface Route {
  start: bigint;
  end: bigint;
  id: string;
}

function routingTable(open: StandInShard[]): Route[] {
  return open.map((s) => ({ start: BigInt(s.HashKeyRange.StartingHashKey), end: BigInt(s.HashKeyRange.EndingHashKey), id: s.ShardId }));
}

function route(table: Route[], key: bigint): string | undefined {
  let low = 0;
  let high = table.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (key < table[mid].start) high = mid - 1;
    else if (key > table[mid].end) low = mid + 1;
    else return table[mid].id;
  }
  return undefined;
}

function sorted(shards: StandInShard[]): StandInShard[] {
  return [...shards].sort((a, b) => {
    const x = BigInt(a.HashKeyRange.StartingHashKey);
    const y = BigInt(b.HashKeyRange.StartingHashKey);
    return x < y ? -1 : x > y ? 1 : a.ShardId.localeCompare(b.ShardId);
  });
}

/** Kinesis's routing key for a partition key: MD5 of its UTF-8 bytes, big-endian (reference/kinesis.md §3.2). */
export function md5Key(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

function awsError(type: string, message: string): Record<string, string> {
  return { __type: type, message };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
