/**
 * regsub / regsuball substitution and the groups of a match, over a compiled regex of either
 * engine (compile.ts).
 *
 * Owns: replacement templates and substitution semantics
 * (https://www.fastly.com/documentation/reference/vcl/functions/strings/regsub/ and regsuball):
 * `\0`…`\9` and `\{N}` insert groups (a group that did not participate inserts nothing; digits
 * after a reference are literal: `\100` is group 1 then `00`); `\` before any other character
 * inserts that character (`\\` → `\`), as Varnish's VRT_regsub does; a trailing `\` is literal.
 * regsub replaces the first match; regsuball every match, scanning on after each replacement.
 * Both take `maxChars` and stop building once their output is longer than that, returning what
 * they have (the caller's `ctx.bound` then stops the render): a template of many group
 * references, or a match on every character, can multiply the input's length.
 * Does not own: the engines, the subject cap and what the VCL functions do past it (functions.ts).
 */
import type { CompiledRegex } from './compile.js';
import type { RegexMatch } from './engine.js';

/** A parsed replacement template. */
export interface Replacement {
  /** Literal text, or a PCRE group number (-1: a group the pattern does not have, inserts nothing). */
  readonly pieces: ReadonlyArray<string | number>;
  /** The highest group the template inserts (0 when none or only the whole match). */
  readonly groups: number;
}

export function parseReplacement(template: string, regex: CompiledRegex): Replacement {
  const pieces: Array<string | number> = [];
  let groups = 0;
  let text = '';
  const group = (n: number): void => {
    if (text) pieces.push(text);
    text = '';
    // A group number beyond the pattern's groups inserts nothing, like an unmatched group.
    if (n > regex.groupCount) {
      pieces.push(-1);
      return;
    }
    pieces.push(n);
    groups = Math.max(groups, n);
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
  return { pieces, groups };
}

/** Appends the expansion of `replacement` for match `m` to `out`, stopping past `maxChars`. */
function expandInto(out: string, replacement: Replacement, m: RegexMatch, maxChars: number): string {
  for (const piece of replacement.pieces) {
    if (typeof piece === 'string') out += piece;
    else if (piece >= 0) out += m.groups[piece] ?? '';
    if (out.length > maxChars) break;
  }
  return out;
}

/**
 * The replacement as a String.prototype.replace pattern (`$$`, `$&`, `$01`–`$99`, JS group
 * indices), and its literal length and number of group references; null when an index is over 99.
 */
function nativeForm(replacement: Replacement, groupIndex: readonly number[]): NativeForm | null {
  let cached = NATIVE_FORMS.get(replacement);
  if (cached !== undefined) return cached;
  let pattern = '';
  let literal = 0;
  let refs = 0;
  cached = null;
  for (const piece of replacement.pieces) {
    if (typeof piece === 'string') {
      pattern += piece.replaceAll('$', '$$$$');
      literal += piece.length;
      continue;
    }
    if (piece < 0) continue;
    const index = piece === 0 ? 0 : groupIndex[piece];
    if (index > 99) {
      NATIVE_FORMS.set(replacement, null);
      return null;
    }
    pattern += index === 0 ? '$&' : `$${String(index).padStart(2, '0')}`;
    refs++;
  }
  cached = { pattern, literal, refs };
  NATIVE_FORMS.set(replacement, cached);
  return cached;
}

interface NativeForm {
  readonly pattern: string;
  readonly literal: number;
  readonly refs: number;
}

/** Per replacement, which is parsed for one regex (so for one group mapping). */
const NATIVE_FORMS = new WeakMap<Replacement, NativeForm | null>();

/**
 * The native RegExp and replacement to substitute with in one call, when the regex has them, the
 * subject is within its cap, and the result cannot pass maxChars (every match expands to at most
 * the literal text plus one input per group reference): the Compute runtime interprets JavaScript,
 * so a loop step per match would cost far more.
 */
function nativeReplace(regex: CompiledRegex, input: string, replacement: Replacement, matches: number, maxChars: number) {
  const { native } = regex;
  if (!native || input.length > regex.maxCaptureChars) return undefined;
  const form = nativeForm(replacement, native.groupIndex);
  if (!form || input.length + matches * (form.literal + form.refs * input.length) > maxChars) return undefined;
  return { native, pattern: form.pattern };
}

export function regsub(regex: CompiledRegex, input: string, replacement: Replacement, maxChars = Infinity): string {
  const whole = nativeReplace(regex, input, replacement, 1, maxChars);
  if (whole) return input.replace(whole.native.once, whole.pattern);
  const m = regex.exec(input, 0, replacement.groups);
  if (!m) return input;
  const out = expandInto(input.slice(0, m.start), replacement, m, maxChars);
  return out.length > maxChars ? out : out + input.slice(m.end);
}

export function regsuball(regex: CompiledRegex, input: string, replacement: Replacement, maxChars = Infinity): string {
  // At most one match per position, and one more at the end (empty matches).
  const whole = nativeReplace(regex, input, replacement, input.length + 1, maxChars);
  if (whole) return input.replace(whole.native.global, whole.pattern);
  let out = '';
  let last = 0;
  for (let m = regex.exec(input, 0, replacement.groups); m; m = regex.exec(input, last, replacement.groups)) {
    out = expandInto(out + input.slice(last, m.start), replacement, m, maxChars);
    if (out.length > maxChars) return out;
    last = m.end;
    if (m.end === m.start) {
      // Empty match: copy one character and move past it so the scan always advances.
      if (last >= input.length) break;
      const step = (input.codePointAt(last) ?? 0) > 0xffff ? 2 : 1;
      out += input.slice(last, last + step);
      last += step;
    }
  }
  return out + input.slice(last);
}

/**
 * Tests `input` against the regex; on a match returns the groups (PCRE numbering: index n is
 * PCRE group n, undefined when it did not participate) for `re.group.N`, else null (also when
 * `input` is longer than the regex's capture cap: re.group.N then reads as not set).
 */
export function matchGroups(regex: CompiledRegex, input: string): ReadonlyArray<string | undefined> | null {
  return regex.exec(input, 0, regex.groupCount)?.groups ?? null;
}
