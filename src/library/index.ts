/**
 * The package's main entry (`compute-kinesis-logger`): Fastly's Kinesis logging endpoint inside your
 * own Compute application.
 *
 * ```ts
 * import { createKinesisLogging } from 'compute-kinesis-logger';
 * const logging = createKinesisLogging();            // endpoints from the Config Store kinesis_logger
 * addEventListener('fetch', (event) =>
 *   event.respondWith(logging.handle(event, async (request) => {
 *     logging.emit(event, 'audit', JSON.stringify({ path: new URL(request.url).pathname }));
 *     return new Response('hello');
 *   })));
 * ```
 *
 * `handle` serves the response from your function and then logs the request for every endpoint
 * whose placement is `format_version_default` (or `waf_debug`), exactly like the proxy does.
 * `emit` sends lines you write yourself through a named endpoint — the way to use placement
 * `none`. Lines emitted while `handle` serves the request travel with the request's own lines
 * (shared PutRecords calls); later ones are sent on their own. Both share the execution's
 * backend-request budget and never throw into your code. Options put the endpoints in code and
 * name the stores (handler/kinesis-logging.ts).
 *
 * This entry imports `fastly:*` modules: it runs inside a Compute program. The format engine alone,
 * for Node or any runtime, is `compute-kinesis-logger/format`; test helpers are `/testing`.
 *
 * @module compute-kinesis-logger
 */
import {
  createKinesisLogging as createOn,
  type KinesisLogging,
  type KinesisLoggingOptions,
} from '../handler/kinesis-logging.js';
import { warmUp } from '../handler/warm-up.js';
import { fastlyPlatform } from '../platform/fastly.js';

// This module's code runs when the application is built (Wizer), never in a request: the logging
// path is compiled into the snapshot there, for every application that imports the package.
void warmUp();

/**
 * The logger for your Compute program. Call it once, at the top of your program: then it runs while
 * `fastly compute build` builds the program, and endpoints given in code are checked there (a
 * wrong field fails the build with {@link KinesisLoggingConfigError}).
 * @param options endpoints in code, service settings, store names; default: every endpoint from
 *   the Config Store `kinesis_logger`.
 * @example
 * const logging = createKinesisLogging();
 * addEventListener('fetch', (event) =>
 *   event.respondWith(logging.handle(event, async (request) => new Response('hello'), { backendRequestsForResponse: 0 })));
 */
export function createKinesisLogging(options: KinesisLoggingOptions = {}): KinesisLogging {
  return createOn(fastlyPlatform, options);
}

export {
  KinesisLoggingConfigError,
  type EndpointSettings,
  type KinesisLogging,
  type KinesisLoggingOptions,
  type Respond,
  type ServiceSettings,
} from '../handler/kinesis-logging.js';
export type { FetchEventLike } from '../handler/handle-request.js';
