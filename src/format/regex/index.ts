/**
 * Regular expressions for the format engine, in one place (issue 20): PCRE translation
 * (pcre.ts, with shape.ts and backrefs.ts), the engine choice (compile.ts: RE2 for every pattern
 * it can express, linear.ts; JavaScript's backtracking engine with a subject cap for the rest,
 * backtracking.ts), substitution (regsub.ts), the VCL functions and operator (functions.ts) and
 * the warning for a pattern that runs on the backtracking engine (warnings.ts).
 *
 * The rest of the engine imports from here only.
 */
export { compileRegex, compileRegexAt, regexArg, type CompiledRegex, type RegexObserver } from './compile.js';
export { matchOperator, REGEX_FUNCTIONS } from './functions.js';
export { matchGroups } from './regsub.js';
export { engineWarning, type RegexWarning } from './warnings.js';
export { BACKTRACKING_SUBJECT_MAX_CHARS } from './backtracking.js';
export { LINEAR_SUBJECT_MAX_CHARS } from './linear.js';
