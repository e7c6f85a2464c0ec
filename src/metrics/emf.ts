/**
 * One line of CloudWatch Embedded Metric Format: a JSON object whose `_aws.CloudWatchMetrics`
 * says which of its members are metrics, in which namespace and under which dimensions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * CloudWatch Logs turns such lines into metrics; anything else (S3 + Athena, Datadog, Splunk) reads
 * them as plain JSON. Members that are not declared metrics are kept as properties of the line.
 *
 * The text is put together from pieces, not from an object through JSON.stringify: a sandbox may
 * write a line per request, and in the Wasm runtime's interpreter building that object cost more
 * (measured in Viceroy 0.20.1). The dimensions are rendered once per writer, each metric's
 * declaration once per name.
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
  metrics: readonly EmfMetric[];
  /** Further members of the line (not metrics). */
  properties?: Record<string, unknown>;
}

/** Renders lines that share one set of dimensions. */
export type EmfWriter = (line: EmfLine) => string;

/** A metric's declaration and the start of its member, by name and unit. */
interface MetricPieces {
  declaration: string;
  member: string;
}

/** Bounded: names are the product's own, plus one per error code seen; past this, pieces are not kept. */
const MAX_CACHED_NAMES = 64;
const piecesByName = new Map<string, MetricPieces>();

/** A writer for lines whose every metric is reported under all of `dimensions` (name → value) together. */
export function emfWriter(dimensions: Record<string, string>): EmfWriter {
  const names = Object.keys(dimensions);
  const directiveHead = `"CloudWatchMetrics":[{"Namespace":${JSON.stringify(METRICS_NAMESPACE)},"Dimensions":[${JSON.stringify(names)}],"Metrics":[`;
  let dimensionMembers = '';
  for (const name of names) dimensionMembers += `,${JSON.stringify(name)}:${JSON.stringify(dimensions[name])}`;

  return (line) => {
    let declarations = '';
    let members = '';
    for (let i = 0; i < line.metrics.length; i++) {
      const metric = line.metrics[i];
      const pieces = metricPieces(metric);
      if (i < MAX_METRICS_PER_LINE) declarations += i === 0 ? pieces.declaration : `,${pieces.declaration}`;
      members += `${pieces.member}${metric.value}`;
    }
    let properties = '';
    for (const key in line.properties) {
      const value = line.properties[key];
      // As JSON.stringify leaves out a member without a value.
      if (value !== undefined) properties += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
    }
    return `{"_aws":{"Timestamp":${Math.round(line.timestampMs)},${directiveHead}${declarations}]}]}${properties}${dimensionMembers}${members}}`;
  };
}

function metricPieces({ name, unit }: EmfMetric): MetricPieces {
  const key = `${unit}:${name}`;
  let pieces = piecesByName.get(key);
  if (!pieces) {
    const quoted = JSON.stringify(name);
    pieces = { declaration: `{"Name":${quoted},"Unit":"${unit}"}`, member: `,${quoted}:` };
    if (piecesByName.size < MAX_CACHED_NAMES) piecesByName.set(key, pieces);
  }
  return pieces;
}
