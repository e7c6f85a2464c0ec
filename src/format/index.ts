/**
 * Public face of the log-format engine: compile a Fastly format-version-2 string once, render it
 * for many requests. The compiler throws FormatError (with line, column and a caret) for a format
 * that does not parse.
 */
export { compileFormat, type LogFormat } from './compile.js';
export { FormatError } from './errors.js';
export { KINESIS_DEFAULT_FORMAT } from './defaults.js';
