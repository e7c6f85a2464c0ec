/**
 * Everything the page shows for one format and one set of facts, computed by the product's own
 * engine: the rendered line, or the compile error with its caret; the lint warnings; the JSON
 * check of the line; its size against the record limits; the variables Compute leaves unset.
 *
 * Owns: calling the engine as `compute-kinesis-logger render --json` and `check` do, and keeping
 * their messages word for word (src/cli/render.ts), with a source offset added to each problem
 * so the page can mark it. No DOM here: unit tests run it in Node.
 * Does not own: the engine (src/format/), the facts reader (src/format/facts-from-vcl.ts), the
 * JSON scanner (src/json/syntax-error.ts) or the limits (src/kinesis/limits.ts, src/config/schema.ts).
 */
import { DEFAULTS } from '../../src/config/schema.js';
import { formatErrorAt } from '../../src/format/errors.js';
import { parseFormat } from '../../src/format/format-parser.js';
import { findJsonSyntaxError } from '../../src/json/syntax-error.js';
import { MAX_RECORD_BYTES_API, PAYLOAD_UNIT_BYTES } from '../../src/kinesis/limits.js';
import { compileFormat, FactsError, FormatError, lintFormat, readVclFacts, variablesWithoutComputeValue, type RequestFacts } from '../../src/library/format.js';

/** A message of the engine and where in its text (format or line) it points. */
export interface Problem {
  /** The engine's message, with `at line L, column C` and the caret excerpt. */
  readonly message: string;
  /** UTF-16 offset of the position in the text the message is about. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** The size of a line beside the record limits. */
export interface LineSize {
  /** UTF-8 bytes: what a Kinesis record's data holds. */
  readonly bytes: number;
  /** max_record_bytes' default: 1 MiB, every stream's maximum unless it was raised. */
  readonly defaultLimitBytes: number;
  /** The most a stream (and max_record_bytes) can allow. */
  readonly largestLimitBytes: number;
  /** Kinesis bills writes in units of this many bytes. */
  readonly payloadUnitBytes: number;
}

export interface Evaluation {
  /** The rendered line; null when the format does not compile or the facts are unusable. */
  readonly line: string | null;
  /** `format error: …`, as the CLI prints it. */
  readonly formatError: Problem | null;
  /** Why the facts cannot be used (FactsError's message). */
  readonly factsError: string | null;
  /** Facts accepted but not used, and why (the CLI's notes). */
  readonly factNotes: readonly string[];
  /** What `check` warns of: risky regexes, JSON templates whose line cannot parse. */
  readonly warnings: readonly Problem[];
  /** Parts that rendered empty because they failed, at their directive. */
  readonly partErrors: readonly Problem[];
  /** For a JSON format (one that starts with `{` or `[`): null when the line parses, else where it stops. */
  readonly json: { readonly problem: Problem | null } | null;
  readonly size: LineSize | null;
  /** Variables the format reads that are never set on Compute. */
  readonly notOnCompute: readonly string[];
}

/** Runs the engine on `format` for `facts` (a JSON object of VCL names → values). */
export function evaluate(format: string, facts: unknown, nowMs: number = Date.now()): Evaluation {
  let factsError: string | null = null;
  let factNotes: string[] = [];
  let requestFacts: RequestFacts | null = null;
  try {
    const read = readVclFacts(facts, nowMs);
    requestFacts = read.facts;
    factNotes = read.notes;
  } catch (error) {
    if (!(error instanceof FactsError)) throw error;
    factsError = error.message;
  }

  let warnings: Problem[];
  try {
    warnings = lintFormat(format).map((w) => problem(format, w.message, w.line, w.column));
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return {
      line: null,
      formatError: problem(format, `format error: ${error.message}`, error.line, error.column),
      factsError,
      factNotes,
      warnings: [],
      partErrors: [],
      json: null,
      size: null,
      notOnCompute: [],
    };
  }

  const notOnCompute = variablesWithoutComputeValue(format).map((missing) => missing.name);
  if (!requestFacts) {
    return { line: null, formatError: null, factsError, factNotes, warnings, partErrors: [], json: null, size: null, notOnCompute };
  }

  const failedParts: { index: number; message: string }[] = [];
  const line = compileFormat(format).render(requestFacts, (error, index) => {
    failedParts.push({ index, message: error instanceof Error ? error.message : String(error) });
  });
  return {
    line,
    formatError: null,
    factsError,
    factNotes,
    warnings,
    partErrors: partProblems(format, failedParts),
    json: isJsonFormat(format) ? { problem: jsonProblem(line) } : null,
    size: {
      bytes: new TextEncoder().encode(line).length,
      defaultLimitBytes: DEFAULTS.maxRecordBytes,
      largestLimitBytes: MAX_RECORD_BYTES_API,
      payloadUnitBytes: PAYLOAD_UNIT_BYTES,
    },
    notOnCompute,
  };
}

/**
 * A JSON format is one whose text starts (after white space) with an object or an array: the
 * rule the engine's JSON template analysis applies (src/format/json-template.ts).
 */
export function isJsonFormat(format: string): boolean {
  return /^\s*[[{]/.test(format);
}

/** Where `line` stops being JSON, in the CLI's words (`render --json`); null when it is JSON. */
export function jsonProblem(line: string): Problem | null {
  const fault = findJsonSyntaxError(line);
  if (!fault) return null;
  const located = formatErrorAt(line, fault.offset, `expected ${fault.expected}, found ${fault.found},`);
  return { message: `the line is not JSON: ${located.message}`, offset: fault.offset, line: located.line, column: located.column };
}

/** Each failed part at the `%` of its directive (parts are numbered in directive order). */
function partProblems(format: string, failed: readonly { index: number; message: string }[]): Problem[] {
  if (failed.length === 0) return [];
  const directives = parseFormat(format).filter((node) => node.kind === 'directive');
  return failed.map(({ index, message }) => {
    const at = directives[index]?.pos ?? 0;
    const located = formatErrorAt(format, at, `this part rendered empty: ${message}`);
    return { message: located.message, offset: at, line: located.line, column: located.column };
  });
}

function problem(source: string, message: string, line: number, column: number): Problem {
  return { message, offset: offsetAt(source, line, column), line, column };
}

/**
 * The UTF-16 offset of 1-based `line` and `column` in `source`, counted as errors.ts counts them:
 * lines end at LF, CRLF or CR; columns count code points.
 */
export function offsetAt(source: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line && at < source.length; ) {
    const c = source.charCodeAt(at);
    at++;
    if (c === 10 || (c === 13 && source.charCodeAt(at) !== 10)) l++;
  }
  for (let col = 1; col < column && at < source.length; col++) {
    at += source.codePointAt(at)! > 0xffff ? 2 : 1;
  }
  return at;
}
