/**
 * The linear-time regex engine for patterns that could backtrack exponentially (issue 14).
 *
 * Owns: compiling a PCRE pattern that backtracking.ts flags (`^(a+)+$`, `(a|a)*`) with RE2
 * (re2js, a JavaScript port of RE2: time linear in the subject, no backtracking), behind a
 * RegExp subclass, so every caller (regsub, `~`, re.group.N, String.prototype.replace/split)
 * matches through RE2 without knowing it: RegExp.prototype.test, @@replace, @@split … all call
 * `this.exec` (ECMAScript RegExpExec), which is overridden here. The base RegExp is built from
 * the JavaScript translation only for `source`, `flags` and `lastIndex`; it never matches.
 * Does not own: which patterns come here (regsub.ts decides with backtracking.ts) or PCRE
 * translation (pcre.ts, which has validated the pattern already).
 *
 * RE2 reads the PCRE pattern as written. What RE2 cannot express (look-arounds, back-references,
 * possessive quantifiers, atomic groups, `\Z`, `\h`, `\R`, `(?x)` …) throws RegexError, so the
 * endpoint is refused at load with the reason rather than run on a backtracking engine. Group
 * numbers are PCRE's (RE2 numbers groups by their opening parenthesis, named ones included).
 * Known differences from PCRE, for these patterns only: `$` matches only at the very end (PCRE
 * also before a final newline; header values never end with one), `\s` does not match VT.
 *
 * Cost: RE2 is linear, but in the Wasm (SpiderMonkey without a JIT) its constant is large: about
 * 9 µs per subject character per evaluation, measured in Viceroy 0.20.1 (three such regexes over a
 * 4096-character header added ~110 ms of vCPU, over 1024 characters ~35 ms). So subjects are
 * bounded: one longer than LINEAR_SUBJECT_MAX_CHARS does not match (≈5 ms at most per
 * evaluation), the way Fastly's PCRE gives up at its backtracking limit (EREGRECUR: no match, no
 * replacement).
 */
import { RE2JS } from 're2js';
import type { BacktrackingRisk } from './risks.js';
import { RegexError, type TranslatedRegex } from './pcre.js';

/** Longest subject the linear engine matches (see "Cost" above). */
export const LINEAR_SUBJECT_MAX_CHARS = 512;

/**
 * Compiles `pattern` for RE2 and returns the non-global and global RegExp stand-ins. Throws
 * RegexError at `risk` (why it may not run on the backtracking engine) when RE2 cannot express it.
 */
export function compileLinear(pattern: string, translated: TranslatedRegex, risk: BacktrackingRisk): { once: RegExp; global: RegExp } {
  let re2: RE2JS;
  try {
    // Leading inline flags ((?i) (?s) (?m)) mean the same to RE2; the UTF verbs are no-ops here.
    re2 = RE2JS.compile(pattern.replace(/^(?:\(\*(?:UTF8?|UCP)\))+/, ''));
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new RegexError(
      `${risk.message}; such a pattern runs on the linear-time engine (RE2) here, and RE2 cannot express this one (${reason})`,
      risk.index,
    );
  }
  if (re2.groupCount() !== translated.groupCount) {
    throw new RegexError(`RE2 counts ${re2.groupCount()} groups where PCRE counts ${translated.groupCount}`, -1);
  }
  return {
    once: new LinearRegExp(translated.source, translated.flags, re2),
    global: new LinearRegExp(translated.source, `g${translated.flags}`, re2),
  };
}

class LinearRegExp extends RegExp {
  private readonly re2: RE2JS;

  /**
   * `re2` is absent when String.prototype.split builds its sticky copy through the species
   * constructor (`new C(rx, flags)`): the copy then matches with `rx`'s RE2 program.
   */
  constructor(source: string | RegExp, flags: string, re2?: RE2JS) {
    super(source, flags);
    this.re2 = re2 ?? (source as LinearRegExp).re2;
  }

  override exec(input: string): RegExpExecArray | null {
    const advancing = this.global || this.sticky;
    const from = advancing ? this.lastIndex : 0;
    if (input.length > LINEAR_SUBJECT_MAX_CHARS || from > input.length) {
      if (advancing) this.lastIndex = 0;
      return null;
    }
    const m = this.re2.matcher(input);
    if (!m.find(from) || (this.sticky && m.start() !== from)) {
      if (advancing) this.lastIndex = 0;
      return null;
    }
    const groups: Array<string | undefined> = [];
    for (let n = 0; n <= m.groupCount(); n++) groups.push(m.start(n) < 0 ? undefined : (m.group(n) ?? undefined));
    const result = Object.assign(groups, { index: m.start(), input, groups: undefined }) as unknown as RegExpExecArray;
    if (advancing) this.lastIndex = m.end();
    return result;
  }
}
