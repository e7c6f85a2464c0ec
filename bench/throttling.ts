/**
 * Throttling: a 1-shard stream driven at twice its record limit, through the product's delivery
 * (signed with aws4fetch, checked by the SigV4 verifier) and the fault proxy's per-shard
 * token bucket in front of kinesalite.
 *
 * The shard limit is scaled down from 1,000 to SHARD_RECORDS_PER_SEC = 50 records/s (burst: one
 * second of tokens) so that a run takes ~10 s. Why not 200/s: the whole local stack (kinesalite,
 * verifier, proxy and the driver) shares one Node process and answers ~120-300 calls/s; at 400
 * offered records/s plus retries the calls queue up past their timeout and the figures describe
 * the harness (timeouts, and duplicates of calls that were written after all), not the pipeline.
 * The load is what the Compute app produces: one execution
 * per client request, each delivering its one line with its own budget (31 backend requests, the
 * production retry settings: max_attempts 3, backoff 100 ms doubling, full jitter), sharing one
 * per-instance shard router. Executions start at 2 × SHARD_RECORDS_PER_SEC per second for
 * DRIVE_SECONDS.
 *
 * Figures: the share of records delivered within the retry budget (a shard cannot take more than
 * its limit, so ~0.5 plus the initial burst is the ceiling), duplicates created, and silent
 * losses (a line neither in the stream nor reported as failed). Targets: 0 and 0. Prints; asserts
 * nothing. Run alone with `npx tsx bench/throttling.ts`, or through `npm run bench`.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULT_BASE_RETRY_BACKOFF_MS, DEFAULT_MAX_RETRY_BACKOFF_MS } from '../src/delivery/retrier.js';
import { DEFAULT_KINESIS_CALL_TIMEOUT_MS } from '../src/delivery/streams.js';
import { readStream } from '../src/testing/local-kinesis.js';
import { newStream, stackInstance, startStack, type DeliverResult } from '../test/support/delivery-stack.js';

const SHARD_RECORDS_PER_SEC = 50;
const DRIVE_SECONDS = 8;
const OFFERED_PER_SEC = 2 * SHARD_RECORDS_PER_SEC;

export async function run(): Promise<Record<string, number | string>> {
  const stack = await startStack({ recordsPerSecondPerShard: SHARD_RECORDS_PER_SEC, burstSeconds: 1 });
  try {
    const stream = await newStream(stack, 1, 'bench-throttle');
    // One instance (its shard router, credentials, counters) serving every execution, with the
    // production retry settings.
    const instance = stackInstance(stack, stream, {
      tuning: { baseRetryBackoffMs: DEFAULT_BASE_RETRY_BACKOFF_MS, maxRetryBackoffMs: DEFAULT_MAX_RETRY_BACKOFF_MS, kinesisCallTimeoutMs: DEFAULT_KINESIS_CALL_TIMEOUT_MS },
    });
    const total = OFFERED_PER_SEC * DRIVE_SECONDS;
    const executions: Promise<DeliverResult>[] = [];
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      // Open loop: request i starts at its scheduled time, whatever the earlier ones are doing.
      const due = started + (i * 1000) / OFFERED_PER_SEC;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      executions.push(instance.deliver([JSON.stringify({ request: i, at: Date.now() })]));
    }
    const results = await Promise.all(executions);
    const elapsedS = (Date.now() - started) / 1000;

    const offered = results.map((_, i) => i);
    const reported = new Set<number>();
    // Executions overlap here, so the instance's own totals are read, not each result's share.
    for (const line of instance.fallbackLines) reported.add((JSON.parse(line) as { request: number }).request);
    const stored = (await readStream(stack.kinesis.url, stream)).map((r) => (JSON.parse(r.data) as { request: number }).request);
    const storedCounts = new Map<number, number>();
    for (const n of stored) storedCounts.set(n, (storedCounts.get(n) ?? 0) + 1);
    const { delivered, failed, putRecordsCalls } = instance.counters();
    const maxCallsPerExecution = Math.max(...results.map((r) => r.budget.spent));

    return {
      shardRecordsPerSec: SHARD_RECORDS_PER_SEC,
      offeredRecordsPerSec: OFFERED_PER_SEC,
      offered: offered.length,
      delivered,
      failedAndReported: failed,
      deliveredShare: delivered / offered.length,
      // What one shard can take in the run: its rate over the drive plus one second of burst.
      shardCeilingShare: Math.min(1, (SHARD_RECORDS_PER_SEC * (DRIVE_SECONDS + 1)) / offered.length),
      duplicates: [...storedCounts.values()].reduce((s, n) => s + n - 1, 0),
      silentLosses: offered.filter((n) => !storedCounts.has(n) && !reported.has(n)).length,
      reportedButStored: offered.filter((n) => storedCounts.has(n) && reported.has(n)).length,
      throttledEntries: stack.proxy.stats.entriesThrottled,
      putRecordsCalls,
      callsPerRecord: putRecordsCalls / offered.length,
      maxBackendRequestsPerExecution: maxCallsPerExecution,
      failureLinesReported: instance.reports.length,
      seconds: Math.round(elapsedS * 10) / 10,
    };
  } finally {
    await stack.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then(
    (figures) => {
      for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(32)} ${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : value}`);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
