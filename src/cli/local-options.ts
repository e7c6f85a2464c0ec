/**
 * The options `local-kinesis` and `tail` share, their defaults (those of `npm run dev`: kinesalite
 * on 127.0.0.1:4567, stream `compute-logs` with 4 shards), and their checks: a value that cannot be
 * used is a UsageError naming the option and what it accepts (the value quoted as JSON, so a
 * control character in it cannot reach the terminal).
 */
import { UsageError } from './args.js';

export const DEFAULT_KINESIS_PORT = 4567;
export const DEFAULT_STREAM = 'compute-logs';
export const DEFAULT_SHARDS = 4;
/** kinesalite's shard limit as local-kinesis starts it (src/testing/local-kinesis.ts). */
export const MAX_SHARDS = 5000;

/** The URL of a local Kinesis on `port`, as fastly.toml's backends and endpoint_url name it. */
export function localKinesisUrl(port: number): string {
  return `http://127.0.0.1:${port}/`;
}

/** Kinesis stream names: 1-128 of a-z A-Z 0-9 _ . - (the CreateStream API reference). */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

export function parseStream(value: string | undefined): string {
  if (value === undefined) return DEFAULT_STREAM;
  if (!STREAM_NAME.test(value)) throw new UsageError(`--stream: ${JSON.stringify(value)} is not a stream name (1-128 of a-z A-Z 0-9 _ . -)`);
  return value;
}

export function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_KINESIS_PORT;
  const port = wholeNumber(value);
  if (port === undefined || port > 65535) throw new UsageError(`--port: ${JSON.stringify(value)} is not a port (0-65535; 0 = any free one)`);
  return port;
}

export function parseShards(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SHARDS;
  const shards = wholeNumber(value);
  if (shards === undefined || shards < 1 || shards > MAX_SHARDS) throw new UsageError(`--shards: ${JSON.stringify(value)} is not a shard count (1-${MAX_SHARDS})`);
  return shards;
}

export function parseUrl(value: string | undefined): string {
  if (value === undefined) return localKinesisUrl(DEFAULT_KINESIS_PORT);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url: ${JSON.stringify(value)} is not a URL (e.g. ${localKinesisUrl(DEFAULT_KINESIS_PORT)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url: ${JSON.stringify(value)} is not an http or https URL`);
  return url.href;
}

/** Digits only: parseInt would take "45x" and Number would take "0x10" or " 4 ". */
function wholeNumber(text: string): number | undefined {
  return /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}
