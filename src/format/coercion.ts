/**
 * The shape of a compiled expression and the type coercions between compiled expressions.
 *
 * Owns: `Compiled` (a static VCL type plus a closure over RenderContext), how a value of one
 * type is used where another is expected (function arguments, conditions, log text), the
 * not-set rules of reference/log-format.md §5.1 at those boundaries, and the length bound at
 * the same boundaries: a string longer than `ctx.maxChars` stops the render where it is read
 * (render-context.ts), whichever function built it.
 * Does not own: the tree walk (expr-compiler.ts) or function semantics (functions.ts).
 */
import type { StringNode } from './ast.js';
import { hasNewline, MAY_HAVE_NEWLINES, NO_NEWLINES, type NewlineRisk } from './newlines.js';
import type { RenderContext } from './render-context.js';
import { NOT_SET_TEXT, STRINGIFY, type Value, type VclType } from './values.js';

export type Evaluator = (ctx: RenderContext) => Value;

export interface Compiled {
  readonly type: VclType;
  readonly eval: Evaluator;
  /** Set when the value is fixed at compile time. */
  readonly constant?: { readonly value: Value };
  /** Set when the expression is exactly one string literal (regexes must be literals). */
  readonly literal?: StringNode;
  /** Whether the value's text can contain LF or CR (see newlines.ts); absent means anywhere. */
  readonly newlineRisk?: NewlineRisk;
  /** True when the text can hold nothing a JSON string must escape (see jsonSafeType). */
  readonly jsonSafe?: boolean;
  /** True for a variable Compute has no source for (never set here; variables.ts). */
  readonly noComputeSource?: boolean;
}

/** STRING and IP text comes from data; other types print digits or fixed words, never a newline. */
export function typeRisk(type: VclType): NewlineRisk {
  return type === 'STRING' || type === 'IP' ? MAY_HAVE_NEWLINES : NO_NEWLINES;
}

/**
 * For the same reason the text of those other types holds no `"`, `\`, control character or lone
 * surrogate, so inside a JSON string it needs no repair (log-format.ts insideJsonString).
 */
export function jsonSafeType(type: VclType): boolean {
  return typeRisk(type) === NO_NEWLINES;
}

/** Raised by coercions; expr-compiler.ts turns it into a FormatError at the argument. */
export class CoercionError extends Error {}

export function constantOf(type: VclType, value: Value, literal?: StringNode): Compiled {
  const newlineRisk = typeof value === 'string' && hasNewline(value) ? MAY_HAVE_NEWLINES : NO_NEWLINES;
  return { type, eval: () => value, constant: { value }, literal, newlineRisk };
}

/** Text as a function argument sees it: not set → "" (§5.1). */
export function argText(c: Compiled): (ctx: RenderContext) => string {
  const stringify = STRINGIFY[c.type];
  if (c.constant) {
    const v = c.constant.value;
    const text = v === null ? '' : stringify(v);
    return () => text;
  }
  const e = c.eval;
  if (c.type === 'STRING' || c.type === 'IP') {
    return (ctx) => {
      const s = (e(ctx) as string | null) ?? '';
      return s.length > ctx.maxChars ? ctx.bound(s) : s;
    };
  }
  return (ctx) => {
    const v = e(ctx);
    return v === null ? '' : stringify(v);
  };
}

/** The argument text of a compile-time constant, or undefined when it varies per request. */
export function constantText(c: Compiled): string | undefined {
  if (!c.constant) return undefined;
  const v = c.constant.value;
  return v === null ? '' : STRINGIFY[c.type](v);
}

/** Text as it reaches a log line or a concatenation: not set → `(null)` (§5.1). */
export function logText(c: Compiled): (ctx: RenderContext) => string {
  const stringify = STRINGIFY[c.type];
  if (c.constant) {
    const v = c.constant.value;
    const text = v === null ? NOT_SET_TEXT : stringify(v);
    return () => text;
  }
  const e = c.eval;
  if (c.type === 'STRING' || c.type === 'IP') {
    return (ctx) => {
      const s = (e(ctx) as string | null) ?? NOT_SET_TEXT;
      return s.length > ctx.maxChars ? ctx.bound(s) : s;
    };
  }
  return (ctx) => {
    const v = e(ctx);
    return v === null ? NOT_SET_TEXT : stringify(v);
  };
}

/**
 * Truthiness (§5.1): BOOL as is (not set is false); a STRING or IP is true when set, even if
 * empty. Other types are not conditions in VCL.
 */
export function truthiness(c: Compiled): (ctx: RenderContext) => boolean {
  const e = c.eval;
  if (c.type === 'BOOL') return (ctx) => e(ctx) === true;
  if (c.type === 'STRING' || c.type === 'IP') return (ctx) => e(ctx) !== null;
  throw new CoercionError(`expected a BOOL or STRING condition, found ${c.type}`);
}

/**
 * A numeric argument of exactly `type` (VCL does not convert between them implicitly), except
 * that an INTEGER is accepted where a FLOAT is expected.
 */
export function numberArg(c: Compiled, type: 'INTEGER' | 'FLOAT' | 'TIME' | 'RTIME'): (ctx: RenderContext) => number | null {
  if (c.type !== type && !(type === 'FLOAT' && c.type === 'INTEGER')) throw new CoercionError(`expected ${type}, found ${c.type}`);
  const e = c.eval;
  return (ctx) => e(ctx) as number | null;
}
