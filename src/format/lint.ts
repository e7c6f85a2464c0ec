/**
 * Lint: what a format or condition that compiles still deserves a warning for.
 *
 * Owns: compiling a format or condition once more with a regex observer and turning each
 * backtracking risk (backtracking.ts, recorded on the compiled regex) into a FormatWarning, and
 * adding the JSON check of JSON templates (json-lint.ts); each warning sits at its position in the
 * source, with the same line, column and caret a FormatError has. For the `check` CLI and other
 * tooling; the app's request path never lints.
 * Does not own: the detection rules (backtracking.ts) or compilation (log-format.ts).
 */
import { compileConditionUncached, compileFormatUncached } from './log-format.js';
import { formatWarningAt, type FormatWarning } from './errors.js';
import type { RegexObserver } from './functions.js';
import { lintJson } from './json-lint.js';
import { LINEAR_SUBJECT_MAX_CHARS } from './regex/linear.js';

/** Warnings for a format, in source order; throws FormatError when it does not compile. */
export function lintFormat(source: string): FormatWarning[] {
  const warnings: FormatWarning[] = [];
  compileFormatUncached(source, collect(source, warnings));
  warnings.push(...lintJson(source));
  return warnings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Warnings for a condition (response_condition); throws FormatError when it does not compile. */
export function lintCondition(source: string): FormatWarning[] {
  const warnings: FormatWarning[] = [];
  compileConditionUncached(source, collect(source, warnings));
  return warnings;
}

function collect(source: string, warnings: FormatWarning[]): RegexObserver {
  return (pattern, regex, offsets) => {
    for (const risk of regex.risks) {
      const at = offsets[risk.index] ?? offsets[0] ?? 0;
      warnings.push(
        formatWarningAt(
          source,
          at,
          `regular expression ${JSON.stringify(pattern)}: ${risk.message}. It runs on the linear-time engine (RE2) here ` +
            `(subjects over ${LINEAR_SUBJECT_MAX_CHARS} characters do not match); on Fastly it can stop at PCRE's backtracking limit (EREGRECUR)`,
        ),
      );
    }
  };
}
