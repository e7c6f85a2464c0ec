/**
 * The page's state in the URL hash, so that a link reproduces what its author saw:
 * `#format=<encodeURIComponent(format)>&facts=<encodeURIComponent(JSON object of VCL names)>`.
 *
 * Owns: reading and writing that hash. Both parameters are optional; unknown parameters are
 * ignored. Values are decoded with decodeURIComponent (not URLSearchParams, which would read `+`
 * as a space: a format may hold a literal `+`).
 * Does not own: what a missing parameter defaults to (main.ts).
 */
import type { FactValue } from './fact-text.js';

/** What a hash holds, and what in it could not be read. */
export interface HashState {
  format?: string;
  facts?: Record<string, FactValue>;
  problems: string[];
}

/** Reads `location.hash` (with or without its leading `#`). */
export function readHash(hash: string): HashState {
  const state: HashState = { problems: [] };
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const key = pair.slice(0, eq);
    if (key !== 'format' && key !== 'facts') continue;
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      state.problems.push(`the link's ${key} is not percent-encoded text (encodeURIComponent)`);
      continue;
    }
    if (key === 'format') {
      state.format = value;
      continue;
    }
    const facts = parseFacts(value);
    if (typeof facts === 'string') state.problems.push(`the link's facts: ${facts}`);
    else state.facts = facts;
  }
  return state;
}

/** The hash for `format` and, when given, `facts`. */
export function writeHash(format: string, facts?: Readonly<Record<string, FactValue>>): string {
  const parts = [`format=${encodeURIComponent(format)}`];
  if (facts) parts.push(`facts=${encodeURIComponent(JSON.stringify(facts))}`);
  return `#${parts.join('&')}`;
}

function parseFacts(text: string): Record<string, FactValue> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not a JSON object of VCL names and values';
  return parsed as Record<string, FactValue>;
}
