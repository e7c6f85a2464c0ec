/**
 * `compute-kinesis-logger tail [--stream compute-logs] [--url http://127.0.0.1:4567] [--new]`:
 * prints the records of a (local) stream as they arrive, one per line: `<shard id>  <data>`, the
 * data decoded as UTF-8 (gunzipped first when the endpoint sends `compression = gzip`), with line
 * breaks and terminal controls shown as \uXXXX escapes: a record stays one line, and request data
 * in it (a URL, a header) cannot drive the terminal. It reads
 * what is already in the stream first (so a record from a request made before it started shows up
 * too), unless `--new`; it follows every shard, and shards that appear later (a split or a merge)
 * from their start. `npm run tail` is this command.
 *
 * It polls with GetRecords, unsigned: for kinesalite, not for AWS (use the AWS CLI there).
 */
import { gunzipSync } from 'node:zlib';
import { kinesisCall, type ShardDescription } from '../testing/local-kinesis.js';
import type { CommandSpec } from './args.js';
import { type CliIo, EXIT_OK } from './io.js';
import { DEFAULT_STREAM, localKinesisUrl, DEFAULT_KINESIS_PORT, parseStream, parseUrl } from './local-options.js';

export const TAIL_COMMAND = {
  name: 'tail',
  summary: 'Print the records of a local stream as they arrive: shard id, then the record.',
  positionals: { usage: '', min: 0, max: 0 },
  options: {
    stream: { type: 'string', value: '<name>', help: `the stream (default ${DEFAULT_STREAM})` },
    url: { type: 'string', value: '<url>', help: `the local Kinesis (default ${localKinesisUrl(DEFAULT_KINESIS_PORT)})` },
    new: { type: 'boolean', help: 'skip the records already in the stream' },
  },
  details: `It reads a local Kinesis: compute-kinesis-logger local-kinesis, or npm run dev in this repository.
Records compressed with gzip are printed unzipped.

exit status: 0 stopped by Ctrl-C (or SIGTERM), 2 usage error`,
} satisfies CommandSpec;

/** How often the stream is asked for new records. */
export const POLL_INTERVAL_MS = 500;

/** One Kinesis JSON call against the stream's service. */
export type KinesisCaller = <T>(operation: string, body: unknown) => Promise<T>;

/** One record as tail prints it. */
export interface TailRecord {
  shardId: string;
  /** The data as text (recordText). */
  text: string;
}

/** Iterators per shard, over as many polls as the tail runs. */
export class StreamTail {
  private readonly iterators = new Map<string, string | undefined>();

  constructor(
    private readonly call: KinesisCaller,
    private readonly stream: string,
    private readonly fromStart: boolean,
  ) {}

  /** The records that arrived since the previous poll, shard by shard. */
  async poll(): Promise<TailRecord[]> {
    // Shards that appear after the first look (a reshard while tailing) are read from their start: all of it is new.
    const firstLook = this.iterators.size === 0;
    const { Shards } = await this.call<{ Shards: ShardDescription[] }>('ListShards', { StreamName: this.stream });
    for (const shard of Shards) {
      if (this.iterators.has(shard.ShardId)) continue;
      const { ShardIterator } = await this.call<{ ShardIterator: string }>('GetShardIterator', {
        StreamName: this.stream,
        ShardId: shard.ShardId,
        ShardIteratorType: this.fromStart || !firstLook ? 'TRIM_HORIZON' : 'LATEST',
      });
      this.iterators.set(shard.ShardId, ShardIterator);
    }
    const records: TailRecord[] = [];
    for (const [shardId, iterator] of this.iterators) {
      // A closed shard read to its end has no next iterator.
      if (!iterator) continue;
      const answer = await this.call<{ Records: { Data: string }[]; NextShardIterator?: string }>('GetRecords', { ShardIterator: iterator });
      for (const record of answer.Records) records.push({ shardId, text: recordText(Buffer.from(record.Data, 'base64')) });
      this.iterators.set(shardId, answer.NextShardIterator);
    }
    return records;
  }
}

/**
 * The record's data as one line of text: gunzipped when it is a gzip member (RFC 1952 magic 1f 8b),
 * C0 and C1 controls but tab escaped as \uXXXX.
 */
export function recordText(bytes: Buffer): string {
  let data = bytes;
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      data = gunzipSync(bytes);
    } catch {
      // Not gzip after all: shown as it is.
    }
  }
  return data.toString('utf8').replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What tail does to the world: its Kinesis calls, its waits, and whether it was asked to stop. */
export interface TailDeps {
  call: (url: string) => KinesisCaller;
  /** Resolves after `ms`, or at once when a stop was asked for. */
  wait: (ms: number) => Promise<void>;
  isStopped: () => boolean;
}

function processDeps(): TailDeps {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    wake?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    call: (url) => (operation, body) => kinesisCall(url, operation, body),
    wait: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    isStopped: () => stopped,
  };
}

/** `tail`: polls until stopped, then exit status 0; a bad option is a UsageError. */
export async function runTail(options: { stream?: string; url?: string; new?: boolean }, io: CliIo, tailDeps?: TailDeps): Promise<number> {
  const stream = parseStream(options.stream);
  const url = parseUrl(options.url);
  const deps = tailDeps ?? processDeps();
  const tail = new StreamTail(deps.call(url), stream, !options.new);
  io.err(`tailing ${stream} at ${url} (Ctrl-C to stop)\n`);
  let lastProblem: string | undefined;
  while (!deps.isStopped()) {
    try {
      for (const record of await tail.poll()) io.out(`${record.shardId}  ${record.text}\n`);
      if (lastProblem !== undefined) io.err(`tail: reading ${stream} again\n`);
      lastProblem = undefined;
    } catch (error) {
      // Said once until it changes: the tail keeps trying every POLL_INTERVAL_MS.
      const problem = describeProblem(error, stream, url);
      if (problem !== lastProblem) io.err(`tail: ${problem}; still trying (Ctrl-C to stop)\n`);
      lastProblem = problem;
    }
    if (!deps.isStopped()) await deps.wait(POLL_INTERVAL_MS);
  }
  return EXIT_OK;
}

function describeProblem(error: unknown, stream: string, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ResourceNotFoundException/.test(message)) return `no stream ${stream} at ${url} (another --stream?)`;
  if (error instanceof TypeError && /fetch failed/.test(message)) {
    return `nothing answers at ${url}: start a local Kinesis (npx compute-kinesis-logger local-kinesis, or npm run dev)`;
  }
  return message;
}
