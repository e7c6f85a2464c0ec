/**
 * For the shards integration tests and bench/shard-balance.ts: many instances of the product's
 * delivery (logging-instance.ts) on one stream, sharing the fleet's KV store or not, and the small
 * helpers their assertions use.
 */
import { LoggingInstance, type InstanceOptions } from './logging-instance.js';

/** `count` instances on `streamName` at `kinesisUrl`, each its own memory, all with `options` (one KV store when given). */
export function fleetOf(count: number, kinesisUrl: string, streamName: string, options: InstanceOptions = {}): LoggingInstance[] {
  return Array.from({ length: count }, () => new LoggingInstance(kinesisUrl, streamName, { fallback: false, ...options }));
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

export function lines(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
}
