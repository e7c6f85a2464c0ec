/**
 * Shard balance, reshard following and ListShards load, measured in one run:
 *
 *  1. max/mean records per shard over 20,000 records on (a) 4 equal shards, (b) 5 shards after
 *     uneven splits, (c) 16 equal shards. Ours (picker + ExplicitHashKey) in two settings — reused
 *     sandboxes (50 instances, each keeping its rotation) and a fresh sandbox per record (js-compute's
 *     default, maxRequests = 1) — beside a naive producer with random partition keys (MD5 → shard by
 *     range, node:crypto). Where each record lands is computed by Kinesis's rule: the hash key's range.
 *  2. Requests until a SplitShard and a MergeShards are followed, against kinesalite in-process,
 *     through the product's delivery (test/support/logging-instance.ts).
 *  3. ListShards rounds by 50 simulated instances over 10 refresh periods, fake clock, one shared
 *     KV fake, for long-lived and for fresh sandboxes.
 *
 * Prints figures; asserts nothing (STYLE §10). `npx tsx bench/shard-balance.ts`.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Shard } from '../src/kinesis/api.js';
import { createStreamRouter } from '../src/shards/index.js';
import { ShardPicker } from '../src/shards/picker.js';
import { buildShardMap, type ShardMap } from '../src/shards/shard-map.js';
import { fleetOf, lines } from '../test/support/fleet.js';
import { createStream, mergeShards, randomStreamName, splitShard, startLocalKinesis } from '../src/testing/local-kinesis.js';
import { CountingListShards, equalShards, shardsStartingAt } from '../test/support/shards.js';
import { FakeKvStore } from '../src/testing/memory-stores.js';
import { FakeClock } from '../test/support/fake-clock.js';

const SPACE = 1n << 128n;
const RECORDS = 20_000;
const REUSED_INSTANCES = 50;
const FLEET_INSTANCES = 50;
const REFRESH_PERIODS = 10;
const PERIOD_MS = 60_000;
const FLEET_STEP_MS = 1_000;

export async function run(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};

  const layouts: Array<[string, Shard[]]> = [
    ['equal4', equalShards(4)],
    // The layout test/integration/shards/spread.test.ts builds with SplitShard: widths 1/1024,
    // 15/1024, 31/64, 7/16, 1/16.
    ['uneven5', shardsStartingAt([0n, SPACE / 1024n, SPACE / 64n, SPACE / 2n, (SPACE * 15n) / 16n])],
    ['equal16', equalShards(16)],
  ];
  let worstOurs = 0;
  for (const [name, shards] of layouts) {
    const map = mapOf(shards);
    const reused = maxOverMean(map, landOurs(map, reusedPickers()));
    const fresh = maxOverMean(map, landOurs(map, () => new ShardPicker()));
    const naive = maxOverMean(map, landNaive(map));
    figures[`${name}.ours.reusedSandboxes.maxOverMean`] = round(reused);
    figures[`${name}.ours.freshSandboxes.maxOverMean`] = round(fresh);
    figures[`${name}.naiveRandomKeys.maxOverMean`] = round(naive);
    if (name === 'uneven5') {
      // Records per shard, for the chart bench/run.ts draws (comma-separated, shard order).
      figures[`${name}.ours.recordsPerShard`] = perShard(map, landOurs(map, () => new ShardPicker())).join(',');
      figures[`${name}.naiveRandomKeys.recordsPerShard`] = perShard(map, landNaive(map)).join(',');
    }
    worstOurs = Math.max(worstOurs, reused);
  }
  figures.maxOverMean = round(worstOurs);

  const reshard = await reshardFollowing();
  figures.requestsToFollowSplit = reshard.split;
  figures.requestsToFollowMerge = reshard.merge;
  figures.requestsToFollowReshard = Math.max(reshard.split, reshard.merge);

  const longLived = await fleetListShards(false);
  const freshSandboxes = await fleetListShards(true);
  figures.listShardsRounds = longLived.rounds;
  figures.listShardsRoundsPerPeriod = round(longLived.rounds / REFRESH_PERIODS);
  figures['freshSandboxes.listShardsRoundsPerPeriod'] = round(freshSandboxes.rounds / REFRESH_PERIODS);
  figures['freshSandboxes.kvReadsPerPlan'] = round(freshSandboxes.kvReads / freshSandboxes.plans);
  figures.fleet = `${FLEET_INSTANCES} instances, ${REFRESH_PERIODS} periods of ${PERIOD_MS / 1000} s, a plan per instance every ${FLEET_STEP_MS / 1000} s`;
  return figures;
}

function mapOf(shards: Shard[]): ShardMap {
  const built = buildShardMap(shards, 0);
  if (!built.ok) throw new Error(built.reason);
  return built.map;
}

/** 50 long-lived instances, one record per request, taking turns. */
function reusedPickers(): () => ShardPicker {
  const pickers = Array.from({ length: REUSED_INSTANCES }, () => new ShardPicker());
  let next = 0;
  return () => pickers[next++ % pickers.length];
}

/** Shard ids where RECORDS one-record requests land: the range holding each ExplicitHashKey. */
function landOurs(map: ShardMap, pickerFor: () => ShardPicker): string[] {
  const landed: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const [target] = pickerFor().pick(map, 1);
    landed.push(shardHolding(map, BigInt(target.explicitHashKey!)));
  }
  return landed;
}

/** A producer with random partition keys: Kinesis hashes each with MD5 (reference/kinesis.md §3.2). */
function landNaive(map: ShardMap): string[] {
  const landed: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const key = Math.floor(Math.random() * 2 ** 52).toString(16);
    const hash = BigInt(`0x${createHash('md5').update(key, 'utf8').digest('hex')}`);
    landed.push(shardHolding(map, hash));
  }
  return landed;
}

/** Kinesis's rule: a hash key goes to the open shard whose range holds it. */
function shardHolding(map: ShardMap, hashKey: bigint): string {
  const shard = map.shards.find((s) => s.start <= hashKey && hashKey <= s.end);
  if (!shard) throw new Error(`no shard holds ${hashKey}`);
  return shard.shardId;
}

function perShard(map: ShardMap, landed: string[]): number[] {
  const counts = new Map<string, number>(map.shards.map((s) => [s.shardId, 0]));
  for (const id of landed) counts.set(id, counts.get(id)! + 1);
  return map.shards.map((s) => counts.get(s.shardId)!);
}

function maxOverMean(map: ShardMap, landed: string[]): number {
  const counts = new Map<string, number>(map.shards.map((s) => [s.shardId, 0]));
  for (const id of landed) counts.set(id, counts.get(id)! + 1);
  return Math.max(...counts.values()) / (landed.length / map.shards.length);
}

/**
 * Requests (10 lines each, through the product's delivery) until the new layout is in use: every
 * record lands on the shard it was planned for (a map that misses the reshard plans for a closed
 * shard, and Kinesis puts those records on its children).
 */
async function reshardFollowing(): Promise<{ split: number; merge: number }> {
  const kinesis = await startLocalKinesis();
  try {
    const stream = randomStreamName('bench-reshard');
    await createStream(kinesis.url, stream, 4);
    const [instance] = fleetOf(1, kinesis.url, stream, { kv: new FakeKvStore(Date.now) });
    let request = 0;
    const requestsUntilFollowed = async (): Promise<number> => {
      for (let n = 1; n <= 50; n++) {
        const { outcome } = await instance.deliver(lines(`r${request++}`, 10));
        if (outcome.delivered === 10 && outcome.misrouted === 0) return n;
      }
      return Infinity;
    };
    for (let i = 0; i < 5; i++) await instance.deliver(lines(`warm${i}`, 10));
    await splitShard(kinesis.url, stream, 'shardId-000000000001', SPACE / 4n + SPACE / 32n);
    const split = await requestsUntilFollowed();
    await mergeShards(kinesis.url, stream, 'shardId-000000000004', 'shardId-000000000005');
    const merge = await requestsUntilFollowed();
    return { split, merge };
  } finally {
    await kinesis.stop();
  }
}

/**
 * 50 instances plan once a second for 10 periods on a fake clock, sharing one KV fake. Long-lived
 * instances keep their stream router (shards/index.ts, as delivery keeps it); fresh sandboxes build
 * a new one for every plan (memory empty, as with js-compute's default of one request per sandbox).
 */
async function fleetListShards(freshSandboxes: boolean): Promise<{ rounds: number; kvReads: number; plans: number }> {
  const clock = new FakeClock();
  const kv = new FakeKvStore(clock.now);
  const api = new CountingListShards(() => equalShards(8));
  const make = () => createStreamRouter({ scope: '000000000000/us-east-1/kinesis.us-east-1.amazonaws.com/fleet', streamName: 'fleet', periodSeconds: PERIOD_MS / 1000, openKv: () => kv, report: () => {}, now: clock.now });
  const fleet = Array.from({ length: FLEET_INSTANCES }, make);
  let plans = 0;
  for (let t = 0; t < REFRESH_PERIODS * PERIOD_MS; t += FLEET_STEP_MS) {
    await Promise.all(
      fleet.map((instance, i) => {
        plans++;
        return (freshSandboxes ? (fleet[i] = make()) : instance).routerFor(api).plan(1);
      }),
    );
    clock.advance(FLEET_STEP_MS);
  }
  return { rounds: api.calls.length, kvReads: kv.gets, plans };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then(
    (figures) => {
      for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(48)} ${value}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
