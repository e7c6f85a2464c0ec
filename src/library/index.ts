/**
 * The package's main entry (`compute-kinesis-logger`): Fastly's Kinesis logging endpoint inside your
 * own Compute application.
 *
 *   import { createKinesisLogging } from 'compute-kinesis-logger';
 *   const logging = createKinesisLogging();            // endpoints from the Config Store kinesis_logger
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
 * backend-request budget and never throw into your code. Options put the endpoints in code and
 * name the stores (handler/kinesis-logging.ts).
 *
 * This entry imports `fastly:*` modules: it runs inside a Compute program. The format engine alone,
 * for Node or any runtime, is `compute-kinesis-logger/format`; test helpers are `/testing`.
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
 * Logging for this Compute program: `handle` and `emit`, configured by `options` (endpoints in
 * code, or the Config Store). Endpoints in code are validated here: call it at the top of the
 * program, and a wrong setting fails the build with every problem listed.
 *
 * @throws KinesisLoggingConfigError when settings given in code do not load; its problems are
 * printed first, plainly, on the program's standard error.
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
  type ServiceSettings,
} from '../handler/kinesis-logging.js';
export type { FetchEventLike } from '../handler/handle-request.js';
