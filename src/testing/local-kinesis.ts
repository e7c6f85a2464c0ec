/**
 * A real Kinesis implementation for tests, `npm run dev` and the CLI's `local-kinesis`: kinesalite
 * (in memory) on 127.0.0.1, plus the few admin calls tests need (CreateStream and wait, SplitShard,
 * MergeShards, reading a stream back with GetRecords). Admin calls go over HTTP like any client's.
 * kinesalite is an optional peer dependency: the user's project installs it.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { listen } from './listen.js';

/** A running kinesalite, from {@link startLocalKinesis}. */
export interface LocalKinesis {
  /** `http://127.0.0.1:<port>/`: the `endpoint_url` (and backend URL) to give the logger. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Stops kinesalite; its streams are gone (they live in memory). */
  stop(): Promise<void>;
}

export const TEST_REGION = 'us-east-1';

/** What to run when kinesalite is missing. */
export const INSTALL_KINESALITE = 'npm install --save-dev kinesalite';

/** kinesalite could not be loaded: it is an optional peer dependency, installed by the user. */
export class KinesaliteMissingError extends Error {
  /** `KinesaliteMissingError`, for catching by name. */
  override name = 'KinesaliteMissingError';
  constructor() {
    super(`kinesalite is not installed in this project: ${INSTALL_KINESALITE}`);
  }
}

type Kinesalite = (options: Record<string, unknown>) => Server;

/**
 * kinesalite from the project in the current directory (or a parent's node_modules): it is the
 * user's dependency, not this package's, and `npx compute-kinesis-logger` may run from npm's cache.
 * The path is built at run time, so the CLI's bundler leaves the require alone (webpack.config.js
 * turns its createRequire parsing off).
 */
function loadKinesalite(): Kinesalite {
  const require = createRequire(path.join(process.cwd(), 'package.json'));
  try {
    return require('kinesalite') as Kinesalite;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' && /'kinesalite'/.test((error as Error).message)) throw new KinesaliteMissingError();
    throw error;
  }
}

/**
 * Starts kinesalite on 127.0.0.1 (port 0 = any free port).
 * @throws KinesaliteMissingError when kinesalite is not installed in the current directory's project.
 */
export async function startLocalKinesis(port = 0): Promise<LocalKinesis> {
  const kinesalite = loadKinesalite();
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 5000 });
  return listen(server, port);
}

/** Unsigned-but-well-formed auth header: kinesalite checks the shape, not the signature. */
const FAKE_AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000';

/**
 * One Kinesis API call (`operation`, e.g. `DescribeStream`) to a local Kinesis at `url`, with an
 * auth header kinesalite accepts (it checks the shape, not the signature). Throws with the status
 * and body when the answer is not 2xx; returns the parsed JSON answer.
 */
export async function kinesisCall<T = Record<string, unknown>>(url: string, operation: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `Kinesis_20131202.${operation}`,
      'X-Amz-Date': '20150830T123600Z',
      Authorization: FAKE_AUTH,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${operation} failed: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** A shard as `ListShards` describes it (Kinesis's own field names). */
export interface ShardDescription {
  /** e.g. `shardId-000000000002`. */
  ShardId: string;
  /** The shard's hash keys, decimal strings between 0 and 2^128−1. */
  HashKeyRange: {
    /** First hash key of the shard. */
    StartingHashKey: string;
    /** Last hash key of the shard. */
    EndingHashKey: string;
  };
  /** The shard's sequence numbers; a closed shard (split or merged) has an end. */
  SequenceNumberRange: {
    /** First sequence number of the shard. */
    StartingSequenceNumber: string;
    /** Set once the shard is closed. */
    EndingSequenceNumber?: string;
  };
}

/** Creates a stream and polls until it is ACTIVE (with a deadline). */
export async function createStream(url: string, streamName: string, shardCount: number): Promise<void> {
  await kinesisCall(url, 'CreateStream', { StreamName: streamName, ShardCount: shardCount });
  await waitActive(url, streamName);
}

/** Polls until the stream is ACTIVE; throws past `deadlineMs`. */
export async function waitActive(url: string, streamName: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const { StreamDescriptionSummary } = await kinesisCall<{ StreamDescriptionSummary: { StreamStatus: string } }>(
      url,
      'DescribeStreamSummary',
      { StreamName: streamName },
    );
    if (StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    if (Date.now() > until) throw new Error(`stream ${streamName} not ACTIVE within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every shard, open and closed (kinesalite ignores ShardFilter). */
export async function listAllShards(url: string, streamName: string): Promise<ShardDescription[]> {
  const { Shards } = await kinesisCall<{ Shards: ShardDescription[] }>(url, 'ListShards', { StreamName: streamName });
  return Shards;
}

/** The open shards of a stream (those without an ending sequence number). */
export async function openShards(url: string, streamName: string): Promise<ShardDescription[]> {
  return (await listAllShards(url, streamName)).filter((s) => !s.SequenceNumberRange.EndingSequenceNumber);
}

/** Splits a shard at `newStartingHashKey` and waits until the stream is ACTIVE again. */
export async function splitShard(url: string, streamName: string, shardId: string, newStartingHashKey: bigint): Promise<void> {
  await kinesisCall(url, 'SplitShard', { StreamName: streamName, ShardToSplit: shardId, NewStartingHashKey: newStartingHashKey.toString() });
  await waitActive(url, streamName);
}

/** Merges two adjacent shards and waits until the stream is ACTIVE again. */
export async function mergeShards(url: string, streamName: string, shardId: string, adjacentShardId: string): Promise<void> {
  await kinesisCall(url, 'MergeShards', { StreamName: streamName, ShardToMerge: shardId, AdjacentShardToMerge: adjacentShardId });
  await waitActive(url, streamName);
}

/** A record read back from a stream by {@link readStream}. */
export interface StoredRecord {
  /** The shard it was stored on. */
  shardId: string;
  /** The data as UTF-8 text; `bytes` as stored (compressed or aggregated records). */
  data: string;
  /** The data as stored. */
  bytes: Buffer;
  /** Its PartitionKey: the record id `<request id>-<n>` unless the endpoint sets `partition_key`. */
  partitionKey: string;
  /** Its sequence number in the shard. */
  sequenceNumber: string;
}

/** Reads every record of every shard (open and closed) from TRIM_HORIZON. */
export async function readStream(url: string, streamName: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const shard of await listAllShards(url, streamName)) {
    const { ShardIterator } = await kinesisCall<{ ShardIterator: string }>(url, 'GetShardIterator', {
      StreamName: streamName,
      ShardId: shard.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    let iterator: string | undefined = ShardIterator;
    for (let page = 0; iterator && page < 1000; page++) {
      const answer: { Records: { Data: string; PartitionKey: string; SequenceNumber: string }[]; NextShardIterator?: string; MillisBehindLatest?: number } =
        await kinesisCall(url, 'GetRecords', { ShardIterator: iterator, Limit: 10000 });
      for (const r of answer.Records) {
        const bytes = Buffer.from(r.Data, 'base64');
        out.push({ shardId: shard.ShardId, data: bytes.toString('utf8'), bytes, partitionKey: r.PartitionKey, sequenceNumber: r.SequenceNumber });
      }
      if (answer.Records.length === 0) break;
      iterator = answer.NextShardIterator;
    }
  }
  return out;
}

/** A stream name unlikely to be used already (`<prefix>-<time>-<random>`), for independent tests. */
export function randomStreamName(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
