/**
 * What a regex engine offers the rest of the folder, whichever runs the pattern.
 *
 * Owns: the Engine contract (a subject cap, a boolean test, a match with PCRE-numbered groups)
 * and the match it returns.
 * Does not own: the engines (linear.ts, backtracking.ts) or which one runs a pattern (compile.ts).
 */

/** One match: its span in the subject (UTF-16 offsets, end exclusive) and its groups. */
export interface RegexMatch {
  readonly start: number;
  readonly end: number;
  /** Entry n is PCRE group n's text (0: the whole match), undefined when it did not take part. */
  readonly groups: ReadonlyArray<string | undefined>;
}

export interface Engine {
  /** Longest subject the engine matches; a longer one is not matched (the engine gives up). */
  readonly maxSubjectChars: number;
  /** Longest subject `exec` finds a match's span and groups in; at most maxSubjectChars. */
  readonly maxCaptureChars: number;
  /** Whether the pattern matches somewhere in `subject`. */
  test(subject: string): boolean;
  /**
   * The first match that starts at or after `from` (the characters before it still count for
   * `^`, `\b` and look-behinds), with groups 0…`groups` filled; null when there is none, or when
   * the subject is longer than maxCaptureChars.
   */
  exec(subject: string, from: number, groups: number): RegexMatch | null;
  /**
   * The JavaScript RegExps behind an engine that has them, for String.prototype.replace, which
   * substitutes every match inside the engine (regsub.ts): `groupIndex[n]` is PCRE group n's index.
   */
  readonly native?: { readonly once: RegExp; readonly global: RegExp; readonly groupIndex: readonly number[] };
}
