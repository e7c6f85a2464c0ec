/**
 * The shards folder's public face: one long-lived router state per endpoint, bound per execution.
 *
 * `createEndpointRouter` is called once per endpoint and instance (handler/endpoints.ts keeps the
 * result at module scope, so a reused sandbox keeps its map and its picker's rotation); the
 * function it returns binds that state to one execution's KinesisApi.
 */
import type { KinesisApi } from '../kinesis/api.js';
import type { KvStoreLike } from '../platform/types.js';
import { ShardPicker } from './picker.js';
import { mapRouter, randomKeyRouter, type ShardRouter } from './router.js';
import { SharedShardMap } from './shared-map.js';

export type { PlanOptions, ShardRouter, ShardTarget } from './router.js';
export { randomKeyRouter } from './router.js';

export interface EndpointRouterOptions {
  streamName: string;
  region: string;
  /** The endpoint's `period`: the longest a shard map is trusted before it is listed again. */
  periodSeconds: number;
  /** Opens the shared KV store, lazily; throwing means "no KV" (memory-only maps). */
  openKv: () => KvStoreLike;
  /** One line per problem (KV unusable, ListShards failing); the caller reports it once. */
  report: (problem: string) => void;
  now: () => number;
}

export function createEndpointRouter(options: EndpointRouterOptions): (api: KinesisApi) => ShardRouter {
  const shared = new SharedShardMap({
    streamName: options.streamName,
    region: options.region,
    periodMs: options.periodSeconds * 1000,
    openKv: options.openKv,
    report: options.report,
    now: options.now,
  });
  const picker = new ShardPicker();
  const fallback = randomKeyRouter();
  return (api) => mapRouter(shared, picker, api, fallback);
}
