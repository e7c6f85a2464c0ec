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
 * whose placement is `format_version_default` (or `waf_debug`), exactly like the proxy does; when
 * your function throws, the client gets a 500 and the request is still logged. `emit` sends lines
 * you write yourself through a named endpoint — the way to use placement `none`. Lines emitted
 * while `handle` serves the request travel with the request's own lines (shared PutRecords calls);
 * later ones, emitted in the same turn of the event loop, are sent together. Both share the
 * execution's backend requests and Config Store lookups: declare what your function spends
 * (`backendRequestsForResponse`, `configLookupsForResponse`). A wrong argument is a TypeError at
 * once; past that, neither throws into your code. Options put the endpoints in code and name the
 * stores (handler/kinesis-logging.ts); create the instance once, at the top of the program
 * (identical options give the same instance).
 *
 * This entry imports `fastly:*` modules: it runs inside a Compute program. The format engine alone,
 * for Node or any runtime, is `compute-kinesis-logger/format`; test helpers are `/testing`.
 *
 * @module compute-kinesis-logger
 */
import {
  createKinesisLogging as createOn,
  KinesisLoggingConfigError,
  type KinesisLogging,
  type KinesisLoggingOptions,
} from '../handler/kinesis-logging.js';
import { warmUp } from '../handler/warm-up.js';
import { fastlyPlatform } from '../platform/fastly.js';

// This module's code runs when the application is built (Wizer), never in a request: the logging
// path is compiled into the snapshot there, for every application that imports the package.
void warmUp();

/**
 * The logger for your Compute program, configured by `options` (default: the Config Store
 * `kinesis_logger`). Call it once, at the top of the program: there it runs at build time, so a
 * wrong configuration given in code fails the build. Called again with options that say the same
 * (compared by value), it returns the same instance, with its loaded configuration, credentials
 * and shard maps; a different instance per request is reported once on the error log endpoint.
 *
 *
 * @throws KinesisLoggingConfigError when settings given in code do not load; its problems are
 * printed first, plainly, on the program's standard error.
 * @param options endpoints in code, service settings, store names; default: every endpoint from
 *   the Config Store `kinesis_logger`.
 * @example
 * const logging = createKinesisLogging({ stores: { config: 'shop_logging' } });
 * addEventListener('fetch', (event) =>
 *   event.respondWith(logging.handle(event, (request) => shop(request), { backendRequestsForResponse: 1, configLookupsForResponse: 2 })));
 */
export function createKinesisLogging(options: KinesisLoggingOptions = {}): KinesisLogging {
  try {
    return createOn(fastlyPlatform, options);
  } catch (error) {
    // Thrown at build time, the error reaches the user through Wizer's trap and backtrace and the
    // Fastly CLI's checklist, each of its lines prefixed with a bundle position: say it first, plainly.
    if (error instanceof KinesisLoggingConfigError) console.error(buildStopReport(error.problems));
    throw error;
  }
}

/** The problems as a block the build output starts with; a problem's own lines (a caret) stay aligned. */
function buildStopReport(problems: readonly string[]): string {
  const lines = problems.map((problem) => `  ✗ ${problem.replaceAll('\n', '\n    ')}`);
  return (
    `\ncompute-kinesis-logger: ${problems.length} problem(s) in the endpoints given in code to createKinesisLogging; the build stops here:\n` +
    `${lines.join('\n')}\n` +
    'Fix them in the options of createKinesisLogging. The trace below is the same error, as the build tools report it.\n'
  );
}

export {
  KinesisLoggingConfigError,
  type EndpointSettings,
  type KinesisLogging,
  type KinesisLoggingOptions,
  type Respond,
  type ResponseCosts,
  type ServiceSettings,
} from '../handler/kinesis-logging.js';
export { MAX_EMITTED_LINES_PER_EXECUTION } from '../handler/executions.js';
export type { FetchEventLike } from '../handler/handle-request.js';
