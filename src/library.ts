/**
 * Embedding the logger in your own Compute application (entry point for applications; the
 * product's own entry is src/index.ts).
 *
 *   import { createKinesisLogging } from 'compute-kinesis-logger/src/library';
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
 * `none`. Lines emitted while `handle` serves the request travel with the request's own lines
 * (shared PutRecords calls); later ones are sent on their own. Both share the execution's
 * backend-request budget and never throw into your code.
 */
import { createKinesisLogging as createOn, type KinesisLogging, type Respond } from './handler/kinesis-logging.js';
import { fastlyPlatform } from './platform/fastly.js';
import type { Platform } from './platform/types.js';

export function createKinesisLogging(platform: Platform = fastlyPlatform): KinesisLogging {
  return createOn(platform);
}

export type { KinesisLogging, Respond };
