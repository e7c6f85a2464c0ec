/**
 * The backtracking engine: JavaScript's own RegExp (irregexp in Node, SpiderMonkey's copy of it
 * in the Wasm), for the patterns RE2 cannot run: back-references, look-arounds, atomic groups and
 * possessive quantifiers (pcre.ts lists them), or a pattern RE2 refuses (compile.ts).
 *
 * Owns: matching with the JS translation, and the subject cap that bounds what one match can cost.
 * Does not own: the translation (pcre.ts) or which patterns come here (compile.ts).
 *
 * Why a cap: a backtracking engine has no step limit here (PCRE's match limit is what stops such
 * a pattern on Fastly: EREGRECUR), and the work of a pattern that nests repetitions doubles with
 * each character of a subject that almost matches. It is the subject's length, not the pattern's
 * shape, that is bounded, so no pattern escapes it: see BACKTRACKING_SUBJECT_MAX_CHARS.
 */
import type { Engine, RegexMatch } from './engine.js';
import type { TranslatedRegex } from './pcre.js';

/**
 * Longest subject the backtracking engine matches; a longer one is not matched. The worst known
 * shape, `^((a)\2*)+$` (a back-reference nested in repetitions), takes ~2 ms on 20 characters in
 * the Wasm and doubles with each character more (bench/regex-cost.ts, Viceroy 0.20.1); 16 keeps
 * one evaluation far under a request's 50 ms of CPU with room for a format that holds several.
 */
export const BACKTRACKING_SUBJECT_MAX_CHARS = 16;

export class BacktrackingEngine implements Engine {
  readonly maxSubjectChars = BACKTRACKING_SUBJECT_MAX_CHARS;
  private readonly once: RegExp;
  /** For exec: a global RegExp searches from lastIndex. */
  private readonly global: RegExp;
  private readonly groupIndex: readonly number[];

  constructor(translated: TranslatedRegex) {
    this.once = new RegExp(translated.source, translated.flags);
    this.global = new RegExp(translated.source, `g${translated.flags}`);
    this.groupIndex = translated.groupIndex;
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
