/**
 * Content negotiation (https://www.fastly.com/documentation/reference/vcl/functions/content-negotiation/):
 * accept.language_lookup (RFC 4647 §3.4 lookup), accept.language_filter_basic (RFC 4647 §3.3.1
 * basic filtering), accept.charset_lookup and accept.encoding_lookup (RFC 7231 §5.3.3/§5.3.4),
 * accept.media_lookup (RFC 7231 §5.3.2).
 *
 * Owns: reading a header's weighted list (`q` from 0 to 1, default 1; q=0 excludes; other
 * parameters ignored; the first MAX_MEMBERS members only) and the choice among the colon-separated offers, matched case-insensitively
 * and returned as written. Decisions where the pages are silent: among offers the client weighs
 * equally, charset and encoding take the first in the offer list (the server's preference),
 * languages and media the first in the header (the client's); a `*` range in Accept-Charset or
 * Accept-Encoding gives the default, as `*\/*` does for media on the media_lookup page; a
 * `type/*` range gives the range default the page pairs with it (`image/tiff` for `image/*`).
 */
import { argText, numberArg } from '../coercion.js';
import type { FunctionDef } from './define.js';

interface Weighted {
  readonly value: string;
  readonly q: number;
}

/**
 * Members of a header read: a client can send thousands, each costing microseconds in the
 * Compute runtime's interpreter (text-escapes.ts), and real headers have a handful.
 */
const MAX_MEMBERS = 64;

const Q_PARAM = /;\s*q\s*=\s*([0-9.]+)/i;

/** The first MAX_MEMBERS members of a weighted list with q > 0, best first (equal weights keep their order). */
function weightedList(header: string): Weighted[] {
  const out: Array<Weighted & { index: number }> = [];
  const members = header.toLowerCase().split(',', MAX_MEMBERS);
  for (let index = 0; index < members.length; index++) {
    const member = members[index];
    const semi = member.indexOf(';');
    const value = (semi < 0 ? member : member.slice(0, semi)).trim();
    if (!value) continue;
    const qParam = semi < 0 ? null : Q_PARAM.exec(member);
    const q = qParam ? Number(qParam[1]) : 1;
    if (q > 0) out.push({ value, q: Math.min(q, 1), index });
  }
  return out.sort((a, b) => b.q - a.q || a.index - b.index);
}

const offersOf = (list: string): string[] => list.split(':').filter(Boolean);

/** RFC 4647 §3.4: each range, best first, is truncated subtag by subtag until an offer matches. */
function languageLookup(offers: string[], fallback: string, header: string): string {
  for (const { value } of weightedList(header)) {
    if (value === '*') continue;
    for (let range = value; range; range = range.slice(0, Math.max(0, range.lastIndexOf('-')))) {
      const hit = offers.find((o) => o.toLowerCase() === range);
      if (hit) return hit;
      if (!range.includes('-')) break;
    }
  }
  return fallback;
}

/** RFC 4647 §3.3.1: offers equal to a range or starting with it and `-`, best ranges first, at most n. */
function languageFilter(offers: string[], fallback: string, header: string, n: number): string {
  const found: string[] = [];
  for (const { value } of weightedList(header)) {
    for (const offer of offers) {
      const o = offer.toLowerCase();
      const matches = value === '*' || o === value || o.startsWith(`${value}-`);
      if (matches && !found.includes(offer)) found.push(offer);
    }
  }
  return found.length === 0 ? fallback : found.slice(0, Math.max(1, n)).join(',');
}

/** Charset and encoding: the offer the client weighs most (ties: offer order); `*` or none: the default. */
function tokenLookup(offers: string[], fallback: string, header: string): string {
  const weights = weightedList(header);
  let best: { offer: string; q: number } | undefined;
  for (const offer of offers) {
    const q = weights.find((w) => w.value === offer.toLowerCase())?.q ?? 0;
    if (q > 0 && (!best || q > best.q)) best = { offer, q };
  }
  return best?.offer ?? fallback;
}

/** Media: ranges best first; a full type matches an offer or a range default, `type/*` its default, `*\/*` the fallback. */
function mediaLookup(offers: string[], fallback: string, rangeDefaults: string[], header: string): string {
  const byType = new Map(rangeDefaults.map((d) => [d.toLowerCase().split('/')[0], d]));
  const known = [...offers, ...rangeDefaults];
  for (const { value } of weightedList(header)) {
    if (value === '*/*') return fallback;
    const [type, subtype] = value.split('/');
    if (subtype === '*') {
      const hit = byType.get(type);
      if (hit) return hit;
      continue;
    }
    const hit = known.find((o) => o.toLowerCase() === value);
    if (hit) return hit;
  }
  return fallback;
}

function lookup(choose: (offers: string[], fallback: string, header: string) => string): FunctionDef {
  return {
    params: ['STRING', 'STRING', 'STRING'],
    minArgs: 3,
    pure: true,
    returns: 'STRING',
    build: (args) => {
      const [offers, fallback, header] = args.map(argText);
      return (ctx) => choose(offersOf(offers(ctx)), fallback(ctx), header(ctx));
    },
  };
}

export const ACCEPT_FUNCTIONS: Record<string, FunctionDef> = {
  'accept.language_lookup': lookup(languageLookup),
  'accept.charset_lookup': lookup(tokenLookup),
  'accept.encoding_lookup': lookup(tokenLookup),
  'accept.language_filter_basic': {
    params: ['STRING', 'STRING', 'STRING', 'INTEGER'],
    minArgs: 4,
    pure: true,
    returns: 'STRING',
    build: (args) => {
      const [offers, fallback, header] = args.slice(0, 3).map(argText);
      const n = numberArg(args[3], 'INTEGER');
      return (ctx) => languageFilter(offersOf(offers(ctx)), fallback(ctx), header(ctx), n(ctx) ?? 1);
    },
  },
  'accept.media_lookup': {
    params: ['STRING', 'STRING', 'STRING', 'STRING'],
    minArgs: 4,
    pure: true,
    returns: 'STRING',
    build: (args) => {
      const [offers, fallback, rangeDefaults, header] = args.map(argText);
      return (ctx) => mediaLookup(offersOf(offers(ctx)), fallback(ctx), offersOf(rangeDefaults(ctx)), header(ctx));
    },
  },
};
