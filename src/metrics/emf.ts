/**
 * One line of CloudWatch Embedded Metric Format: a JSON object whose `_aws.CloudWatchMetrics`
 * says which of its members are metrics, in which namespace and under which dimensions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * CloudWatch Logs turns such lines into metrics; anything else (S3 + Athena, Datadog, Splunk) reads
 * them as plain JSON. Members that are not declared metrics are kept as properties of the line.
 *
 * Owns the shape only; which figures go in is fleet-metrics.ts'.
 */

/** The namespace of every metric this product writes. */
export const METRICS_NAMESPACE = 'ComputeKinesisLogger';

/** EMF allows at most 100 metrics per directive; the rest of a line's figures stay properties. */
export const MAX_METRICS_PER_LINE = 100;

export interface EmfMetric {
  name: string;
  unit: 'Count' | 'Seconds';
  value: number;
}

export interface EmfLine {
  timestampMs: number;
  /** Dimension name → value; every metric of the line is reported under all of them together. */
  dimensions: Record<string, string>;
  metrics: readonly EmfMetric[];
  /** Further members of the line (not metrics). */
  properties?: Record<string, unknown>;
}

export function emfLine(line: EmfLine): string {
  const metrics = line.metrics.slice(0, MAX_METRICS_PER_LINE);
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: Math.round(line.timestampMs),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [Object.keys(line.dimensions)],
          Metrics: metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    ...line.properties,
    ...line.dimensions,
  };
  for (const metric of line.metrics) document[metric.name] = metric.value;
  return JSON.stringify(document);
}
