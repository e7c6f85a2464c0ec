/**
 * The embedding API over any Platform: `handle` serves with the application's function and logs
 * like the proxy does; `emit` sends the application's own lines through a named endpoint. The
 * public entry (src/library.ts) binds it to the Compute runtime; tests bind it to in-memory fakes.
 */
import { executionBudget } from '../delivery/index.js';
import { emitLines } from './log-exchange.js';
import { executionOf, handleRequest, type FetchEventLike } from './handle-request.js';
import type { Respond } from './proxy.js';
import type { Platform } from '../platform/types.js';

export interface KinesisLogging {
  /** Serve with `respond`, then log the request. `backendRequestsForResponse`: backend requests your handler makes (default 1). */
  handle(event: FetchEventLike, respond: Respond, options?: { backendRequestsForResponse?: number }): Promise<Response>;
  /** Send lines through endpoint `endpointName` after the response (registered with event.waitUntil). */
  emit(event: FetchEventLike, endpointName: string, lines: string | readonly string[]): void;
}

export function createKinesisLogging(platform: Platform): KinesisLogging {
  return {
    handle: (event, respond, options) => handleRequest(event, platform, { respond, backendRequestsForResponse: options?.backendRequestsForResponse }),
    emit(event, endpointName, lines) {
      const emitted = { endpointName, lines: typeof lines === 'string' ? [lines] : [...lines] };
      const execution = executionOf(event);
      // While `handle` is still serving, the lines join the request's own delivery (shared calls).
      if (execution?.emitted) {
        execution.emitted.push(emitted);
        return;
      }
      const budget = execution?.budget ?? executionBudget(platform.nowMs(), platform.nowMs);
      event.waitUntil(
        emitLines(emitted, platform, budget).catch((error) =>
          console.error(`compute-kinesis-logger: emit failed: ${error instanceof Error ? error.message : error}`),
        ),
      );
    },
  };
}

export type { Respond };
