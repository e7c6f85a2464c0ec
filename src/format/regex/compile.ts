/**
 * Which engine runs a pattern, decided by proof, never by guessing how slow it could be (issue 20):
 * - `native`: JavaScript's engine (backtracking.ts), for a pattern proven to match in linear time
 *   there (native.ts); it is 100 to 10,000 times cheaper than RE2 in the Wasm;
 * - `linear`: RE2 (linear.ts), for every other pattern RE2 can express, whatever its shape;
 * - `backtracking`: JavaScript's engine with its subject cap, only for a pattern that needs what
 *   RE2 lacks (pcre.ts lists back-references, look-arounds, atomic groups, possessive
 *   quantifiers) or that RE2 refuses; `check` and the app at load report it (warnings.ts).
 *
 * Owns: CompiledRegex (what the format engine holds for a regex literal), the per-instance cache
 * that compiles each pattern once, and compiling a literal of a format or condition with its
 * errors placed at the offending character.
 * Does not own: translation (pcre.ts), the engines, substitution (regsub.ts) or the VCL functions
 * and operator that use a regex (functions.ts).
 */
import type { ExprNode } from '../ast.js';
import type { Compiled } from '../coercion.js';
import type { CallSite } from '../functions/define.js';
import { TextKeyedCache } from '../text-cache.js';
import { BACKTRACKING_SUBJECT_MAX_CHARS, BacktrackingEngine } from './backtracking.js';
import type { Engine } from './engine.js';
import { compileLinear } from './linear.js';
import { isLinearOnBacktracking } from './native.js';
import { RegexError, translatePcre, type BacktrackingConstruct, type TranslatedRegex } from './pcre.js';

export interface CompiledRegex extends Engine {
  /** The PCRE pattern as written. */
  readonly pattern: string;
  /** Number of PCRE capture groups. */
  readonly groupCount: number;
  /** See above; `backtracking` for the reasons in `constructs`. */
  readonly engine: 'native' | 'linear' | 'backtracking';
  /** What keeps the pattern off RE2, in pattern order; empty unless `backtracking`. */
  readonly constructs: readonly BacktrackingConstruct[];
}

/** Told of each regex a compile builds, with the source offset of each UTF-16 unit of the pattern. */
export type RegexObserver = (pattern: string, regex: CompiledRegex, offsets: readonly number[]) => void;

const compiled = new TextKeyedCache<CompiledRegex>();

/**
 * The pattern compiled, once per instance (the same pattern in several formats, a condition and
 * lint shares one). Throws RegexError when the pattern cannot be expressed.
 */
export function compileRegex(pattern: string): CompiledRegex {
  return compiled.get(pattern, compileUncached);
}

function compileUncached(pattern: string): CompiledRegex {
  const translated = translatePcre(pattern);
  const { constructs, kind, engine } = chooseEngine(pattern, translated);
  return {
    pattern,
    groupCount: translated.groupCount,
    engine: kind,
    constructs,
    maxSubjectChars: engine.maxSubjectChars,
    maxCaptureChars: engine.maxCaptureChars,
    native: engine.native,
    test: (subject) => engine.test(subject),
    // Group numbers beyond the pattern's read as unset, as an unmatched group does.
    exec: (subject, from, groups) => engine.exec(subject, from, Math.min(groups, translated.groupCount)),
  };
}

function chooseEngine(pattern: string, translated: TranslatedRegex): { kind: CompiledRegex['engine']; engine: Engine; constructs: readonly BacktrackingConstruct[] } {
  if (!translated.re2) {
    return { kind: 'backtracking', engine: new BacktrackingEngine(translated, BACKTRACKING_SUBJECT_MAX_CHARS), constructs: translated.constructs };
  }
  if (isLinearOnBacktracking(translated.shape, pattern, translated.flags, translated.multiline)) {
    return { kind: 'native', engine: new BacktrackingEngine(translated, Infinity), constructs: [] };
  }
  const linear = compileLinear(translated.re2, translated.groupCount);
  if (typeof linear !== 'string') return { kind: 'linear', engine: linear, constructs: [] };
  return {
    kind: 'backtracking',
    engine: new BacktrackingEngine(translated, BACKTRACKING_SUBJECT_MAX_CHARS),
    constructs: [{ name: `a form RE2 refuses (${linear})`, index: 0 }],
  };
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

/** A function's pattern argument: a string literal (the compiler checked), compiled now. */
export function regexArg(args: readonly Compiled[], index: number, site: CallSite): CompiledRegex {
  const literal = args[index].literal as NonNullable<Compiled['literal']>;
  return compileRegexAt(literal.value, literal.valueOffsets, site.node.args[index], site);
}
