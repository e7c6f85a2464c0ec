/**
 * The `log_endpoint` destination: each line written to a named Fastly log endpoint of the service
 * (`fastly:logger`: S3, BigQuery, Datadog, HTTPS, … or Fastly's own Kinesis endpoint attached to
 * the Compute service). Fastly's platform batches and sends them: no backend request, no retry or
 * failure report of ours, no per-record visibility beyond what was written.
 *
 * Owns: the line limit (`max_record_bytes` and `oversize`, as for a Kinesis record) and the
 * per-instance counters of what was written. Writes never throw; the endpoint counts the lines it
 * failed to take (platform/safe-logger.ts), and the stats show that count.
 */
import type { LogEndpointConfig } from '../config/index.js';
import type { LoggerLike } from '../platform/types.js';
import { truncateUtf8 } from './prepare.js';

export interface LogEndpointCounters {
  /** The Fastly log endpoint the lines went to. */
  logEndpoint: string;
  /** Lines handed to the log endpoint (truncated ones included). */
  written: number;
  /** Of those, lines the endpoint failed to take after it had worked (they went to stderr): the endpoint's own count. */
  failedWrites: number;
  truncated: number;
  droppedOversize: number;
}

export interface LogEndpointWriter {
  write(endpoint: LogEndpointConfig, lines: readonly string[]): void;
  /** Per endpoint (by its name in the configuration). */
  stats(): Record<string, LogEndpointCounters>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function createLogEndpointWriter(logger: (name: string) => LoggerLike, reportOnce: (line: string) => void): LogEndpointWriter {
  // failedWrites is the endpoint's own count, read when the stats are asked for.
  const counters = new Map<string, Omit<LogEndpointCounters, 'failedWrites'>>();
  return {
    write(endpoint, lines) {
      let count = counters.get(endpoint.name);
      if (!count) counters.set(endpoint.name, (count = { logEndpoint: endpoint.logEndpoint, written: 0, truncated: 0, droppedOversize: 0 }));
      const log = logger(endpoint.logEndpoint);
      const { maxRecordBytes, oversize } = endpoint.line;
      for (const line of lines) {
        const bytes = encoder.encode(line);
        if (bytes.length <= maxRecordBytes) {
          log.log(line);
          count.written++;
        } else if (oversize === 'drop') {
          count.droppedOversize++;
          reportOnce(`compute-kinesis-logger: ${endpoint.name}: a line over max_record_bytes (${maxRecordBytes}) was dropped (oversize=drop); dropped lines are counted on the admin page`);
        } else {
          // Cut at a character boundary and marked (prepare.ts TRUNCATION_MARKER), so it decodes whole.
          log.log(decoder.decode(truncateUtf8(bytes, maxRecordBytes)));
          count.written++;
          count.truncated++;
        }
      }
    },
    stats: () => Object.fromEntries([...counters].map(([name, c]) => [name, { ...c, failedWrites: logger(c.logEndpoint).failedLines ?? 0 }])),
  };
}
