/**
 * The embedding application's function (`handle(event, respond)`), guarded: when it throws, or
 * returns something that is not a usable Response, the client gets a plain 500 — its own failure,
 * not "origin unreachable" — and the request goes on to be logged with that status, with the
 * lines emitted before. What went wrong is kept for the error log (reported once per cause, after
 * the response: handle-request.ts).
 *
 * Owns that guard and the report's text; not serving (proxy.ts) nor where reports go (endpoints.ts).
 */
import type { Respond } from './proxy.js';

/** The application's failure, as kept for the report. */
export interface ApplicationFailure {
  /** What happened, in one line: "threw TypeError: x is undefined (at handler@app.js:12:5)". */
  what: string;
}

/** The body of the 500 the client gets. Says nothing of the failure: that goes to the error log. */
export const APPLICATION_ERROR_BODY = 'internal server error\n';

/** Longest part of an exception's message kept in a report line. */
const MAX_MESSAGE_CHARS = 300;

export function guardedResponder(respond: Respond, onFailure: (failure: ApplicationFailure) => void): Respond {
  return async (request) => {
    let answer: unknown;
    try {
      answer = await respond(request);
    } catch (error) {
      onFailure({ what: `threw ${describeError(error)}` });
      return applicationError();
    }
    if (!(answer instanceof Response)) {
      onFailure({ what: `returned ${describeValue(answer)}, not a Response` });
      return applicationError();
    }
    // Its body cannot be streamed to the client once read or locked.
    if (answer.bodyUsed || answer.body?.locked) {
      onFailure({ what: 'returned a Response whose body was already read' });
      return applicationError();
    }
    return answer;
  };
}

/** The line for the error log: one per distinct failure (reportOnce keys on the text). */
export function applicationFailureLine(failure: ApplicationFailure): string {
  return `compute-kinesis-logger: respond: the application's function ${failure.what}; the client got a 500 and the request is logged with it`;
}

function applicationError(): Response {
  return new Response(APPLICATION_ERROR_BODY, { status: 500, headers: { 'content-type': 'text/plain' } });
}

/** Name, message (one line, bounded) and where it was thrown: the first frame of the stack. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return describeValue(error);
  const message = oneLine(error.message).slice(0, MAX_MESSAGE_CHARS);
  // V8 frames read "at f (file:1:2)", SpiderMonkey's (js-compute) "f@file:1:2".
  const frame = (error.stack ?? '')
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('at ') || /@.*:\d+:\d+$/.test(line));
  return `${error.name}: ${message}${frame ? ` (at ${frame.replace(/^at /, '')})` : ''}`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `a string (${JSON.stringify(oneLine(value).slice(0, 40))})`;
  if (typeof value !== 'object') return `a ${typeof value} (${oneLine(String(value)).slice(0, 40)})`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** CR and LF as `\r` and `\n`, as in every line the logger writes: a message cannot forge log lines. */
function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}
