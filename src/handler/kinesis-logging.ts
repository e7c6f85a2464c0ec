/**
 * The embedding API over any Platform: `handle` serves with the application's function and logs
 * like the proxy does; `emit` sends the application's own lines through a named endpoint. The
 * public entry (src/library.ts) binds it to the Compute runtime; tests bind it to in-memory fakes.
 *
 * One execution, one budget, whatever the entry point: lines emitted while `handle` serves join its
 * delivery; later emits, and emits in an application that does not use `handle`, are delivered on
 * their own but all take from the event's one execution (handle-request.ts `executionFor`), so
 * Compute's 32 backend requests hold however often the application emits.
 */
import { emitLines } from './log-exchange.js';
import { executionFor, handleRequest, type FetchEventLike } from './handle-request.js';
import type { Respond } from './proxy.js';
import type { Platform } from '../platform/types.js';

export interface KinesisLogging {
  /** Serve with `respond`, then log the request. `backendRequestsForResponse`: backend requests your handler makes (default 1). */
  handle(event: FetchEventLike, respond: Respond, options?: { backendRequestsForResponse?: number }): Promise<Response>;
  /**
   * Send lines through endpoint `endpointName` after the response (registered with event.waitUntil).
   * `backendRequestsForResponse` counts only when `handle` was not used for this event: the backend
   * requests your application makes itself (default 1).
   */
  emit(event: FetchEventLike, endpointName: string, lines: string | readonly string[], options?: { backendRequestsForResponse?: number }): void;
}

export function createKinesisLogging(platform: Platform): KinesisLogging {
  return {
    handle: (event, respond, options) => handleRequest(event, platform, { respond, backendRequestsForResponse: options?.backendRequestsForResponse }),
    emit(event, endpointName, lines, options) {
      const emitted = { endpointName, lines: typeof lines === 'string' ? [lines] : [...lines] };
      const execution = executionFor(event, platform, options?.backendRequestsForResponse);
      // While `handle` is still serving, the lines join the request's own delivery (shared calls).
      if (execution.emitted) {
        execution.emitted.push(emitted);
        return;
      }
      event.waitUntil(
        emitLines(emitted, platform, execution.logging).catch((error) =>
          console.error(`compute-kinesis-logger: emit failed: ${error instanceof Error ? error.message : error}`),
        ),
      );
    },
  };
}

export type { Respond };
