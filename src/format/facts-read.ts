/**
 * Which request facts a compiled format or condition reads, found once at compile time.
 *
 * Owns: the probe that runs a variable's or a directive's accessor over empty facts and notes the
 * fields it touches. The handler asks this before it serves: a response body is passed to the
 * client untouched (no JavaScript per chunk) unless a format needs its byte count or the moment
 * its last byte went out (handler/proxy.ts).
 * Does not own: what the facts mean (facts/request-facts.ts) or how they are gathered.
 *
 * Probing, not a list of names: every variable and directive that reads a field is found, including
 * the ones added later. Function calls are not probed (some draw random bytes, and the build-time
 * warm-up must draw none); a function that reads a fact declares it (`FunctionDef.reads`).
 */
import type { RequestFacts } from '../facts/request-facts.js';
import { RenderContext } from './render-context.js';

/** A field of {@link RequestFacts}. */
export type FactName = keyof RequestFacts;

/**
 * The request facts a compiled format or condition reads, known at compile time: e.g. a format
 * that reads `responseBodyBytes` (`%b`) makes the handler count a body that has no Content-Length.
 */
export type FactsRead = ReadonlySet<FactName>;

/** Facts with nothing in them: accessors (and pure functions, when folding constants) run over these. */
export const EMPTY_FACTS: RequestFacts = {
  timeStartUs: 0,
  timeEndUs: 0,
  method: '',
  url: '',
  proto: '',
  isSsl: false,
  requestHeaders: [],
  status: 0,
  responseHeaders: [],
  responseBodyBytes: 0,
  server: {},
  tls: {},
};

/** Runs `evaluate` once over empty facts and adds every field of RequestFacts it reads to `into`. */
export function probeFactsRead(evaluate: (ctx: RenderContext) => unknown, into: Set<FactName>): void {
  const recording = new Proxy(EMPTY_FACTS, {
    get(target, key, receiver) {
      if (typeof key === 'string') into.add(key as FactName);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  try {
    evaluate(new RenderContext(recording));
  } catch {
    // An accessor that fails over empty facts has still read what it needed before failing.
  }
}
