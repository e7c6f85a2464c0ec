/**
 * What `check` and the app at load say about a pattern that runs on the backtracking engine.
 *
 * Owns: the warning's wording and where in the pattern it points (its first construct RE2
 * lacks). Every construct is named, with its text, so the user sees what to rewrite.
 * Does not own: finding the constructs (pcre.ts, compile.ts) or printing (lint.ts for `check`,
 * log-format.ts keeps them for config/load.ts).
 */
import type { CompiledRegex } from './compile.js';
import { LINEAR_SUBJECT_MAX_CHARS } from './linear.js';

export interface RegexWarning {
  readonly message: string;
  /** Index in the pattern the warning points at. */
  readonly index: number;
}

/** The warning for `regex`, or undefined when it runs on RE2. */
export function backtrackingWarning(regex: CompiledRegex): RegexWarning | undefined {
  if (regex.engine === 'linear') return undefined;
  const names = regex.constructs.map((c) => c.name).join(', ');
  return {
    message:
      `regular expression ${JSON.stringify(regex.pattern)} needs the backtracking engine for ${names}, which RE2 lacks, ` +
      `so subjects over ${regex.maxSubjectChars} characters do not match it (regsub returns its input, ~ is false, ` +
      `fastly.error is EREGRECUR); without them it would run on RE2, in linear time, up to ${LINEAR_SUBJECT_MAX_CHARS} characters`,
    index: regex.constructs[0]?.index ?? 0,
  };
}
