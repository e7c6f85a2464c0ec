/**
 * Fleet-wide metrics: CloudWatch Embedded Metric Format lines (emf.ts), one per stream whose
 * delivery counters (delivery/ streamCounters) changed, on the service's `metrics_log_endpoint`, each
 * holding what those counters gained since the sandbox's previous line for that stream. Being
 * deltas, the lines of every sandbox of every POP add up: a sum over any time range is the fleet's
 * count.
 *
 * When: from inside a request's waitUntil, after its delivery (handler/log-exchange.ts), so
 * writing costs no request of its own and no backend request (a log endpoint write is not one).
 * A sandbox ends without notice (idle, recycled) and takes its next request only once every
 * waitUntil of the previous one has settled, so the end of each delivery is the only moment it
 * surely has. Hence two modes, `metrics_interval_s`:
 *  - complete (0, the default): a line after every delivery that changed a counter. Counters in
 *    memory never outlive the request that counted them, so a sandbox that ends loses nothing.
 *  - interval (N s): at most one line per N s per sandbox (its first after its first delivery). A
 *    sandbox that ends loses what it counted since its last line: up to N s of counts.
 *
 * A line per request must stay small and cheap: it declares and carries only the metrics whose
 * delta is not zero (an absent metric is no data point, which CloudWatch sums correctly); the
 * counters are read live, not copied, and the previous values kept as plain numbers, updated in
 * place; the shard map's age, a gauge, is sampled at most once a minute per stream and sandbox.
 *
 * Owns: the previous values per stream, the mode, the choice of figures. Does not own the counters
 * (delivery/report.ts, shards/) or the line's shape (emf.ts).
 */
import type { StreamCounters } from '../delivery/index.js';
import type { LoggerLike } from '../platform/types.js';
import { emfLine, type EmfMetric } from './emf.js';

/** Metric name → how to read its cumulative count; a line carries the ones whose delta is not zero. */
const COUNTS: readonly { name: string; read: (stream: StreamCounters) => number }[] = [
  { name: 'RecordsAttempted', read: (s) => s.delivery.attempted },
  { name: 'RecordsDelivered', read: (s) => s.delivery.delivered },
  { name: 'RecordsFailed', read: (s) => s.delivery.failed },
  { name: 'RecordsRetried', read: (s) => s.delivery.retried },
  { name: 'RecordsRetriedAfterAmbiguous', read: (s) => s.delivery.retriedAfterAmbiguous },
  { name: 'RecordsTruncated', read: (s) => s.delivery.truncated },
  { name: 'RecordsDroppedOversize', read: (s) => s.delivery.droppedOversize },
  { name: 'PutRecordsCalls', read: (s) => s.delivery.putRecordsCalls },
  { name: 'ListShardsRounds', read: (s) => s.shardMap.listShardsRounds },
];

/**
 * How often a sandbox puts `ShardMapAgeSeconds` in a stream's line, at most. A gauge loses nothing
 * when sampled (use its maximum); in every line of the complete mode it would add about 70 bytes
 * to each request's line.
 */
export const SHARD_MAP_AGE_SAMPLE_MS = 60_000;

/** What a stream's previous line left: cumulative values, as plain numbers. */
interface Previous {
  /** In COUNTS order. */
  counts: number[];
  failedByCode: Record<string, number>;
  deliveredByShard: Record<string, number>;
  /** When the shard map's age last went into a line of this stream. */
  mapAgeAtMs?: number;
}

/** `metrics_interval_s` as the composer passes it; absent or 0: a line after every delivery. */
export interface FleetMetricsOptions {
  /** The `metrics_log_endpoint`. */
  log: LoggerLike;
  /** 0: complete (a line after every delivery that changed a counter); N: at most one line per N ms per sandbox. */
  intervalMs: number;
  /** This instance's streams' counters, live (delivery's `streamCounters()`). */
  streams: () => readonly StreamCounters[];
  now: () => number;
  /** `server.datacenter`: the POP (FASTLY_POP), read when a line is written. */
  pop: () => string | undefined;
  /** When this sandbox began counting (its first request): the first line's `SinceTimestamp` (interval mode). */
  startedAtMs: () => number;
}

export interface FleetMetrics {
  /** Writes a line per stream whose counters changed, unless the interval (when one is set) has not passed. */
  afterDelivery(): void;
}

export function createFleetMetrics(options: FleetMetricsOptions): FleetMetrics {
  // By the counters object: delivery keeps one per stream for the instance's life.
  const previous = new Map<StreamCounters, Previous>();
  const interval = options.intervalMs > 0;
  let lastLineAtMs: number | undefined;

  return {
    afterDelivery() {
      const now = options.now();
      if (interval && lastLineAtMs !== undefined && now - lastLineAtMs < options.intervalMs) return;
      let pop: string | undefined;
      let since: number | undefined;
      for (const stats of options.streams()) {
        let before = previous.get(stats);
        if (!before) previous.set(stats, (before = { counts: COUNTS.map(() => 0), failedByCode: {}, deliveredByShard: {} }));
        const metrics = takeCountDeltas(stats, before);
        if (metrics === undefined) continue;
        pop ??= options.pop() ?? 'unknown';
        // A span only says something when a line may stand for many requests (interval mode).
        if (interval) since ??= lastLineAtMs ?? options.startedAtMs();
        options.log.log(lineFor(stats, before, metrics, { now, pop, since }));
      }
      // Only a written line starts the interval: a check that found nothing new does not delay the next.
      if (pop !== undefined) lastLineAtMs = now;
    },
  };
}

/** The metrics whose cumulative count moved since `before` (which takes the new values), or undefined when none did. */
function takeCountDeltas(stats: StreamCounters, before: Previous): EmfMetric[] | undefined {
  let metrics: EmfMetric[] | undefined;
  for (let i = 0; i < COUNTS.length; i++) {
    const value = COUNTS[i].read(stats);
    if (value === before.counts[i]) continue;
    (metrics ??= []).push({ name: COUNTS[i].name, unit: 'Count', value: value - before.counts[i] });
    before.counts[i] = value;
  }
  return metrics;
}

function lineFor(stats: StreamCounters, before: Previous, metrics: EmfMetric[], span: { now: number; pop: string; since: number | undefined }): string {
  const properties: Record<string, unknown> = {};
  // report.ts adds to these maps only with the delivered / failed / dropped counts, so a line whose
  // counts did not move there has no change in them either: no walk over every shard or code.
  if (metrics.some((m) => m.name === 'RecordsFailed' || m.name === 'RecordsDroppedOversize')) {
    // By error code: one metric per code that failed in this span (a dimension would take one value per line).
    for (const [code, value] of takeMapDeltas(stats.delivery.failedByCode, before.failedByCode)) metrics.push({ name: `RecordsFailed.${code}`, unit: 'Count', value });
  }
  if (metrics.some((m) => m.name === 'RecordsDelivered')) {
    // Per shard as a property, not as metrics: a stream may have more shards than EMF allows metrics in a line.
    const byShard = takeMapDeltas(stats.delivery.deliveredByShard, before.deliveredByShard);
    if (byShard.length > 0) properties.RecordsDeliveredByShard = Object.fromEntries(byShard);
  }
  // A gauge, not a delta: how old the map this sandbox routes with is (absent without a map).
  const mapAgeMs = before.mapAgeAtMs === undefined || span.now - before.mapAgeAtMs >= SHARD_MAP_AGE_SAMPLE_MS ? stats.mapAgeMs() : undefined;
  if (mapAgeMs !== undefined) {
    metrics.push({ name: 'ShardMapAgeSeconds', unit: 'Seconds', value: Math.round(mapAgeMs / 1000) });
    before.mapAgeAtMs = span.now;
  }
  if (span.since !== undefined) properties.SinceTimestamp = Math.round(span.since);
  return emfLine({
    timestampMs: span.now,
    // `<region>/<stream>`: what a dashboard filters on. Lines of one stream signed by two keys (two
    // counter sets here, delivery/streams.ts streamScope) carry the same dimensions and add up.
    dimensions: { Stream: `${stats.region}/${stats.name}`, POP: span.pop },
    metrics,
    properties,
  });
}

/** The keys whose count moved since `before` (which takes the new values), with the difference. */
function takeMapDeltas(current: Readonly<Record<string, number>>, before: Record<string, number>): [string, number][] {
  const out: [string, number][] = [];
  for (const key in current) {
    const delta = current[key] - (before[key] ?? 0);
    if (delta === 0) continue;
    out.push([key, delta]);
    before[key] = current[key];
  }
  return out;
}
