/**
 * The shape of a VCL function definition, and the small helpers every namespace module uses to
 * write one.
 *
 * Owns: FunctionDef (parameters, result type, purity, newline risk, `build`), CallSite (what a
 * build may ask of the compiler: the call's syntax node, error reporting, the regex observer),
 * and helpers for the common shapes (a pure function of one STRING, a bare-identifier argument;
 * a regex literal argument is regexArg in ../regex/).
 * Does not own: any function's semantics (the namespace modules next to this one) or the name →
 * definition table (../functions.ts).
 *
 * Conventions every definition follows (reference/log-format.md §5.1):
 * - a not-set STRING argument reads as "" (argText);
 * - literal arguments (regexes, templates, patterns, identifiers) are used when the format
 *   compiles, so nothing is parsed or compiled while a line renders;
 * - a failure at run time sets `ctx.fastlyError` as Fastly documents it and returns not set;
 * - a result that may grow with its input checks itself against `ctx.maxChars` through
 *   `ctx.bound` (render-context.ts), so a line costs O(max_record_bytes) however it is nested.
 */
import type { CallNode } from '../ast.js';
import { argText, type Compiled, type Evaluator } from '../coercion.js';
import type { FactName } from '../facts-read.js';
import { maxRisk, MAY_HAVE_NEWLINES, type NewlineRisk } from '../newlines.js';
import type { RegexObserver } from '../regex/index.js';
import type { RenderContext } from '../render-context.js';
import type { Value, VclType } from '../values.js';

/** What a function needs from the compiler to report errors at the right place. */
export interface CallSite {
  readonly node: CallNode;
  /** Throws a FormatError at `pos` (a source offset). */
  fail(pos: number, reason: string): never;
  /** Told of every regex compiled (log-format.ts keeps the warnings of those whose engine caps subjects). */
  readonly observeRegex?: RegexObserver;
}

/**
 * Parameter kinds, checked by the compiler before `build` runs:
 * - STRING accepts any type (converted, not set → "");
 * - BOOL accepts BOOL, STRING or IP (truthiness);
 * - REGEX a string literal;
 * - INTEGER, TIME, RTIME exactly that type; FLOAT a FLOAT or an INTEGER (widened);
 * - IP an IP or a STRING (parsed when the function runs);
 * - ID a bare name that is not evaluated (a table, `req`/`resp`, `req.headers`): the build reads
 *   it with `identifierArg`.
 */
export type ParamKind = 'STRING' | 'BOOL' | 'REGEX' | 'INTEGER' | 'FLOAT' | 'TIME' | 'RTIME' | 'IP' | 'ID';

export interface FunctionDef {
  readonly params: readonly ParamKind[];
  /** Arguments after this many are optional. */
  readonly minArgs: number;
  readonly returns: VclType;
  /**
   * True when the result depends only on the arguments, touching no request state, so a call
   * with constant arguments is folded at compile time.
   */
  readonly pure?: boolean;
  /** Whether the result's text can contain LF or CR (fixed, or given the arguments); see newlines.ts. */
  readonly newlineRisk?: NewlineRisk | ((args: readonly Compiled[]) => NewlineRisk);
  /** True when the result never holds a character a JSON string must escape (json.escape's). */
  readonly jsonSafe?: boolean;
  /** The request facts the function reads itself, beyond its arguments (facts-read.ts does not probe calls). */
  readonly reads?: readonly FactName[];
  build(args: readonly Compiled[], site: CallSite): Evaluator;
}

/** The result keeps (some of) the characters of these arguments, so it carries their risk. */
export const riskOf = (...indexes: number[]) => (args: readonly Compiled[]): NewlineRisk =>
  maxRisk(...indexes.map((i) => args[i]?.newlineRisk ?? MAY_HAVE_NEWLINES));

/**
 * A pure function of one STRING argument with a result of type `returns`; `fn` returns null for
 * not set, and may set `ctx.fastlyError` first.
 */
export function ofOneString(
  returns: VclType,
  fn: (s: string, ctx: RenderContext) => Value,
  newlineRisk?: FunctionDef['newlineRisk'],
): FunctionDef {
  return {
    params: ['STRING'],
    minArgs: 1,
    pure: true,
    ...(newlineRisk === undefined ? {} : { newlineRisk }),
    returns,
    build: ([a]) => {
      const text = argText(a);
      return (ctx) => fn(text(ctx), ctx);
    },
  };
}

/** A pure STRING → STRING function; `fn` returns null for not set. */
export function unary(fn: (s: string) => string | null, newlineRisk: FunctionDef['newlineRisk'] = riskOf(0)): FunctionDef {
  return ofOneString('STRING', fn, newlineRisk);
}

/** A pure predicate of one STRING. */
export function predicate(test: (s: string) => boolean): FunctionDef {
  return ofOneString('BOOL', test);
}

/**
 * The name given for an ID parameter, checked against `allowed` when given (an unknown name is
 * an error at the argument, listing what is accepted).
 */
export function identifierArg(site: CallSite, index: number, allowed?: readonly string[]): string {
  const node = site.node.args[index];
  const name = node.kind === 'var' ? node.name : '';
  if (allowed && !allowed.includes(name)) {
    site.fail(node.pos, `${site.node.name}: argument ${index + 1} must be one of ${allowed.join(', ')}, found ${name || 'an expression'}`);
  }
  return name;
}
