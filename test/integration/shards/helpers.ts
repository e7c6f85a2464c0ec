/**
 * Shared by the shards integration tests and bench/shard-balance.ts: a Kinesis api over Node
 * fetch (unsigned, with a well-formed Authorization header, which is all kinesalite and the paging
 * stand-in check), one simulated instance's router state, and the real delivery pipeline's deps.
 */
import type { SignedFetch } from '../../../src/aws/signed-fetch.js';
import { DEFAULTS } from '../../../src/config/schema.js';
import { deliverLines, type DeliveryDeps, type DeliveryOutcome } from '../../../src/delivery/pipeline.js';
import { createKinesisApi, type KinesisApi } from '../../../src/kinesis/api.js';
import type { KvStoreLike } from '../../../src/platform/types.js';
import { ShardPicker } from '../../../src/shards/picker.js';
import { mapRouter, randomKeyRouter, type ShardRouter, type ShardTarget } from '../../../src/shards/router.js';
import { SharedShardMap, type SharedShardMapOptions } from '../../../src/shards/shared-map.js';

const FAKE_AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000';

const unsignedFetch: SignedFetch = (url, init) =>
  fetch(url, { method: init.method, headers: { ...init.headers, Authorization: FAKE_AUTH, 'X-Amz-Date': '20150830T123600Z' }, body: init.body });

/** A KinesisApi over HTTP that counts ListShards calls. */
export function countingApi(url: string): KinesisApi & { listShardsCalls: number } {
  const api = createKinesisApi(url, unsignedFetch);
  const counted = {
    listShardsCalls: 0,
    putRecords: api.putRecords,
    listShards: (input: Parameters<KinesisApi['listShards']>[0]) => {
      counted.listShardsCalls++;
      return api.listShards(input);
    },
  };
  return counted;
}

/** One simulated Compute instance: its own memory (map, picker rotation), the fleet's KV. */
export class SimulatedInstance {
  readonly shared: SharedShardMap;
  readonly picker: ShardPicker;
  /** Targets planned, per plan() call, for tests that check which layout was used. */
  readonly plans: ShardTarget[][] = [];

  constructor(streamName: string, kv: KvStoreLike | undefined, options: Partial<SharedShardMapOptions> = {}) {
    this.shared = new SharedShardMap({
      streamName,
      region: 'us-east-1',
      periodMs: 3_600_000,
      openKv: kv ? () => kv : undefined,
      ...options,
    });
    this.picker = new ShardPicker({ random: options.random });
  }

  /** The router bound to one execution's api, recording what it planned. */
  routerFor(api: KinesisApi): ShardRouter {
    const inner = mapRouter(this.shared, this.picker, api, randomKeyRouter());
    return {
      plan: async (count, avoid, options) => {
        const targets = await inner.plan(count, avoid, options);
        this.plans.push(targets);
        return targets;
      },
      observe: (target, landed, sentAt) => inner.observe(target, landed, sentAt),
    };
  }
}

export function deliveryDeps(api: KinesisApi, router: ShardRouter, now: () => number = Date.now): DeliveryDeps {
  return {
    api,
    router,
    limits: { maxAttempts: 3, maxRecordBytes: DEFAULTS.maxRecordBytes, maxRequestBytes: DEFAULTS.maxRequestBytes, oversize: 'truncate' },
    reportFailure: (line) => {
      throw new Error(`unexpected delivery failure: ${line}`);
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now,
  };
}

/** One "request": the real pipeline delivers `lines` through the instance's router. */
export function deliver(instance: SimulatedInstance, api: KinesisApi, streamName: string, lines: string[]): Promise<DeliveryOutcome> {
  return deliverLines(streamName, lines, deliveryDeps(api, instance.routerFor(api)));
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

export function lines(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
}
