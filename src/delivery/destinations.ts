/**
 * Delivery's entry: the lines of an execution, each sent where its endpoint says (`destination`):
 * a Kinesis stream through the composer (streams.ts: credentials, shard map, signed PutRecords,
 * retries, reports), or a named Fastly log endpoint (log-endpoints.ts: written, Fastly sends).
 *
 * Owns only that split and the stats of both. Per instance, like the composer it holds.
 */
import type { EndpointConfig, LogEndpointConfig } from '../config/index.js';
import type { LoggingExecution } from './execution.js';
import { createLogEndpointWriter, type LogEndpointCounters } from './log-endpoints.js';
import { createStreamDelivery, type DeliveryEnvironment, type DeliveryStats, type KinesisLine, type StreamCounters } from './streams.js';

/** One rendered (or emitted) line and the endpoint it is for. */
export interface EndpointLine {
  endpoint: EndpointConfig;
  line: string;
  /** The endpoint's partition_key rendered for this line (Kinesis destinations); absent = the record id. */
  partitionKey?: string;
}

export interface Delivery {
  /** Sends the lines within the execution's budget (log endpoints spend none); never throws. */
  deliver(lines: readonly EndpointLine[], execution: LoggingExecution): Promise<void>;
  /**
   * The most one line of `endpoint` may carry now, its render bound: `max_record_bytes`, or for a
   * stream its own maximum record size once known (streams.ts).
   */
  maxRecordBytes(endpoint: EndpointConfig): number;
  stats(): DeliveryStats & { logEndpoints: Record<string, LogEndpointCounters> };
  /** The Kinesis streams' counters, live, without the copy `stats` makes (streams.ts StreamCounters). */
  streamCounters(): readonly StreamCounters[];
}

export function createDelivery(endpoints: readonly EndpointConfig[], env: DeliveryEnvironment): Delivery {
  const kinesis = createStreamDelivery(
    endpoints.flatMap((e) => (e.destination === 'kinesis' ? [e] : [])),
    env,
  );
  const logEndpoints = createLogEndpointWriter(env.logger, env.reportOnce);
  return {
    async deliver(lines, execution) {
      const toKinesis: KinesisLine[] = [];
      const toLogs = new Map<LogEndpointConfig, string[]>();
      for (const { endpoint, line, partitionKey } of lines) {
        if (endpoint.destination === 'kinesis') toKinesis.push({ endpoint, line, partitionKey });
        else {
          // Appended in place: copying the list per line made many lines quadratic.
          const list = toLogs.get(endpoint);
          if (list) list.push(line);
          else toLogs.set(endpoint, [line]);
        }
      }
      for (const [endpoint, endpointLines] of toLogs) logEndpoints.write(endpoint, endpointLines);
      if (toKinesis.length > 0) await kinesis.deliver(toKinesis, execution);
    },
    maxRecordBytes: (endpoint) => (endpoint.destination === 'kinesis' ? kinesis.maxRecordBytes(endpoint) : endpoint.line.maxRecordBytes),
    stats: () => ({ ...kinesis.stats(), logEndpoints: logEndpoints.stats() }),
    streamCounters: () => kinesis.streamCounters(),
  };
}
