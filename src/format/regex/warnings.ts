/**
 * What `check` and the app at load say about a pattern whose engine limits the subjects it
 * matches: the backtracking engine (a construct RE2 lacks) and RE2 (every pattern not proven
 * linear on the native engine). A pattern on the native engine has no such limit and no warning.
 *
 * Owns: the warnings' wording and where in the pattern they point (the first construct RE2 lacks,
 * else the pattern's start). Every construct is named, with its text, so the user sees what to
 * rewrite.
 * Does not own: finding the constructs or choosing the engine (pcre.ts, native.ts, compile.ts), or
 * printing (lint.ts for `check`; log-format.ts keeps them for config/load.ts).
 */
import type { CompiledRegex } from './compile.js';

export interface RegexWarning {
  readonly message: string;
  /** Index in the pattern the warning points at. */
  readonly index: number;
}

/** What happens past the cap, as Fastly does when PCRE stops at its match limit. */
const PAST_THE_CAP = 'regsub returns its input, ~ is false, fastly.error is EREGRECUR';

/** The warning for `regex`, or undefined when it runs on the native engine. */
export function engineWarning(regex: CompiledRegex): RegexWarning | undefined {
  const pattern = JSON.stringify(regex.pattern);
  const cap = regex.maxSubjectChars;
  if (regex.engine === 'backtracking') {
    return {
      message:
        `regular expression ${pattern} needs the backtracking engine for ${regex.constructs.map((c) => c.name).join(', ')}, which RE2 lacks, ` +
        `so subjects over ${cap} characters do not match it (${PAST_THE_CAP})`,
      index: regex.constructs[0]?.index ?? 0,
    };
  }
  if (regex.engine === 'linear') {
    return {
      message:
        `regular expression ${pattern} runs on RE2 (linear time, but in the Wasm far costlier than the native engine, and 10 to 40 ms to compile in each new sandbox, plus about 20 ms once per sandbox to load RE2), ` +
        `so subjects over ${cap} characters do not match it, nor, in regsub, subjects over ${regex.maxCaptureChars} that it matches (${PAST_THE_CAP}); a pattern runs on the native engine, ` +
        'with no limit, when it has at most one repetition, over one character, and is anchored with ^ or ends with that repetition',
      index: 0,
    };
  }
  return undefined;
}
