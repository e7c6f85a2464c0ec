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
 * counters are read live, not copied, and the previous values kept as one array of plain numbers;
 * the shard map's age, a gauge, is sampled at most once a minute per stream and sandbox.
 *
 * Owns: the previous values per stream, the mode, the choice of figures. Does not own the counters
 * (delivery/report.ts, shards/) or the line's shape (emf.ts).
 */
import type { StreamCounters } from '../delivery/index.js';
import type { LoggerLike } from '../platform/types.js';
import { emfWriter, type EmfMetric, type EmfWriter } from './emf.js';

/** The cumulative counts a line carries the deltas of, in the order `readCounts` reads them. */
const COUNT_NAMES = [
  'RecordsAttempted',
  'RecordsDelivered',
  'RecordsFailed',
  'RecordsRetried',
  'RecordsRetriedAfterAmbiguous',
  'RecordsTruncated',
  'RecordsDroppedOversize',
  'PutRecordsCalls',
  'ListShardsRounds',
] as const;
const DELIVERED = 1;
const FAILED = 2;
const DROPPED_OVERSIZE = 6;
const LIST_SHARDS_ROUNDS = 8;

/** The stream's counts in COUNT_NAMES order: one array, no call per count (this runs after every delivery). */
function readCounts({ delivery: d, shardMap }: StreamCounters): number[] {
  return [d.attempted, d.delivered, d.failed, d.retried, d.retriedAfterAmbiguous, d.truncated, d.droppedOversize, d.putRecordsCalls, shardMap.listShardsRounds];
}

/**
 * How often a sandbox puts `ShardMapAgeSeconds` in a stream's line, at most. A gauge loses nothing
 * when sampled (use its maximum); in every line of the complete mode it would add 71 bytes to each
 * request's line.
 */
export const SHARD_MAP_AGE_SAMPLE_MS = 60_000;

/** A stream as its previous line left it: cumulative values, as plain numbers, and its line writer. */
interface StreamState {
  /** The stream's `deliveries` count: while it stands still, so do the other delivery figures (delivery/streams.ts StreamCounters). */
  deliveries: number;
  /** In COUNT_NAMES order. */
  counts: number[];
  failedByCode: Record<string, number>;
  deliveredByShard: Record<string, number>;
  /** When the shard map's age last went into a line of this stream. */
  mapAgeAtMs?: number;
  /** Renders its lines: the dimensions (stream and POP) do not change for the sandbox's life. */
  write: EmfWriter;
}

export interface FleetMetricsOptions {
  /** The `metrics_log_endpoint`. */
  log: LoggerLike;
  /** `metrics_interval_s` in ms. 0: complete (a line after every delivery that changed a counter); N: at most one line per N ms per sandbox. */
  intervalMs: number;
  /** This instance's streams' counters, live (delivery's `streamCounters()`). */
  streams: () => readonly StreamCounters[];
  now: () => number;
  /** `server.datacenter`: the POP (FASTLY_POP), read once, at the sandbox's first line. */
  pop: () => string | undefined;
  /** When this sandbox began counting (its first request): the first line's `SinceTimestamp` (interval mode). */
  startedAtMs: () => number;
}

export interface FleetMetrics {
  /** Writes a line per stream whose counters changed, unless an interval is set and has not passed. */
  afterDelivery(): void;
}

export function createFleetMetrics(options: FleetMetricsOptions): FleetMetrics {
  // By the counters object: delivery keeps one per stream for the instance's life.
  const states = new Map<StreamCounters, StreamState>();
  const interval = options.intervalMs > 0;
  let lastLineAtMs: number | undefined;
  let pop: string | undefined;

  return {
    afterDelivery() {
      const now = options.now();
      if (interval && lastLineAtMs !== undefined && now - lastLineAtMs < options.intervalMs) return;
      // A span only says something when a line may stand for many requests (interval mode).
      const since = interval ? (lastLineAtMs ?? options.startedAtMs()) : undefined;
      let wrote = false;
      for (const stream of options.streams()) {
        let state = states.get(stream);
        if (!state) {
          pop ??= options.pop() ?? 'unknown';
          // `<region>/<stream>`: what a dashboard filters on. Lines of one stream signed by two keys (two
          // counter sets here, delivery/streams.ts streamScope) carry the same dimensions and add up.
          state = { deliveries: 0, counts: COUNT_NAMES.map(() => 0), failedByCode: {}, deliveredByShard: {}, write: emfWriter({ Stream: `${stream.region}/${stream.name}`, POP: pop }) };
          states.set(stream, state);
        }
        // Nothing new, told without reading every count (most streams, most requests, when several are configured).
        if (stream.delivery.deliveries === state.deliveries && stream.shardMap.listShardsRounds === state.counts[LIST_SHARDS_ROUNDS]) continue;
        state.deliveries = stream.delivery.deliveries;
        const line = lineFor(stream, state, readCounts(stream), now, since);
        if (line === undefined) continue;
        options.log.log(line);
        wrote = true;
      }
      // Only a written line starts the interval: a check that found nothing new does not delay the next.
      if (wrote) lastLineAtMs = now;
    },
  };
}

/** The stream's line with what changed since `state` (which takes the new values), or undefined when nothing did. */
function lineFor(stream: StreamCounters, state: StreamState, counts: number[], now: number, since: number | undefined): string | undefined {
  let metrics: EmfMetric[] | undefined;
  for (let i = 0; i < COUNT_NAMES.length; i++) {
    if (counts[i] !== state.counts[i]) (metrics ??= []).push({ name: COUNT_NAMES[i], unit: 'Count', value: counts[i] - state.counts[i] });
  }
  if (metrics === undefined) return undefined;
  const before = state.counts;
  state.counts = counts;
  const properties: Record<string, unknown> = {};
  // report.ts adds to these maps only with the delivered / failed / dropped counts, so when those
  // did not move, neither did the maps: no walk over every shard or code then.
  if (counts[FAILED] !== before[FAILED] || counts[DROPPED_OVERSIZE] !== before[DROPPED_OVERSIZE]) {
    // By error code: one metric per code that failed in this span (a dimension would take one value per line).
    const byCode = takeMapDeltas(stream.delivery.failedByCode, state.failedByCode);
    for (const code in byCode) metrics.push({ name: `RecordsFailed.${code}`, unit: 'Count', value: byCode[code] });
  }
  if (counts[DELIVERED] !== before[DELIVERED]) {
    // Per shard as a property, not as metrics: a stream may have more shards than EMF allows metrics in a line.
    const byShard = takeMapDeltas(stream.delivery.deliveredByShard, state.deliveredByShard);
    if (byShard !== undefined) properties.RecordsDeliveredByShard = byShard;
  }
  // A gauge, not a delta: how old the map this sandbox routes with is (absent without a map).
  const mapAgeMs = state.mapAgeAtMs === undefined || now - state.mapAgeAtMs >= SHARD_MAP_AGE_SAMPLE_MS ? stream.mapAgeMs() : undefined;
  if (mapAgeMs !== undefined) {
    metrics.push({ name: 'ShardMapAgeSeconds', unit: 'Seconds', value: Math.round(mapAgeMs / 1000) });
    state.mapAgeAtMs = now;
  }
  if (since !== undefined) properties.SinceTimestamp = Math.round(since);
  return state.write({ timestampMs: now, metrics, properties });
}

/** The keys whose count moved since `before` (which takes the new values), with the difference; undefined when none did. */
function takeMapDeltas(current: Readonly<Record<string, number>>, before: Record<string, number>): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  for (const key in current) {
    const delta = current[key] - (before[key] ?? 0);
    if (delta === 0) continue;
    (out ??= {})[key] = delta;
    before[key] = current[key];
  }
  return out;
}
