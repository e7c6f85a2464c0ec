/**
 * VCL functions usable inside `%{…}V` (reference/log-format.md §7).
 *
 * Owns: the function table (name, arity, argument and result types) and how each call compiles
 * into a closure: literal arguments are used at compile time (regex patterns, replacement
 * templates, strftime patterns), so nothing is parsed or compiled while a line renders.
 * Does not own: escaping details (text-escapes.ts), regex translation (pcre.ts, regsub.ts),
 * hashing (digest.ts), strftime (time-format.ts).
 *
 * Arguments follow §5.1: a not-set argument is the empty string. A function that fails at run
 * time sets `fastly.error` (EINVAL for a bad unit or base) and returns not set, as Fastly does.
 */
import { encodeUtf8 } from '../facts/byte-string.js';
import type { CallNode, ExprNode } from './ast.js';
import { argText, constantText, numberArg, truthiness, type Compiled, type Evaluator } from './coercion.js';
import { md5Hex, sha1Hex, sha256Hex } from './digest.js';
import { maxRisk, MAY_HAVE_NEWLINES, NO_NEWLINES, type NewlineRisk } from './newlines.js';
import { RegexError } from './pcre.js';
import { compileRegex, parseReplacement, regsub, regsuball, type CompiledRegex } from './regsub.js';
import {
  asciiLower,
  asciiUpper,
  byteLength,
  byteSubstr,
  cstrEscape,
  jsonEscape,
  urlDecode,
  urlEncode,
} from './text-escapes.js';
import { compileStrftime, mayPrintNewline, sharedStrftime, type TimeFormatter } from './time-format.js';
import { formatInteger, type VclType } from './values.js';

/** What a function needs from the compiler to report errors at the right place. */
export interface CallSite {
  readonly node: CallNode;
  /** Throws a FormatError at `pos` (a source offset). */
  fail(pos: number, reason: string): never;
  /** Told of every regex compiled, when linting (see RegexObserver). */
  readonly observeRegex?: RegexObserver;
}

/**
 * Called at compile time with each regex literal, its compiled form and the source offset of
 * each UTF-16 unit of the pattern (lint.ts uses it to place warnings); never while rendering.
 */
export type RegexObserver = (pattern: string, regex: CompiledRegex, offsets: readonly number[]) => void;

/**
 * Parameter kinds, checked by the compiler before `build` runs: STRING accepts any type
 * (converted, not set → ""), BOOL accepts BOOL, STRING or IP (truthiness), REGEX a string
 * literal, and INTEGER/TIME/RTIME exactly that type.
 */
export type ParamKind = 'STRING' | 'BOOL' | 'REGEX' | 'INTEGER' | 'TIME' | 'RTIME';

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
  build(args: readonly Compiled[], site: CallSite): Evaluator;
}

/** The result keeps (some of) the characters of these arguments, so it carries their risk. */
const riskOf = (...indexes: number[]) => (args: readonly Compiled[]): NewlineRisk =>
  maxRisk(...indexes.map((i) => args[i]?.newlineRisk ?? MAY_HAVE_NEWLINES));

const unary = (fn: (s: string) => string | null, newlineRisk: FunctionDef['newlineRisk'] = riskOf(0)): FunctionDef => ({
  params: ['STRING'],
  minArgs: 1,
  pure: true,
  newlineRisk,
  returns: 'STRING',
  build: ([a]) => {
    const text = argText(a);
    return (ctx) => fn(text(ctx));
  },
});

/** The pattern argument: a string literal, translated and compiled now. */
function regexArg(args: readonly Compiled[], index: number, site: CallSite): CompiledRegex {
  const literal = args[index].literal as NonNullable<Compiled['literal']>;
  return compileRegexAt(literal.value, literal.valueOffsets, site.node.args[index], site);
}

/** Compiles a regex literal, reporting translation errors at the offending character. */
export function compileRegexAt(
  pattern: string,
  offsets: readonly number[],
  node: ExprNode,
  site: Pick<CallSite, 'fail' | 'observeRegex'>,
): CompiledRegex {
  try {
    const regex = compileRegex(pattern);
    site.observeRegex?.(pattern, regex, offsets);
    return regex;
  } catch (error) {
    if (error instanceof RegexError) {
      const pos = error.index >= 0 && error.index < offsets.length ? offsets[error.index] : node.pos;
      site.fail(pos, `regular expression ${JSON.stringify(pattern)}: ${error.message}`);
    }
    throw error;
  }
}

function substitution(all: boolean): FunctionDef {
  return {
    params: ['STRING', 'REGEX', 'STRING'],
    minArgs: 3,
    pure: true,
    newlineRisk: riskOf(0, 2),
    returns: 'STRING',
    build: (args, site) => {
      const input = argText(args[0]);
      const regex = regexArg(args, 1, site);
      const apply = all ? regsuball : regsub;
      const replacementArg = args[2];
      const fixed = constantText(replacementArg);
      if (fixed !== undefined) {
        const replacement = parseReplacement(fixed, regex);
        return (ctx) => apply(regex, input(ctx), replacement);
      }
      // A replacement computed per request (rare) is parsed when it changes, not on every call.
      const replacementText = argText(replacementArg);
      let lastText: string | undefined;
      let lastReplacement: ReturnType<typeof parseReplacement> = [];
      return (ctx) => {
        const subject = input(ctx);
        const text = replacementText(ctx);
        if (text !== lastText) {
          lastReplacement = parseReplacement(text, regex);
          lastText = text;
        }
        return apply(regex, subject, lastReplacement);
      };
    },
  };
}

const STRFTIME_CACHE_MAX_ENTRIES = 32;
const dynamicStrftime = new Map<string, TimeFormatter>();

/** A strftime pattern computed at run time (rare): compiled once per distinct pattern. */
function strftimeFor(pattern: string): TimeFormatter {
  let f = dynamicStrftime.get(pattern);
  if (!f) {
    if (dynamicStrftime.size >= STRFTIME_CACHE_MAX_ENTRIES) dynamicStrftime.clear();
    f = compileStrftime(pattern);
    dynamicStrftime.set(pattern, f);
  }
  return f;
}

const strftime: FunctionDef = {
  params: ['STRING', 'TIME'],
  minArgs: 2,
  newlineRisk: ([fmt]) =>
    fmt.constant !== undefined && !mayPrintNewline(constantText(fmt) ?? '') ? NO_NEWLINES : MAY_HAVE_NEWLINES,
  returns: 'STRING',
  build: ([fmt, time]) => {
    const t = numberArg(time, 'TIME');
    const fixed = constantText(fmt);
    if (fixed !== undefined) {
      const formatter = sharedStrftime(fixed);
      return (ctx) => {
        const us = t(ctx);
        return us === null ? null : formatter(us);
      };
    }
    const pattern = argText(fmt);
    return (ctx) => {
      const us = t(ctx);
      return us === null ? null : strftimeFor(pattern(ctx))(ctx.brokenTime(us));
    };
  },
};

/**
 * `s` → whole seconds; `ms`/`us`/`ns` → whole seconds, a point and 3/6/9 decimals (time.units and
 * time.runits pages). A negative value is its sign then the digits of its magnitude: -1.5 s in ms
 * is `-1.500` and -1 ms in us is `-0.001000` (never the floor's `-2.500`), so the text reads as the
 * same number; at the 1 µs resolution kept here, a value of magnitude below 1 µs prints unsigned.
 * [I: Fastly's pages show no negative example; sign-and-magnitude is the only reading under which
 * the text equals the value.]
 */
function formatUnits(unit: string, us: number): string | null {
  const magnitude = Math.floor(Math.abs(us));
  const sign = us < 0 && magnitude > 0 ? '-' : '';
  const sec = Math.floor(magnitude / 1e6);
  const micros = magnitude - sec * 1e6;
  switch (unit) {
    case 's':
      return `${sign}${sec}`;
    case 'ms':
      return `${sign}${sec}.${String(Math.floor(micros / 1000)).padStart(3, '0')}`;
    case 'us':
      return `${sign}${sec}.${String(micros).padStart(6, '0')}`;
    case 'ns':
      return `${sign}${sec}.${String(micros).padStart(6, '0')}000`;
    default:
      return null;
  }
}

function units(type: 'TIME' | 'RTIME'): FunctionDef {
  return {
    params: ['STRING', type],
    minArgs: 2,
    newlineRisk: NO_NEWLINES,
    returns: 'STRING',
    build: ([unitArg, timeArg]) => {
      const unit = argText(unitArg);
      const t = numberArg(timeArg, type);
      return (ctx) => {
        const us = t(ctx);
        const out = us === null ? null : formatUnits(unit(ctx), us);
        if (out === null && us !== null) ctx.fastlyError = 'EINVAL';
        return out;
      };
    },
  };
}

const substr: FunctionDef = {
  params: ['STRING', 'INTEGER', 'INTEGER'],
  minArgs: 2,
  pure: true,
  newlineRisk: riskOf(0),
  returns: 'STRING',
  build: (args) => {
    const s = argText(args[0]);
    const offset = numberArg(args[1], 'INTEGER');
    const length = args[2] ? numberArg(args[2], 'INTEGER') : undefined;
    return (ctx) => byteSubstr(s(ctx), offset(ctx) ?? 0, length ? (length(ctx) ?? 0) : undefined);
  },
};

const itoa: FunctionDef = {
  params: ['INTEGER', 'INTEGER'],
  minArgs: 1,
  newlineRisk: NO_NEWLINES,
  returns: 'STRING',
  build: (args) => {
    const n = numberArg(args[0], 'INTEGER');
    const base = args[1] ? numberArg(args[1], 'INTEGER') : () => 10;
    return (ctx) => {
      const b = base(ctx) ?? 10;
      if (b < 2 || b > 36) {
        ctx.fastlyError = 'EINVAL';
        return null;
      }
      return formatInteger(n(ctx) ?? 0, b);
    };
  },
};

/** std.atoi: strtol-like: leading blanks, an optional sign, then decimal digits; else 0. */
const atoi: FunctionDef = {
  params: ['STRING'],
  minArgs: 1,
  pure: true,
  returns: 'INTEGER',
  build: ([a]) => {
    const s = argText(a);
    return (ctx) => {
      const m = /^\s*([+-]?\d+)/.exec(s(ctx));
      return m ? Number(m[1]) : 0;
    };
  },
};

const strlen: FunctionDef = {
  params: ['STRING'],
  minArgs: 1,
  pure: true,
  returns: 'INTEGER',
  build: ([a]) => {
    const s = argText(a);
    return (ctx) => byteLength(s(ctx));
  },
};

const ifFunction: FunctionDef = {
  params: ['BOOL', 'STRING', 'STRING'],
  minArgs: 3,
  pure: true,
  newlineRisk: riskOf(1, 2),
  returns: 'STRING',
  build: (args) => {
    const cond = truthiness(args[0]);
    const a = argText(args[1]);
    const b = argText(args[2]);
    if (args[0].constant) return cond(undefined as never) ? a : b;
    const fixedA = constantText(args[1]);
    const fixedB = constantText(args[2]);
    // The common if(cond, "true", "false") form: no call for the branches.
    if (fixedA !== undefined && fixedB !== undefined) return (ctx) => (cond(ctx) ? fixedA : fixedB);
    return (ctx) => (cond(ctx) ? a(ctx) : b(ctx));
  },
};

const digest = (hash: (bytes: Uint8Array) => string): FunctionDef => unary((s) => hash(encodeUtf8(s)), NO_NEWLINES);

const uuidVersion4: FunctionDef = {
  params: [],
  minArgs: 0,
  newlineRisk: NO_NEWLINES,
  returns: 'STRING',
  build: () => () => {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = '';
    for (const x of b) hex += (x < 16 ? '0' : '') + x.toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },
};

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map<string, FunctionDef>([
  ['json.escape', unary(jsonEscape, NO_NEWLINES)],
  ['cstr_escape', unary(cstrEscape, NO_NEWLINES)],
  ['if', ifFunction],
  ['regsub', substitution(false)],
  ['regsuball', substitution(true)],
  ['strftime', strftime],
  ['time.units', units('TIME')],
  ['time.runits', units('RTIME')],
  ['std.tolower', unary(asciiLower)],
  ['std.toupper', unary(asciiUpper)],
  ['substr', substr],
  ['std.itoa', itoa],
  ['std.atoi', atoi],
  ['std.strlen', strlen],
  ['urlencode', unary(urlEncode, NO_NEWLINES)],
  ['urldecode', unary(urlDecode, MAY_HAVE_NEWLINES)],
  ['digest.hash_md5', digest(md5Hex)],
  ['digest.hash_sha1', digest(sha1Hex)],
  ['digest.hash_sha256', digest(sha256Hex)],
  ['uuid.version4', uuidVersion4],
]);
