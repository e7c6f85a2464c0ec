/**
 * Lint: what a format or condition that compiles still deserves a warning for.
 *
 * Owns: gathering, for a format or condition, the warnings for its regexes whose engine caps the
 * subjects they match (kept by log-format.ts as it compiles: regexWarningsOf), the JSON check of
 * JSON templates (json-lint.ts) and the variables that have no value on Compute
 * (compute-values.ts); each warning sits at its position in the source, with the same line,
 * column and caret a FormatError has. For the `check` CLI and other tooling; the app's request
 * path never lints.
 * Does not own: the regex warnings' wording (regex/warnings.ts) or compilation (log-format.ts).
 */
import { conditionMissingOnComputeWarning, missingOnComputeWarning } from './compute-values.js';
import { compileCondition, compileFormat, regexWarningsOf } from './log-format.js';
import type { FormatWarning } from './errors.js';
import { lintJson } from './json-lint.js';

/** Warnings for a format, in source order; throws FormatError when it does not compile. */
export function lintFormat(source: string): FormatWarning[] {
  const warnings = [...regexWarningsOf(compileFormat(source))];
  warnings.push(...lintJson(source));
  const missing = missingOnComputeWarning(source);
  if (missing) warnings.push(missing);
  return warnings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Warnings for a condition (response_condition); throws FormatError when it does not compile. */
export function lintCondition(source: string): FormatWarning[] {
  const warnings = [...regexWarningsOf(compileCondition(source))];
  const missing = conditionMissingOnComputeWarning(source);
  if (missing) warnings.push(missing);
  return warnings.sort((a, b) => a.line - b.line || a.column - b.column);
}
