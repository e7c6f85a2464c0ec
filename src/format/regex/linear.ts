/**
 * The linear-time engine: RE2 (re2js, a JavaScript port of RE2: no backtracking, time linear in
 * the subject whatever the pattern), which runs every pattern RE2 can express that is not proven
 * linear on the native engine (issue 20; compile.ts).
 *
 * Owns: compiling the RE2 form pcre.ts wrote, matching with it, and its subject cap.
 * Does not own: PCRE syntax (pcre.ts wrote the RE2 form, with PCRE's group numbers) or which
 * patterns come here (compile.ts).
 *
 * Two paths: a boolean test (`~`, regfilter) runs on re2js's lazy DFA, which tracks no groups; a
 * match that needs its span or groups (regsub, re.group.N) runs on re2js's capture engines
 * (one-pass, bit-state backtracker or NFA, all linear), and only after the DFA found one, since
 * most subjects do not match and the DFA is the cheaper pass. Each path has its cap: the subject's
 * length for the test, the work (instructions × characters) for a match with groups.
 *
 * Cost: linear, but with a large constant in the Wasm (SpiderMonkey interprets re2js, where the
 * native engine is C++): 100 to 10,000 times the native engine's, which is why native.ts keeps the
 * patterns it can prove linear there. The cap keeps one evaluation within a request's 50 ms of
 * CPU: see LINEAR_SUBJECT_MAX_CHARS.
 */
import { RE2JS } from './re2js-binding.js';
import type { Engine, RegexMatch } from './engine.js';

/**
 * Longest subject RE2 matches here; a longer one is not matched (functions.ts says what the VCL
 * functions do then). re2js in the Wasm (Viceroy 0.20.1, bench/regex-cost.ts) cost 6 to 9 µs per
 * character for a test and up to ~70 µs per character for a match with groups that starts late in
 * the subject (its capture engines try every start position): 256 characters keep one evaluation
 * near 2 ms for a test and under ~20 ms in the worst case measured with groups.
 */
export const LINEAR_SUBJECT_MAX_CHARS = 256;

/**
 * Most work a match with groups may take, in RE2 program instructions × subject characters (its
 * capture engines visit each pair at most once): the worst measured was ~26 µs per pair in the
 * Wasm (`^(\w+\s?)+$`, bench/regex-cost.ts), so 512 stays near 13 ms. A pattern's capture cap is
 * this over its instruction count, at most LINEAR_SUBJECT_MAX_CHARS.
 */
export const LINEAR_CAPTURE_WORK_MAX = 512;

/** re2js's anchor flag for an unanchored search (RE2Flags.UNANCHORED, not exported). */
const UNANCHORED = 0;

/**
 * Compiles the RE2 form; returns RE2's reason as a string when it refuses it (a repetition count
 * over 1,000, a property RE2 does not know …), so the caller can fall back with that reason.
 */
export function compileLinear(re2: { readonly source: string; readonly endsWithNewline?: string }, groupCount: number): LinearEngine | string {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(re2.source);
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
  }
  if (compiled.groupCount() !== groupCount) return `RE2 counts ${compiled.groupCount()} groups where PCRE counts ${groupCount}`;
  return new LinearEngine(compiled, re2.endsWithNewline);
}

export class LinearEngine implements Engine {
  readonly maxSubjectChars = LINEAR_SUBJECT_MAX_CHARS;
  readonly maxCaptureChars: number;
  /** For a subject whose only newline is its last character (pcre.ts); compiled when first needed. */
  private finalNewline: RE2JS | undefined;

  constructor(
    private readonly compiled: RE2JS,
    private readonly finalNewlineSource: string | undefined,
  ) {
    this.maxCaptureChars = Math.min(LINEAR_SUBJECT_MAX_CHARS, Math.floor(LINEAR_CAPTURE_WORK_MAX / compiled.re2().numberOfInstructions()));
  }

  test(subject: string): boolean {
    if (subject.length > this.maxSubjectChars) return false;
    return this.forSubject(subject).test(subject);
  }

  exec(subject: string, from: number, groups: number): RegexMatch | null {
    if (subject.length > this.maxCaptureChars || from > subject.length) return null;
    const compiled = this.forSubject(subject);
    if (from === 0 && !compiled.test(subject)) return null;
    const [found, caps] = compiled.re2().matchWithGroup(subject, from, subject.length, UNANCHORED, groups + 1) as [boolean, number[] | null];
    if (!found || !caps) return null;
    const texts: Array<string | undefined> = [];
    for (let n = 0; n <= groups; n++) texts.push(caps[2 * n] < 0 ? undefined : subject.slice(caps[2 * n], caps[2 * n + 1]));
    return { start: caps[0], end: caps[1], groups: texts };
  }

  /** The program for `subject`: the final-newline form when PCRE's `$` could match before its last character. */
  private forSubject(subject: string): RE2JS {
    if (this.finalNewlineSource === undefined || subject.indexOf('\n') !== subject.length - 1 || subject.length === 0) return this.compiled;
    this.finalNewline ??= RE2JS.compile(this.finalNewlineSource);
    return this.finalNewline;
  }
}
