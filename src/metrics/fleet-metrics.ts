/**
 * Fleet-wide metrics: each sandbox writes, at most once per interval, one CloudWatch Embedded
 * Metric Format line per stream (emf.ts) on the service's `metrics_log_endpoint`, holding what its
 * delivery counters (delivery/ stats) gained since its previous line. Being deltas, the lines of
 * every sandbox of every POP add up: a sum over any time range is the fleet's count.
 *
 * When: from inside a request's waitUntil, after its delivery (handler/log-exchange.ts), so
 * writing costs no request of its own and no backend request (a log endpoint write is not one).
 * A sandbox writes its first line after its first delivery, then whenever the interval has passed
 * since its previous line. Counters live in the sandbox's memory: a sandbox that ends (idle,
 * recycled) loses what it counted since its last line — at most one interval's counts.
 *
 * Owns: the previous snapshot per stream, the interval, the choice of figures. Does not own the
 * counters (delivery/report.ts, shards/) or the line's shape (emf.ts).
 */
import type { DeliveryStats } from '../delivery/index.js';
import type { LoggerLike } from '../platform/types.js';
import { emfLine, type EmfMetric } from './emf.js';

type StreamStats = DeliveryStats['streams'][string];

/** The cumulative figures a line's deltas are taken from. */
interface Snapshot {
  counts: Record<string, number>;
  failedByCode: Record<string, number>;
  deliveredByShard: Record<string, number>;
}

/** Metric name → how to read its cumulative count. */
const COUNTS: Record<string, (stream: StreamStats) => number> = {
  RecordsAttempted: (s) => s.delivery.attempted,
  RecordsDelivered: (s) => s.delivery.delivered,
  RecordsFailed: (s) => s.delivery.failed,
  RecordsRetried: (s) => s.delivery.retried,
  RecordsRetriedAfterAmbiguous: (s) => s.delivery.retriedAfterAmbiguous,
  RecordsTruncated: (s) => s.delivery.truncated,
  RecordsDroppedOversize: (s) => s.delivery.droppedOversize,
  PutRecordsCalls: (s) => s.delivery.putRecordsCalls,
  ListShardsRounds: (s) => s.shardMap.listShardsRounds,
};

export interface FleetMetricsOptions {
  /** The `metrics_log_endpoint`. */
  log: LoggerLike;
  intervalMs: number;
  /** This instance's delivery stats (delivery/streams.ts `stats()`). */
  stats: () => DeliveryStats;
  now: () => number;
  /** `server.datacenter`: the POP (FASTLY_POP), read when a line is written. */
  pop: () => string | undefined;
  /** When this sandbox began counting (its first request): the first line's `SinceTimestamp`. */
  startedAtMs: () => number;
}

export interface FleetMetrics {
  /** Writes the lines if the interval has passed (or this sandbox has written none yet). */
  afterDelivery(): void;
}

export function createFleetMetrics(options: FleetMetricsOptions): FleetMetrics {
  const previous = new Map<string, Snapshot>();
  let lastLineAtMs: number | undefined;

  return {
    afterDelivery() {
      const now = options.now();
      if (lastLineAtMs !== undefined && now - lastLineAtMs < options.intervalMs) return;
      const pop = options.pop() ?? 'unknown';
      for (const [scope, stats] of Object.entries(options.stats().streams)) {
        const current = snapshot(stats);
        const line = lineFor(pop, stats, current, previous.get(scope), { now, since: lastLineAtMs ?? options.startedAtMs() });
        previous.set(scope, current);
        if (line) options.log.log(line);
      }
      lastLineAtMs = now;
    },
  };
}

function snapshot(stats: StreamStats): Snapshot {
  const counts: Record<string, number> = {};
  for (const [name, read] of Object.entries(COUNTS)) counts[name] = read(stats);
  return { counts, failedByCode: { ...stats.delivery.failedByCode }, deliveredByShard: { ...stats.delivery.deliveredByShard } };
}

/** The stream's line, or undefined when nothing changed since the previous one. */
function lineFor(pop: string, stats: StreamStats, current: Snapshot, before: Snapshot | undefined, span: { now: number; since: number }): string | undefined {
  const metrics: EmfMetric[] = Object.entries(current.counts).map(([name, value]) => ({ name, unit: 'Count', value: value - (before?.counts[name] ?? 0) }));
  const failedByCode = deltas(current.failedByCode, before?.failedByCode);
  if (metrics.every((m) => m.value === 0) && Object.keys(failedByCode).length === 0) return undefined;
  // By error code: one metric per code that failed in this span (a dimension would take one value per line).
  for (const [code, value] of Object.entries(failedByCode)) metrics.push({ name: `RecordsFailed.${code}`, unit: 'Count', value });
  // A gauge, not a delta: how old the map this sandbox routes with is (absent without a map).
  if (stats.shardMap.mapAgeMs !== undefined) metrics.push({ name: 'ShardMapAgeSeconds', unit: 'Seconds', value: Math.round(stats.shardMap.mapAgeMs / 1000) });
  return emfLine({
    timestampMs: span.now,
    // `<region>/<stream>`: what a dashboard filters on. Lines of one stream signed by two keys (two
    // counter sets here, delivery/streams.ts streamScope) carry the same dimensions and add up.
    dimensions: { Stream: `${stats.region}/${stats.name}`, POP: pop },
    metrics,
    // Per shard as a property, not as metrics: a stream may have more shards than EMF allows metrics in a line.
    properties: { RecordsDeliveredByShard: deltas(current.deliveredByShard, before?.deliveredByShard), SinceTimestamp: Math.round(span.since) },
  });
}

function deltas(current: Record<string, number>, before: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(current)) {
    const delta = value - (before?.[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}
