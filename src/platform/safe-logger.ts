/**
 * A log endpoint that never throws into the request path. On Compute, the first write to an
 * endpoint the service does not have throws (js-compute `Logger.log` resolves the name then), and
 * a throw there would turn a logging misconfiguration into failed requests. Instead the line goes
 * to stderr (`fastly log-tail` shows it; Viceroy prints it), after one note saying why.
 */
import type { LoggerLike } from './types.js';

export function safeLogger(endpointName: string, endpoint: LoggerLike, stderr: (line: string) => void): LoggerLike {
  let unusable = false;
  return {
    log(line) {
      if (!unusable) {
        try {
          endpoint.log(line);
          return;
        } catch (error) {
          unusable = true;
          stderr(
            `compute-kinesis-logger: log endpoint "${endpointName}" cannot be written (${error instanceof Error ? error.message : error}); ` +
              `create it on the service (fastly logging <provider> create --name ${endpointName}); its lines go to stderr`,
          );
        }
      }
      stderr(`${endpointName} :: ${line}`);
    },
  };
}
