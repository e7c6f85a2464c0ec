/**
 * Which endpoints log this request, and their rendered lines: placement, response condition and
 * sampling, in that order. Pure: no I/O, nothing sent.
 */
import { type EndpointConfig, lineLimits } from '../config/index.js';
import type { RequestFacts } from '../facts/request-facts.js';
import { LineLimitExceeded, type TableLookup } from '../format/index.js';

/** Why a line is being produced: automatically after the response, or for a WAF-flagged request. */
export type Trigger = 'response' | 'waf_flagged';

export interface SelectedLine {
  endpoint: EndpointConfig;
  line: string;
  /** The endpoint's partition_key, rendered for this request (delivery fits it to Kinesis's limits). */
  partitionKey?: string;
}

export interface SelectionProblem {
  endpoint: EndpointConfig;
  problem: string;
}

/**
 * `format_version_default` endpoints log every response; `waf_debug` endpoints log only requests
 * the Next-Gen WAF flagged; `none` endpoints log only through the embedding API (emit).
 */
export function selectLines(
  endpoints: readonly EndpointConfig[],
  facts: RequestFacts,
  triggers: ReadonlySet<Trigger>,
  random: () => number,
  tables?: TableLookup,
  /** The render bound of an endpoint's lines now (delivery's `maxRecordBytes`); default its max_record_bytes. */
  maxRecordBytesOf?: (endpoint: EndpointConfig) => number,
): { lines: SelectedLine[]; problems: SelectionProblem[] } {
  const lines: SelectedLine[] = [];
  const problems: SelectionProblem[] = [];
  for (const endpoint of endpoints) {
    if (!isPlacedFor(endpoint, triggers)) continue;
    if (endpoint.responseCondition && !endpoint.responseCondition.test(facts)) continue;
    if (!isSampled(facts.requestId, endpoint.sampleRate, random)) continue;
    // Neither the condition nor the format throws: a failing part renders as "" (as on Fastly)
    // and is noted here, so the line still goes and the failure is reported. A value longer than
    // max_record_bytes stops the render with a line over that size, which delivery then truncates
    // or drops (oversize), counts and reports like any oversized line.
    const { oversize } = lineLimits(endpoint);
    const maxRecordBytes = maxRecordBytesOf?.(endpoint) ?? lineLimits(endpoint).maxRecordBytes;
    const noteFailure = (what: string) => (error: unknown, part: number) => {
      const problem =
        error instanceof LineLimitExceeded
          ? `part ${part + 1} of the ${what} grew past max_record_bytes (${maxRecordBytes}) and rendering stopped there; the line is oversize (oversize=${oversize})`
          : `part ${part + 1} of the ${what} failed (${error instanceof Error ? error.message : String(error)}); it rendered as ""`;
      problems.push({ endpoint, problem });
    };
    const line = endpoint.format.render(facts, noteFailure('format'), { maxChars: maxRecordBytes, tables });
    // A partition key is cut to Kinesis's 256 bytes by delivery; its render is bounded the same way.
    const partitionKey = endpoint.destination === 'kinesis' ? endpoint.partitionKey?.render(facts, noteFailure('partition_key'), { maxChars: maxRecordBytes, tables }) : undefined;
    lines.push(partitionKey === undefined ? { endpoint, line } : { endpoint, line, partitionKey });
  }
  return { lines, problems };
}

/** Whether the endpoint's placement logs a request with these triggers (before its condition and sampling). */
export function isPlacedFor(endpoint: Pick<EndpointConfig, 'placement'>, triggers: ReadonlySet<Trigger>): boolean {
  return (endpoint.placement === 'format_version_default' && triggers.has('response')) || (endpoint.placement === 'waf_debug' && triggers.has('waf_flagged'));
}

/**
 * Sampling decided from the request id: the id's FNV-1a hash, finished with MurmurHash3's fmix32
 * and scaled to [0, 1), is compared with the rate. FNV-1a alone bunches ids that differ in their
 * last characters (sequential ids put 8% instead of 10% of them in some tenths); the finisher
 * spreads them evenly. The same id always gives the same number, so every endpoint with rate r keeps the
 * same requests, and an endpoint with a higher rate keeps a superset of them.
 */
export function isSampled(requestId: string | undefined, rate: number, random: () => number): boolean {
  if (rate >= 1) return true;
  if (requestId === undefined) return random() < rate;
  return sampleFraction(requestId) < rate;
}

export function sampleFraction(requestId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    hash ^= requestId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}
