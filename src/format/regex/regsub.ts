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

export function regsub(regex: CompiledRegex, input: string, replacement: Replacement, maxChars = Infinity): string {
  const m = regex.exec(input, 0, replacement.groups);
  if (!m) return input;
  const out = expandInto(input.slice(0, m.start), replacement, m, maxChars);
  return out.length > maxChars ? out : out + input.slice(m.end);
}

export function regsuball(regex: CompiledRegex, input: string, replacement: Replacement, maxChars = Infinity): string {
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
