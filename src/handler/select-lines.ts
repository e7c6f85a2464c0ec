/**
 * Which endpoints log this request, and their rendered lines: placement, response condition and
 * sampling, in that order. Pure: no I/O, nothing sent.
 */
import type { EndpointConfig } from '../config/schema.js';
import type { RequestFacts } from '../facts/request-facts.js';

/** Why a line is being produced: automatically after the response, or for a WAF-flagged request. */
export type Trigger = 'response' | 'waf_flagged';

export interface SelectedLine<E> {
  endpoint: E;
  line: string;
}

export interface SelectionProblem<E> {
  endpoint: E;
  problem: string;
}

/**
 * `format_version_default` endpoints log every response; `waf_debug` endpoints log only requests
 * the Next-Gen WAF flagged; `none` endpoints log only through the embedding API (emit).
 */
export function selectLines<E extends { config: EndpointConfig }>(
  endpoints: readonly E[],
  facts: RequestFacts,
  triggers: ReadonlySet<Trigger>,
): { lines: SelectedLine<E>[]; problems: SelectionProblem<E>[] } {
  const lines: SelectedLine<E>[] = [];
  const problems: SelectionProblem<E>[] = [];
  for (const endpoint of endpoints) {
    const { config } = endpoint;
    const wanted =
      (config.placement === 'format_version_default' && triggers.has('response')) ||
      (config.placement === 'waf_debug' && triggers.has('waf_flagged'));
    if (!wanted) continue;
    try {
      if (config.responseCondition && !config.responseCondition.test(facts)) continue;
      if (!isSampled(facts.requestId, config.sampleRate)) continue;
      lines.push({ endpoint, line: config.format.render(facts) });
    } catch (error) {
      problems.push({ endpoint, problem: error instanceof Error ? error.message : String(error) });
    }
  }
  return { lines, problems };
}

/**
 * Sampling decided from the request id: the id's FNV-1a hash, scaled to [0, 1), is compared with
 * the rate. The same id always gives the same number, so every endpoint with rate r keeps the
 * same requests, and an endpoint with a higher rate keeps a superset of them.
 */
export function isSampled(requestId: string | undefined, rate: number): boolean {
  if (rate >= 1) return true;
  if (requestId === undefined) return Math.random() < rate;
  return sampleFraction(requestId) < rate;
}

export function sampleFraction(requestId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    hash ^= requestId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}
