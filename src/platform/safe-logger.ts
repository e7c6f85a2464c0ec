/**
 * A log endpoint that never throws into the request path, and loses no line to a failed write.
 *
 * js-compute resolves a Logger's endpoint name on its first `log` and throws there when the service
 * has no such endpoint (runtime/fastly/builtins/logger.cpp: "throwing any endpoint error for the
 * first log"). So a failure before any line went through means the endpoint is missing: from then
 * on its lines go to stderr (`fastly log-tail` shows it; Viceroy prints it), after one note saying
 * why. A failure after the endpoint has taken a line is a failed write, not a missing endpoint: the
 * line goes to stderr, it is counted (`failedLines`), the cause is noted once, and the next line
 * is tried on the endpoint again.
 *
 * Owns that decision and its counter; not what is written.
 */
import type { LoggerLike } from './types.js';

/** A log endpoint wrapped by safeLogger: what it lost to failed writes. */
export interface SafeLogger extends LoggerLike {
  /** Lines whose write failed on an endpoint that had worked (they went to stderr instead). */
  readonly failedLines: number;
}

export function safeLogger(endpointName: string, endpoint: LoggerLike, stderr: (line: string) => void): SafeLogger {
  let state: 'unresolved' | 'working' | 'missing' = 'unresolved';
  let failedLines = 0;
  const causesNoted = new Set<string>();
  return {
    get failedLines() {
      return failedLines;
    },
    log(line) {
      if (state !== 'missing') {
        try {
          endpoint.log(line);
          state = 'working';
          return;
        } catch (error) {
          const cause = error instanceof Error ? error.message : String(error);
          if (state === 'unresolved') {
            state = 'missing';
            stderr(
              `compute-kinesis-logger: log endpoint "${endpointName}" cannot be written (${cause}); ` +
                `create it on the service (fastly logging <provider> create --name ${endpointName}); its lines go to stderr`,
            );
          } else {
            failedLines++;
            // Bounded: a cause is noted once, and the set is forgotten rather than grown without end.
            if (!causesNoted.has(cause)) {
              if (causesNoted.size >= MAX_CAUSES_NOTED) causesNoted.clear();
              causesNoted.add(cause);
              stderr(
                `compute-kinesis-logger: log endpoint "${endpointName}": a line could not be written (${cause}); ` +
                  'it goes to stderr, failed lines are counted, and the next line is tried on the endpoint',
              );
            }
          }
        }
      }
      stderr(`${endpointName} :: ${line}`);
    },
  };
}

const MAX_CAUSES_NOTED = 100;
