/**
 * regsub / regsuball and the `~` match, over regexes translated by pcre.ts.
 *
 * Owns: compiled regex objects (one non-global and one global RegExp per pattern, built at
 * format-compile time), replacement templates, and substitution semantics
 * (https://www.fastly.com/documentation/reference/vcl/functions/strings/regsub/ and regsuball):
 * `\0`…`\9` and `\{N}` insert groups (a group that did not participate inserts nothing; digits
 * after a reference are literal: `\100` is group 1 then `00`); `\` before any other character
 * inserts that character (`\\` → `\`), as Varnish's VRT_regsub does; a trailing `\` is literal.
 * regsub replaces the first match; regsuball every match, scanning on after each replacement.
 * Both take `maxChars` and stop building once their output is longer than that, returning what
 * they have (the caller's `ctx.bound` then stops the render): a template of many group
 * references, or a match on every character, can multiply the input's length.
 * Does not own: PCRE syntax (pcre.ts) or argument handling (functions/regex.ts).
 */
import { findBacktrackingRisks, type BacktrackingRisk } from './risks.js';
import { compileLinear } from './linear.js';
import { translatePcre, type TranslatedRegex } from './pcre.js';

export interface CompiledRegex {
  readonly translated: TranslatedRegex;
  readonly once: RegExp;
  readonly global: RegExp;
  /** JS group index of PCRE group n in `once`/`global` matches (entry 0 is the whole match). */
  readonly groupIndex: readonly number[];
  /** Why the pattern could backtrack exponentially (backtracking.ts); empty for most patterns. */
  readonly risks: readonly BacktrackingRisk[];
  /** `linear` when it runs on RE2 (linear-regex.ts) because `risks` is not empty. */
  readonly engine: 'backtracking' | 'linear';
}

/**
 * Throws RegexError (from pcre.ts) when the pattern cannot be expressed in JS, or (from
 * linear-regex.ts) when it could backtrack exponentially and RE2 cannot express it either: such
 * a pattern never runs on the backtracking engine, where one hostile subject would burn the
 * execution's 50 ms of CPU.
 */
export function compileRegex(pattern: string): CompiledRegex {
  const translated = translatePcre(pattern);
  const risks = findBacktrackingRisks(translated, pattern);
  if (risks.length === 0) {
    return {
      translated,
      once: new RegExp(translated.source, translated.flags),
      global: new RegExp(translated.source, `g${translated.flags}`),
      groupIndex: translated.groupIndex,
      risks,
      engine: 'backtracking',
    };
  }
  const linear = compileLinear(pattern, translated, risks[0]);
  const groupIndex = Array.from({ length: translated.groupCount + 1 }, (_, n) => n);
  return { translated, ...linear, groupIndex, risks, engine: 'linear' };
}

/** A replacement: literal text or a JS group index. */
export type Replacement = ReadonlyArray<string | number>;

export function parseReplacement(template: string, regex: CompiledRegex): Replacement {
  const pieces: Array<string | number> = [];
  let text = '';
  const { groupIndex } = regex;
  const group = (n: number): void => {
    if (text) pieces.push(text);
    text = '';
    // A group number beyond the pattern's groups inserts nothing, like an unmatched group.
    pieces.push(n === 0 ? 0 : (groupIndex[n] ?? -1));
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '\\' || i + 1 >= template.length) {
      text += c;
      continue;
    }
    const next = template[i + 1];
    if (next >= '0' && next <= '9') {
      group(Number(next));
      i++;
      continue;
    }
    const braced = /^\{(\d+)\}/.exec(template.slice(i + 1));
    if (braced) {
      group(Number(braced[1]));
      i += braced[0].length;
      continue;
    }
    text += next;
    i++;
  }
  if (text) pieces.push(text);
  return pieces;
}

/** Appends the expansion of `replacement` for match `m` to `out`, stopping past `maxChars`. */
function expandInto(out: string, replacement: Replacement, m: RegExpExecArray, maxChars: number): string {
  for (const piece of replacement) {
    if (typeof piece === 'string') out += piece;
    else if (piece >= 0) out += m[piece] ?? '';
    if (out.length > maxChars) break;
  }
  return out;
}

/**
 * The replacement as a String.prototype.replace pattern (`$$`, `$&`, `$01`–`$99`), and its
 * literal length and number of group references; null when a group index is beyond 99.
 */
function nativeForm(replacement: Replacement): { pattern: string; literal: number; refs: number } | null {
  let cached = NATIVE_FORMS.get(replacement);
  if (cached !== undefined) return cached;
  let pattern = '';
  let literal = 0;
  let refs = 0;
  cached = null;
  for (const piece of replacement) {
    if (typeof piece === 'string') {
      pattern += piece.replaceAll('$', '$$$$');
      literal += piece.length;
    } else if (piece === 0) {
      pattern += '$&';
      refs++;
    } else if (piece > 0 && piece <= 99) {
      pattern += `$${String(piece).padStart(2, '0')}`;
      refs++;
    } else if (piece > 99) {
      NATIVE_FORMS.set(replacement, null);
      return null;
    }
  }
  cached = { pattern, literal, refs };
  NATIVE_FORMS.set(replacement, cached);
  return cached;
}

const NATIVE_FORMS = new WeakMap<Replacement, { pattern: string; literal: number; refs: number } | null>();

/**
 * True when the native replace cannot build more than maxChars: every match expands to at most
 * the literal text plus one input per group reference. Then the whole substitution runs in the
 * engine (the Compute runtime interprets JavaScript; a loop step per match would cost far more).
 */
function fitsNatively(input: string, form: { literal: number; refs: number }, matches: number, maxChars: number): boolean {
  return input.length + matches * (form.literal + form.refs * input.length) <= maxChars;
}

export function regsub(regex: CompiledRegex, input: string, replacement: Replacement, maxChars = Infinity): string {
  const form = nativeForm(replacement);
  if (form && fitsNatively(input, form, 1, maxChars)) return input.replace(regex.once, form.pattern);
  const m = regex.once.exec(input);
  if (!m) return input;
  const out = expandInto(input.slice(0, m.index), replacement, m, maxChars);
  return out.length > maxChars ? out : out + input.slice(m.index + m[0].length);
}

export function regsuball(regex: CompiledRegex, input: string, replacement: Replacement, maxChars = Infinity): string {
  const form = nativeForm(replacement);
  // At most one match per position, and one more at the end (empty matches).
  if (form && fitsNatively(input, form, input.length + 1, maxChars)) return input.replace(regex.global, form.pattern);
  const re = regex.global;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    out = expandInto(out + input.slice(last, m.index), replacement, m, maxChars);
    if (out.length > maxChars) break;
    last = m.index + m[0].length;
    if (m[0].length === 0) {
      // Empty match: copy one character and move past it so the scan always advances.
      if (last >= input.length) break;
      const step = (input.codePointAt(last) ?? 0) > 0xffff ? 2 : 1;
      out += input.slice(last, last + step);
      last += step;
      re.lastIndex = last;
    }
  }
  re.lastIndex = 0;
  return out.length > maxChars ? out : out + input.slice(last);
}

/**
 * Tests `input` against the regex; on a match returns the groups (PCRE numbering: index n is
 * PCRE group n, undefined when it did not participate) for `re.group.N`, else null.
 */
export function matchGroups(regex: CompiledRegex, input: string): Array<string | undefined> | null {
  const m = regex.once.exec(input);
  if (!m) return null;
  const { groupIndex } = regex;
  const { groupCount } = regex.translated;
  const groups: Array<string | undefined> = [m[0]];
  for (let n = 1; n <= groupCount; n++) groups.push(m[groupIndex[n]]);
  return groups;
}
