/**
 * JavaScript's own RegExp engine (irregexp in Node, SpiderMonkey's copy of it in the Wasm), a
 * backtracking engine, for two kinds of pattern (compile.ts chooses):
 * - those proven to match in linear time on it (native.ts): no cap, as for any linear function
 *   of a value the render has bounded already;
 * - those RE2 cannot run (back-references, look-arounds, atomic groups, possessive quantifiers,
 *   or a form RE2 refuses): with the cap BACKTRACKING_SUBJECT_MAX_CHARS.
 *
 * Owns: matching with the JS translation, and the subject cap that bounds what one match can cost.
 * Does not own: the translation (pcre.ts) or which patterns come here (compile.ts).
 *
 * Why a cap: a backtracking engine has no step limit here (PCRE's match limit is what stops such
 * a pattern on Fastly: EREGRECUR), and the work of a pattern that nests repetitions doubles with
 * each character of a subject that almost matches.
 */
import type { Engine, RegexMatch } from './engine.js';
import type { TranslatedRegex } from './pcre.js';

/**
 * Longest subject the backtracking engine matches; a longer one is not matched. The worst shape
 * of issue 20, `^((a)\2*)+$` (a back-reference nested in repetitions), took 1.0 ms on 11
 * characters and 3.7 ms on 13 in the Wasm, doubling about every character (bench/regex-cost.ts,
 * Viceroy 0.20.1, a build without the cap): 12 keeps it near 2 ms of a request's 50 ms of CPU.
 */
export const BACKTRACKING_SUBJECT_MAX_CHARS = 12;

export class BacktrackingEngine implements Engine {
  private readonly once: RegExp;
  /** For exec: a global RegExp searches from lastIndex. */
  private readonly global: RegExp;
  private readonly groupIndex: readonly number[];

  readonly maxCaptureChars: number;
  readonly native: { readonly once: RegExp; readonly global: RegExp; readonly groupIndex: readonly number[] };

  constructor(
    translated: TranslatedRegex,
    readonly maxSubjectChars: number,
  ) {
    this.maxCaptureChars = maxSubjectChars;
    this.once = new RegExp(translated.source, translated.flags);
    this.global = new RegExp(translated.source, `g${translated.flags}`);
    this.groupIndex = translated.groupIndex;
    this.native = { once: this.once, global: this.global, groupIndex: this.groupIndex };
  }

  test(subject: string): boolean {
    return subject.length <= this.maxSubjectChars && this.once.test(subject);
  }

  exec(subject: string, from: number, groups: number): RegexMatch | null {
    if (subject.length > this.maxSubjectChars || from > subject.length) return null;
    this.global.lastIndex = from;
    const m = this.global.exec(subject);
    if (!m) return null;
    const texts: Array<string | undefined> = [m[0]];
    for (let n = 1; n <= groups; n++) texts.push(m[this.groupIndex[n]]);
    return { start: m.index, end: m.index + m[0].length, groups: texts };
  }
}
