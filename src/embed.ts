/**
 * Embedding the logger in your own Compute application (entry point for applications; the
 * product's own entry is src/index.ts).
 *
 *   import { createKinesisLogging } from 'compute-kinesis-logger/src/embed';
 *   const logging = createKinesisLogging();
 *   addEventListener('fetch', (event) =>
 *     event.respondWith(logging.handle(event, async (request) => {
 *       logging.emit(event, 'audit', JSON.stringify({ path: new URL(request.url).pathname }));
 *       return new Response('hello');
 *     })));
 *
 * `handle` serves the response from your function and then logs the request for every endpoint
 * whose placement is `format_version_default` (or `waf_debug`), exactly like the proxy does.
 * `emit` sends lines you write yourself through a named endpoint — the way to use placement
 * `none`. Both share the execution's backend-request budget and never throw into your code.
 */
import { emitLines, executionBudget } from './handler/log-exchange.js';
import { executionOf, handleRequest, type FetchEventLike } from './handler/handle-request.js';
import type { Respond } from './handler/proxy.js';
import { fastlyPlatform } from './platform/fastly.js';
import type { Platform } from './platform/types.js';

export interface KinesisLogging {
  /** Serve with `respond`, then log the request. `backendRequestsForResponse`: backend requests your handler makes (default 1). */
  handle(event: FetchEventLike, respond: Respond, options?: { backendRequestsForResponse?: number }): Promise<Response>;
  /** Send lines through endpoint `endpointName` after the response (registered with event.waitUntil). */
  emit(event: FetchEventLike, endpointName: string, lines: string | readonly string[]): void;
}

export function createKinesisLogging(platform: Platform = fastlyPlatform): KinesisLogging {
  return {
    handle: (event, respond, options) => handleRequest(event, platform, { respond, backendRequestsForResponse: options?.backendRequestsForResponse }),
    emit(event, endpointName, lines) {
      const budget = executionOf(event)?.budget ?? executionBudget(platform.nowMs(), platform);
      const all = typeof lines === 'string' ? [lines] : lines;
      event.waitUntil(
        emitLines(endpointName, all, platform, budget).catch((error) =>
          console.error(`compute-kinesis-logger: emit failed: ${error instanceof Error ? error.message : error}`),
        ),
      );
    },
  };
}

export type { Respond };
