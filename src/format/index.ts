/**
 * Public face of the log-format engine: compile a Fastly format-version-2 string once, render it
 * for many requests; compile a VCL boolean expression once (response_condition), test it per
 * request. Both compilers throw FormatError (with line, column and a caret) for text that does
 * not parse. lintFormat/lintCondition return FormatWarnings (same position and caret) for text
 * that compiles but is risky: regexes whose engine caps the subjects they match
 * (regexWarningsOf: those alone, found while compiling, for load time), JSON templates whose line
 * cannot parse (lintJsonTemplate: that check alone, kept per format text, for load time).
 * Each compiled format and condition knows the request facts it reads (FactsRead).
 * NOT_PROVIDED_IN_COMPUTE lists the VCL variables that always read as not set here. RenderOptions
 * bound what one render may build (LineLimitExceeded), and give it its randomness and its tables
 * (TableCache reads them from Config Stores within an execution's lookups).
 */
export { compileCondition, compileFormat, regexWarningsOf, type Condition, type LogFormat, type PartErrorObserver } from './log-format.js';
export type { FactName, FactsRead } from './facts-read.js';
export { DEFAULT_MAX_CHARS, LineLimitExceeded, type RandomBytes, type RenderOptions, type TableLookup } from './render-context.js';
export { TableCache, type TableExecution, type TableOpen } from './tables.js';
export { FormatError, FormatWarning } from './errors.js';
export { lintCondition, lintFormat } from './lint.js';
export { lintJsonCached as lintJsonTemplate } from './json-lint.js';
export {
  BIGQUERY_EXAMPLE_FORMAT,
  CLF_FORMAT,
  DATADOG_DEFAULT_FORMAT,
  FASTLY_UI_JSON_FORMAT,
  KINESIS_DEFAULT_FORMAT,
} from './defaults.js';
export { NOT_PROVIDED_IN_COMPUTE } from './variables.js';
/** The variables a format uses that always read as not set here (lintFormat warns about them). */
export { type MissingOnCompute, variablesWithoutComputeValue } from './compute-values.js';
export { WARMED_UP_FORMATS, warmUpFormats } from './warm-up.js';
