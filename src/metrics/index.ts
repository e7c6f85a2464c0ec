/**
 * The metrics folder's public names: fleet-wide metrics as CloudWatch Embedded Metric Format lines,
 * one per stream whose counters changed, after every delivery (or at most once per interval),
 * holding the delivery counters' deltas (fleet-metrics.ts; the line's shape: emf.ts). The handler
 * calls it from a request's waitUntil.
 */
export { createFleetMetrics, type FleetMetrics, type FleetMetricsOptions } from './fleet-metrics.js';
export { METRICS_NAMESPACE } from './emf.js';
