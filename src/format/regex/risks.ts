/**
 * Finds regexes that can backtrack for minutes: nested unbounded quantifiers over the same
 * characters (`(a+)+`, `(a*)*`, `(\w+\s?)+`) and repeated alternatives that match the same
 * character (`(a|a)*`, `(\w|\d)+`).
 *
 * Owns: the detector, which runs on the pattern's tree (regex-shape.ts) once, when a regex is
 * compiled, never while a line renders. A flagged pattern never runs on JavaScript's
 * backtracking RegExp, which has no step limit (one request whose header almost matches would
 * burn the execution's CPU): regsub.ts sends it to the linear-time engine (linear-regex.ts), and
 * lint.ts warns, since on Fastly the same pattern can stop at PCRE's backtracking limit
 * (EREGRECUR). The detector names the construct so the pattern can be rewritten (`(a+)+` → `a+`,
 * or made possessive `(a+)++` / atomic `(?>…)`).
 * Does not own: parsing (pcre.ts records the tree), the engines (regsub.ts, linear-regex.ts) or
 * where warnings are printed (lint.ts, and the `check` CLI).
 *
 * Rule (an outer quantifier with no upper bound, not possessive, over a body B):
 * - nested: an unbounded, non-possessive quantifier X inside B (not inside an atomic group or a
 *   lookaround, which never backtrack into) whose body can start with a character that can also
 *   come right after X within B, or start B's next iteration. Then each run of such characters
 *   can be split between X and the outer quantifier in exponentially many ways. `(\w+\.)+com`
 *   does not warn: after `\w+` comes `.`, which `\w` cannot match, so the split is forced.
 * - alternatives: two alternatives inside B that both match some one-character string.
 * Character sets are compared on a sample alphabet (ASCII plus a few non-ASCII letters, spaces
 * and an astral character) by testing each sample against the atom's JS form, which is cheap and
 * exact for the classes logs use; a pattern whose atoms overlap only outside the samples is not
 * reported. Back-references count as matching nothing here, so they never cause a warning.
 */
import type { TranslatedRegex } from './pcre.js';
import { childrenOf, type AltShape, type CharShape, type RepeatShape, type Shape } from './shape.js';

export interface BacktrackingRisk {
  /** Span in the pattern of the repeated construct (UTF-16 offsets, end exclusive). */
  readonly index: number;
  readonly end: number;
  readonly message: string;
}

const SAMPLES: readonly string[] = [
  ...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)),
  '\u00a0', 'é', 'É', 'λ', 'Ж', '中', '\u2028', '\u3000', '😀',
];
const ALL = (1n << BigInt(SAMPLES.length)) - 1n;
const NONE = 0n;

const SLOW_FAILURE = 'so on a backtracking engine a subject that almost matches takes exponential time to fail';

/** The risky constructs of a translated pattern, outermost first, one warning per construct. */
export function findBacktrackingRisks(regex: TranslatedRegex, pattern: string): BacktrackingRisk[] {
  return new Detector(regex.flags, pattern).scan(regex.shape);
}

class Detector {
  private readonly charSets = new Map<string, bigint>();
  private readonly firsts = new Map<Shape, bigint>();
  private readonly risks: BacktrackingRisk[] = [];

  constructor(
    private readonly flags: string,
    private readonly pattern: string,
  ) {}

  scan(root: Shape): BacktrackingRisk[] {
    this.visit(root);
    return this.risks;
  }

  private visit(shape: Shape): void {
    if (shape.kind === 'repeat' && shape.max === Infinity && !shape.possessive) {
      const message = this.nestedQuantifier(shape) ?? this.overlappingAlternatives(shape);
      if (message) {
        this.risks.push({ index: shape.start, end: shape.end, message });
        return;
      }
    }
    for (const child of childrenOf(shape)) this.visit(child);
  }

  /** Rule 1, for the outer quantifier `outer`. */
  private nestedQuantifier(outer: RepeatShape): string | undefined {
    const body = outer.body;
    const search = (shape: Shape, path: Shape[]): string | undefined => {
      if (shape.kind === 'group' && shape.mode !== 'plain') return undefined;
      if (shape !== body && shape.kind === 'repeat' && shape.max === Infinity && !shape.possessive) {
        if ((this.first(shape.body) & this.follow(shape, path, body)) !== NONE) {
          const inner = this.text(shape);
          return (
            `'${this.text(outer)}' repeats '${inner}' inside another repetition over the same characters, ` +
            `${SLOW_FAILURE}; expected one quantifier, or a possessive inner one such as ${possessive(inner)}`
          );
        }
      }
      if (shape.kind === 'repeat' && shape.possessive) return undefined;
      const inner = [...path, shape];
      for (const child of childrenOf(shape)) {
        const found = search(child, inner);
        if (found) return found;
      }
      return undefined;
    };
    return search(body, []);
  }

  /** Rule 2, for the outer quantifier `outer`. */
  private overlappingAlternatives(outer: RepeatShape): string | undefined {
    const search = (shape: Shape): AltShape | undefined => {
      if (shape.kind === 'group' && shape.mode !== 'plain') return undefined;
      if (shape.kind === 'repeat' && shape.possessive) return undefined;
      if (shape.kind === 'alt') {
        const singles = shape.branches.map((b) => this.oneChar(b));
        for (let i = 0; i < singles.length; i++) {
          for (let j = i + 1; j < singles.length; j++) if ((singles[i] & singles[j]) !== NONE) return shape;
        }
      }
      for (const child of childrenOf(shape)) {
        const found = search(child);
        if (found) return found;
      }
      return undefined;
    };
    const alt = search(outer.body);
    if (!alt) return undefined;
    return (
      `'${this.text(outer)}' repeats alternatives that match the same character ('${this.text(alt)}'), ` +
      `${SLOW_FAILURE}; expected alternatives that cannot match the same text, or an atomic group (?>…)`
    );
  }

  /**
   * Characters that can come right after `inner` ends, within `body` (path: body … inner's
   * parent), including the start of `body`'s next iteration when nothing after `inner` is
   * required.
   */
  private follow(inner: Shape, path: readonly Shape[], body: Shape): bigint {
    let set = NONE;
    let child: Shape = inner;
    for (let level = path.length - 1; level >= 0; level--) {
      const parent = path[level];
      if (parent.kind === 'seq') {
        for (const item of parent.items.slice(parent.items.indexOf(child) + 1)) {
          set |= this.first(item);
          if (!this.nullable(item)) return set;
        }
      } else if (parent.kind === 'repeat' && parent.max > 1) {
        set |= this.first(parent.body);
      }
      child = parent;
    }
    return set | this.first(body);
  }

  private nullable(shape: Shape): boolean {
    switch (shape.kind) {
      case 'seq':
        return shape.items.every((item) => this.nullable(item));
      case 'alt':
        return shape.branches.some((branch) => this.nullable(branch));
      case 'group':
        return shape.mode !== 'plain' && shape.mode !== 'atomic' ? true : this.nullable(shape.body);
      case 'repeat':
        return shape.min === 0 || this.nullable(shape.body);
      case 'char':
        return false;
      default:
        return true;
    }
  }

  /** Characters a match of `shape` can start with. */
  private first(shape: Shape): bigint {
    const known = this.firsts.get(shape);
    if (known !== undefined) return known;
    let set = NONE;
    switch (shape.kind) {
      case 'seq':
        for (const item of shape.items) {
          set |= this.first(item);
          if (!this.nullable(item)) break;
        }
        break;
      case 'alt':
        for (const branch of shape.branches) set |= this.first(branch);
        break;
      case 'group':
        set = shape.mode === 'plain' || shape.mode === 'atomic' ? this.first(shape.body) : NONE;
        break;
      case 'repeat':
        set = shape.max === 0 ? NONE : this.first(shape.body);
        break;
      case 'char':
        set = this.charSet(shape);
        break;
    }
    this.firsts.set(shape, set);
    return set;
  }

  /** Characters c such that `shape` can match exactly the one-character string c. */
  private oneChar(shape: Shape): bigint {
    switch (shape.kind) {
      case 'seq': {
        const required = shape.items.filter((item) => !this.nullable(item));
        if (required.length > 1) return NONE;
        const candidates = required.length === 1 ? required : shape.items;
        let set = NONE;
        for (const item of candidates) set |= this.oneChar(item);
        return set;
      }
      case 'alt': {
        let set = NONE;
        for (const branch of shape.branches) set |= this.oneChar(branch);
        return set;
      }
      case 'group':
        return shape.mode === 'plain' || shape.mode === 'atomic' ? this.oneChar(shape.body) : NONE;
      case 'repeat':
        return shape.min <= 1 && shape.max >= 1 ? this.oneChar(shape.body) : NONE;
      case 'char':
        return this.charSet(shape);
      default:
        return NONE;
    }
  }

  private charSet(shape: CharShape): bigint {
    let set = this.charSets.get(shape.js);
    if (set !== undefined) return set;
    set = NONE;
    try {
      const re = new RegExp(`^(?:${shape.js})`, this.flags);
      for (let i = 0; i < SAMPLES.length; i++) if (re.test(SAMPLES[i])) set |= 1n << BigInt(i);
    } catch {
      // An atom that does not compile on its own: assume it can match anything.
      set = ALL;
    }
    this.charSets.set(shape.js, set);
    return set;
  }

  private text(shape: Shape): string {
    return this.pattern.slice(shape.start, shape.end);
  }
}

/** `a+` → `a++`, `a*?` → `a*+`: the same quantifier made possessive. */
function possessive(quantified: string): string {
  return `${quantified.endsWith('?') ? quantified.slice(0, -1) : quantified}+`;
}
