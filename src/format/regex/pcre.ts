/**
 * PCRE → JavaScript and PCRE → RE2 translation (VCL regexes are PCRE2:
 * https://www.fastly.com/documentation/reference/vcl/regex/).
 *
 * Owns: parsing a PCRE pattern once and writing it out twice: as an equivalent JS pattern with the
 * `u` flag (for the backtracking engine, backtracking.ts) and as RE2 syntax (for the linear-time
 * engine, linear.ts); mapping PCRE capture-group numbers to JS group indices (the JS emulations
 * below add groups); listing the constructs RE2 lacks (back-references, look-arounds, atomic
 * groups, possessive quantifiers), which keep a pattern on the backtracking engine; and
 * rejecting, with a RegexError naming the feature, what neither can express.
 * Does not own: which engine runs a pattern (index.ts) or substitution (regsub.ts).
 *
 * Translated exactly, to both:
 * - `\A` `\z` `^`, `.` (not `\n`; anything under (?s)), `\b` `\B`, leading inline flags `(?i)`
 *   `(?s)` `(?m)` `(?x)` (and `(*UTF)`/`(*UTF8)`/`(*UCP)`), named groups `(?P<n>…)` `(?'n'…)`;
 * - `\h` `\H` `\v` `\V` `\R` `\N` `\e` `\a` `\cX` `\o{…}` `\x{…}` octal, `\Q…\E`, `(?#…)`,
 *   POSIX classes `[[:alpha:]]`, `\pL`/`\p{^L}`/script names, `]` first in a class, `{` that is
 *   not a quantifier.
 * To JS only (RE2 lacks them): possessive quantifiers `x*+ x++ x?+ x{n,m}+` and atomic groups
 * `(?>…)` as `(?=(…))\k` (a lookahead capture plus a backreference, the standard JS emulation);
 * look-arounds; backreferences `\N` `\g{N}` `\g{-N}` `\k<n>` `(?P=n)` to a group that has surely
 * matched by then (backrefs.ts).
 * Rejected (RegexError): recursion and subroutine calls, conditionals, branch reset `(?|`,
 * inline flags not at the start or scoped `(?i:…)`, `\G` `\K` `\X` `\C`, backtracking verbs,
 * callouts, negated POSIX classes or `\H`/`\V` inside a character class, and a back-reference to
 * a group that may not have matched (JS would match it as empty; backrefs.ts). Rejected as
 * PCRE rejects them: a quantifier after a quantifier (`a+++`, `a{2}{3}`) and parentheses nested
 * deeper than PCRE2's default limit of 250.
 *
 * End of subject: PCRE's `$` and `\Z` also match before a final newline. JS gets that exactly (a
 * lookahead). RE2 has no lookahead, so its form is `\z`, plus a second form with `(?m:$)` that
 * is exact for a subject whose only newline is its last character (`endsWithNewline`; linear.ts
 * picks it). Known differences, RE2 form: on a subject of several lines that ends with a newline,
 * `$` matches only at the very end; under (?m), `^` also matches after a final newline at the end
 * of the subject. JS form: a group inside a repeated group that did not take part in the last
 * iteration reads as unset in JS but keeps its earlier value in PCRE and RE2 (`(?:(a)|b)+` on
 * "ab": group 1 is "a"), which only shows in regsub replacements and re.group.N. Both forms write
 * `\s` as PCRE's class (ASCII white space and VT), not as their own `\s`.
 *
 * While parsing, the translator records the pattern's tree (shape.ts) for the back-reference rule.
 */

import { findUnsafeBackReference } from './backrefs.js';
import { ShapeBuilder, type AltShape, type GroupMode, type SeqShape } from './shape.js';

export class RegexError extends Error {
  constructor(
    message: string,
    /** Index in the pattern where the problem starts; -1 when it concerns the whole pattern. */
    readonly index: number,
  ) {
    super(message);
    this.name = 'RegexError';
  }
}

/** A construct RE2 lacks, found in the pattern: it keeps the pattern on the backtracking engine. */
export interface BacktrackingConstruct {
  /** What it is, with its text: `back-reference \2`, `look-ahead (?=`, `possessive quantifier a++`. */
  readonly name: string;
  /** Index in the pattern where it starts. */
  readonly index: number;
}

export interface TranslatedRegex {
  /** The JS form (flags below). */
  readonly source: string;
  /** `u`, plus `i` under a leading (?i). */
  readonly flags: string;
  /** Number of PCRE capture groups. */
  readonly groupCount: number;
  /** JS group index of PCRE group n (entry 0 is 0, the whole match). */
  readonly groupIndex: readonly number[];
  /** What RE2 lacks, in pattern order; empty when the RE2 form below exists. */
  readonly constructs: readonly BacktrackingConstruct[];
  /** The RE2 form (its groups are PCRE's, in number); absent when `constructs` is not empty. */
  /** The pattern's structure (shape.ts), for the proof of linear-time backtracking (native.ts). */
  readonly shape: SeqShape | AltShape;
  /** A leading (?m): `^` and `$` match at line breaks. */
  readonly multiline: boolean;
  readonly re2?: {
    readonly source: string;
    /** The form for a subject whose only newline is its last character; absent when the same. */
    readonly endsWithNewline?: string;
  };
}

/** A back-reference written in the pattern, by PCRE group number or name. */
type RefPiece = { readonly ref: 'pcre'; readonly id: number } | { readonly ref: 'name'; readonly name: string };

type Piece =
  | string
  /** An atom whose RE2 form differs from its JS form by more than escapes (see toRe2). */
  | { readonly js: string; readonly re2: string }
  /** PCRE's `$` (and `\Z`) outside (?m): end of subject, or before a final newline. */
  | { readonly end: true }
  | { readonly open: 'pcre' | 'synthetic'; readonly id: number; readonly name?: string }
  | { readonly ref: 'synthetic'; readonly id: number }
  | RefPiece;

interface Frame {
  readonly start: number;
  readonly kind: 'group' | 'atomic' | 'lookaround';
  readonly syntheticId?: number;
}

/**
 * PCRE's `\s` (ASCII white space and VT, since PCRE2 10.0) as class contents (JavaScript's `\s`
 * also matches Unicode spaces, RE2's lacks VT), and its complement as ranges, since a class
 * cannot subtract `\s`.
 */
const PCRE_SPACE = '\\t\\n\\v\\f\\r ';
const PCRE_NOT_SPACE = '\\u{0}-\\u{8}\\u{e}-\\u{1f}\\u{21}-\\u{10ffff}';
const H_CLASS = ' \\t\\u00A0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const V_CLASS = '\\n\\v\\f\\r\\u0085\\u2028\\u2029';
const POSIX_CLASSES: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  ascii: '\\u0000-\\u007F',
  blank: ' \\t',
  cntrl: '\\u0000-\\u001F\\u007F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};
const GENERAL_CATEGORIES = new Set(
  'C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);
/** PCRE2's default limit on nested parentheses (PARENS_NEST_LIMIT); deeper is a compile error. */
const PARENS_NEST_LIMIT = 250;
const SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/'.split(''));
/** What to write instead of the escapes JS has no equivalent for. */
const UNSUPPORTED_ESCAPE_ALTERNATIVES: Record<string, string> = {
  // PCRE's \G is the offset the match started from: 0 for regsub and ~, so \A there.
  G: '\\A, which is what \\G means in regsub and ~',
  K: 'a lookbehind (?<=…) around the part not to keep',
  X: '\\P{M}\\p{M}* (a character and its combining marks)',
  C: '. (a single byte of a character cannot be matched)',
};

export function translatePcre(pattern: string): TranslatedRegex {
  return new Translator(pattern).run();
}

class Translator {
  private i = 0;
  private readonly out: Piece[] = [];
  private readonly frames: Frame[] = [];
  private flagI = false;
  private flagS = false;
  private flagM = false;
  private flagX = false;
  private pcreGroups = 0;
  private synthetic = 0;
  private totalGroups = 0;
  private readonly names = new Set<string>();
  /** Where the last quantifiable atom starts in `out`, or -1. */
  private atomStart = -1;
  /** The last atom is several pieces or an assertion: wrap it in (?:…) before quantifying. */
  private atomNeedsWrap = false;
  private readonly shape = new ShapeBuilder();
  /** The last thing read was a quantifier (for the error on a second one). */
  private afterQuantifier = false;
  private readonly constructs: BacktrackingConstruct[] = [];

  constructor(private readonly p: string) {}

  run(): TranslatedRegex {
    this.readLeadingOptions();
    this.totalGroups = countGroups(this.p, this.i);
    while (this.i < this.p.length) this.step();
    if (this.frames.length > 0) throw new RegexError("missing ')'", this.p.length);
    const shape = this.shape.finish(this.p.length);
    const problem = findUnsafeBackReference(shape, this.p);
    if (problem) throw new RegexError(problem.message, problem.index);
    const js = this.renderJs();
    const common = { ...js, shape, multiline: this.flagM };
    if (this.constructs.length > 0) return { ...common, constructs: this.constructs };
    return { ...common, constructs: [], re2: this.renderRe2() };
  }

  /** Notes a construct RE2 lacks, starting at `at`: `what` and the pattern's text up to this.i. */
  private needsBacktracking(what: string, at: number): void {
    this.constructs.push({ name: `${what} ${this.p.slice(at, this.i)}`, index: at });
  }

  private fail(message: string, at = this.i): never {
    throw new RegexError(message, at);
  }

  private readLeadingOptions(): void {
    for (;;) {
      const verb = /^\(\*(UTF8?|UCP)\)/.exec(this.p.slice(this.i));
      if (verb) {
        this.i += verb[0].length;
        continue;
      }
      const opts = /^\(\?([imsxnJU-]+)\)/.exec(this.p.slice(this.i));
      if (!opts) return;
      let on = true;
      for (const c of opts[1]) {
        if (c === '-') on = false;
        else if (c === 'i') this.flagI = on;
        else if (c === 's') this.flagS = on;
        else if (c === 'm') this.flagM = on;
        else if (c === 'x') this.flagX = on;
        else this.fail(`inline option (?${c}) is not supported (only i, m, s, x)`);
      }
      this.i += opts[0].length;
    }
  }

  private atom(pieces: Piece[], needsWrap = false): void {
    this.afterQuantifier = false;
    this.atomStart = this.out.length;
    this.atomNeedsWrap = needsWrap || pieces.length > 1;
    this.out.push(...pieces);
  }

  private noAtom(): void {
    this.atomStart = -1;
  }

  private step(): void {
    const at = this.i;
    const c = this.p[this.i];
    if (this.flagX && /\s/.test(c)) {
      this.i++;
      return;
    }
    if (this.flagX && c === '#') {
      while (this.i < this.p.length && this.p[this.i] !== '\n') this.i++;
      return;
    }
    switch (c) {
      case '\\':
        this.escape();
        return;
      case '[':
        this.charAtom(at, this.characterClass());
        return;
      case '(':
        this.openGroup();
        return;
      case ')':
        this.closeGroup();
        return;
      case '|':
        this.shape.bar(this.i);
        this.i++;
        this.out.push('|');
        this.noAtom();
        return;
      case '.':
        this.i++;
        this.charAtom(at, this.flagS ? '[\\s\\S]' : '[^\\n]');
        return;
      case '^':
        this.i++;
        // PCRE's multi-line ^ matches at the start and after a newline that is not the subject's
        // last character (pcre2pattern, "Circumflex and dollar"): "a\n" has one line, not two.
        // RE2's (?m:^) also matches after that last newline (a known difference, see above).
        this.assertionAtom(at, this.flagM ? { js: '(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))', re2: '(?m:^)' } : '^');
        return;
      case '$':
        this.i++;
        this.assertionAtom(at, this.flagM ? { js: '(?![^\\n])', re2: '(?m:$)' } : { end: true });
        return;
      case '*':
      case '+':
      case '?':
        this.quantifier(c);
        return;
      case '{': {
        const q = /^\{(\d+)(?:,(\d*))?\}/.exec(this.p.slice(this.i));
        if (q) {
          this.quantifier(q[0]);
          return;
        }
        this.i++;
        this.charAtom(at, '\\{');
        return;
      }
      default: {
        const ch = String.fromCodePoint(this.p.codePointAt(this.i) ?? 0);
        this.i += ch.length;
        this.charAtom(at, this.literalAtom(ch));
      }
    }
  }

  private quantifier(q: string): void {
    const at = this.i;
    this.i += q.length;
    if (this.atomStart < 0 && this.afterQuantifier) {
      this.fail(`quantifier '${q}' follows another quantifier: expected one per atom (group the first, as in (?:a+)${q})`, at);
    }
    if (this.atomStart < 0) {
      this.fail(`quantifier '${q}' does not follow anything to repeat: expected a character, class or group before it (\\${q[0]} is a literal ${q[0]})`, at);
    }
    let suffix = '';
    if (this.p[this.i] === '?') {
      suffix = '?';
      this.i++;
    } else if (this.p[this.i] === '+') {
      suffix = '+';
      this.i++;
    }
    const [min, max] = quantifierBounds(q);
    const repeat = this.shape.quantify(min, max, this.i);
    if (suffix === '+') this.needsBacktracking('possessive quantifier', repeat.start);
    const atomPieces = this.out.splice(this.atomStart);
    const start = this.out.length;
    const body: Piece[] = this.atomNeedsWrap ? ['(?:', ...atomPieces, ')'] : atomPieces;
    if (suffix === '+') {
      // Possessive: match greedily once, then never give anything back.
      const id = ++this.synthetic;
      this.out.push('(?=', { open: 'synthetic', id }, ...body, q, '))', { ref: 'synthetic', id });
    } else {
      this.out.push(...body, q + suffix);
    }
    // A quantifier cannot follow a quantifier: PCRE rejects `a+++`, `a**` and `a{2}{3}`.
    this.noAtom();
    this.afterQuantifier = true;
  }

  private openGroup(): void {
    const at = this.i;
    const rest = this.p.slice(this.i);
    const push = (frame: Frame, mode: GroupMode, ...pieces: Piece[]): void => {
      if (this.frames.length >= PARENS_NEST_LIMIT) {
        this.fail(`parentheses nested deeper than ${PARENS_NEST_LIMIT}: expected at most ${PARENS_NEST_LIMIT} levels, PCRE's limit`, at);
      }
      this.frames.push(frame);
      this.out.push(...pieces);
      this.noAtom();
      const capture = pieces.find((p) => typeof p === 'object' && 'open' in p && p.open === 'pcre') as
        | { readonly id: number; readonly name?: string }
        | undefined;
      this.shape.open(at, this.i, mode, capture?.id, capture?.name);
    };
    const start = this.out.length;
    if (!rest.startsWith('(?') && !rest.startsWith('(*')) {
      this.i++;
      push({ start, kind: 'group' }, 'plain', { open: 'pcre', id: ++this.pcreGroups });
      return;
    }
    if (rest.startsWith('(*')) this.fail('backtracking control verbs such as (*SKIP) are not supported', at);
    const named = /^\(\?(?:P<|<(?![=!])|')([A-Za-z_][A-Za-z0-9_]*)[>']/.exec(rest);
    if (named) {
      this.i += named[0].length;
      this.names.add(named[1]);
      push({ start, kind: 'group' }, 'plain', { open: 'pcre', id: ++this.pcreGroups, name: named[1] });
      return;
    }
    const simple: Record<string, [Frame['kind'], GroupMode]> = {
      '(?:': ['group', 'plain'],
      '(?=': ['lookaround', 'lookahead'],
      '(?!': ['lookaround', 'negative-lookahead'],
      '(?<=': ['lookaround', 'lookbehind'],
      '(?<!': ['lookaround', 'negative-lookbehind'],
    };
    for (const [open, [kind, mode]] of Object.entries(simple)) {
      if (rest.startsWith(open)) {
        this.i += open.length;
        if (kind === 'lookaround') this.needsBacktracking(LOOKAROUND_NAMES[mode], at);
        push({ start, kind }, mode, open);
        return;
      }
    }
    if (rest.startsWith('(?>')) {
      this.i += 3;
      this.needsBacktracking('atomic group', at);
      const id = ++this.synthetic;
      push({ start, kind: 'atomic', syntheticId: id }, 'atomic', '(?=', { open: 'synthetic', id });
      return;
    }
    const backref = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
    if (backref) {
      this.i += backref[0].length;
      this.referenceAtom(at, { ref: 'name', name: backref[1] });
      return;
    }
    if (rest.startsWith('(?#')) {
      const close = this.p.indexOf(')', this.i);
      if (close < 0) this.fail('unterminated comment (?#…', at);
      this.i = close + 1;
      return;
    }
    if (/^\(\?(?:R|[+-]?\d|&|P>)/.test(rest)) this.fail('recursion and subroutine calls are not supported', at);
    if (rest.startsWith('(?(')) this.fail('conditional groups (?(…)…) are not supported', at);
    if (rest.startsWith('(?|')) this.fail('branch-reset groups (?|…) are not supported', at);
    if (rest.startsWith('(?C')) this.fail('callouts (?C…) are not supported', at);
    if (/^\(\?[a-zA-Z-]*[:)]/.test(rest)) {
      this.fail('inline options are only supported at the start of the pattern, as in (?i)abc', at);
    }
    this.fail("unknown group syntax after '(?'", at);
  }

  private closeGroup(): void {
    const frame = this.frames.pop();
    if (!frame) this.fail("unmatched ')'");
    this.i++;
    this.shape.close(this.i);
    if (frame.kind === 'atomic') {
      this.out.push('))', { ref: 'synthetic', id: frame.syntheticId ?? 0 });
      this.atomStart = frame.start;
      this.atomNeedsWrap = true;
      return;
    }
    this.out.push(')');
    this.atomStart = frame.start;
    this.atomNeedsWrap = frame.kind === 'lookaround';
  }

  private escape(): void {
    const at = this.i;
    const c = this.p[this.i + 1];
    if (c === undefined) this.fail('pattern ends with a lone backslash', at);
    this.i += 2;
    switch (c) {
      case 'd': case 'D': case 'w': case 'W':
        this.charAtom(at, `\\${c}`);
        return;
      case 's':
        this.charAtom(at, `[${PCRE_SPACE}]`);
        return;
      case 'S':
        this.charAtom(at, `[^${PCRE_SPACE}]`);
        return;
      case 'b': case 'B':
        this.assertionAtom(at, `\\${c}`);
        return;
      case 'A':
        this.assertionAtom(at, { js: '(?<![\\s\\S])', re2: '\\A' });
        return;
      case 'z':
        this.assertionAtom(at, { js: '(?![\\s\\S])', re2: '\\z' });
        return;
      case 'Z':
        this.assertionAtom(at, { end: true });
        return;
      case 'h':
        this.charAtom(at, `[${H_CLASS}]`);
        return;
      case 'H':
        this.charAtom(at, `[^${H_CLASS}]`);
        return;
      case 'v':
        this.charAtom(at, `[${V_CLASS}]`);
        return;
      case 'V':
        this.charAtom(at, `[^${V_CLASS}]`);
        return;
      case 'R':
        this.charAtom(at, `(?:\\r\\n|[${V_CLASS}])`);
        return;
      case 'N':
        this.charAtom(at, '[^\\n]');
        return;
      case 'Q': {
        const end = this.p.indexOf('\\E', this.i);
        const text = this.p.slice(this.i, end < 0 ? undefined : end);
        let pos = this.i;
        this.i = end < 0 ? this.p.length : end + 2;
        for (const ch of text) {
          this.atom([this.literalAtom(ch)]);
          this.shape.char(pos, pos + ch.length, literal(ch));
          pos += ch.length;
        }
        return;
      }
      case 'E':
        return;
      case 'p': case 'P':
        this.charAtom(at, this.property(c === 'P', at));
        return;
      case 'g':
        this.referenceAtom(at, this.gReference(at));
        return;
      case 'k': {
        const m = /^(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{([A-Za-z_]\w*)\})/.exec(this.p.slice(this.i));
        if (!m) this.fail('expected a group name after \\k', at);
        this.i += m[0].length;
        this.referenceAtom(at, { ref: 'name', name: m[1] ?? m[2] ?? m[3] });
        return;
      }
      case 'G': case 'K': case 'X': case 'C':
        this.fail(`\\${c} is not supported: expected ${UNSUPPORTED_ESCAPE_ALTERNATIVES[c]}`, at);
    }
    if (c >= '1' && c <= '9') {
      const digits = /^\d+/.exec(this.p.slice(this.i - 1))?.[0] ?? c;
      const n = Number(digits);
      if (n < 10 || n <= this.totalGroups) {
        this.i += digits.length - 1;
        this.referenceAtom(at, { ref: 'pcre', id: n });
        return;
      }
    }
    this.i = at + 1;
    const code = this.charEscape(at);
    this.charAtom(at, this.literalAtom(String.fromCodePoint(code)));
  }

  /**
   * A literal character. Under (?i), a letter's RE2 form is a one-letter class: RE2 folds a
   * class's case when it parses it, but compares a folded literal's case at every step, which
   * measured several times slower in the Wasm.
   */
  private literalAtom(ch: string): Piece {
    if (!this.flagI || ch.toLowerCase() === ch.toUpperCase()) return literal(ch);
    return { js: literal(ch), re2: `[${toRe2(classChar(ch.codePointAt(0) ?? 0))}]` };
  }

  /** An atom matching one character, ending at this.i. */
  private charAtom(at: number, piece: Piece): void {
    this.atom([piece]);
    this.shape.char(at, this.i, typeof piece === 'string' ? piece : 'js' in piece ? piece.js : '');
  }

  private assertionAtom(at: number, piece: Piece): void {
    this.atom([piece], true);
    this.shape.assertion(at, this.i);
  }

  private referenceAtom(at: number, piece: RefPiece): void {
    this.atom([piece]);
    this.shape.reference(at, this.i, piece.ref === 'name' ? piece.name : piece.id);
    this.needsBacktracking('back-reference', at);
  }

  /** `\g{N}`, `\gN`, `\g{-N}`, `\g{name}` (the `\` and `g` are consumed). */
  private gReference(at: number): RefPiece {
    const m = /^(?:\{(-?\d+)\}|(-?\d+)|\{([A-Za-z_]\w*)\})/.exec(this.p.slice(this.i));
    if (!m) this.fail('expected a group number or name after \\g (subroutine calls \\g<…> are not supported)', at);
    this.i += m[0].length;
    if (m[3]) return { ref: 'name', name: m[3] };
    let n = Number(m[1] ?? m[2]);
    if (n < 0) n = this.pcreGroups + 1 + n;
    if (n <= 0) this.fail('relative back-reference points before the first group', at);
    return { ref: 'pcre', id: n };
  }

  /** A single-character escape at `at` (this.i is just after the backslash); returns the code point. */
  private charEscape(at: number): number {
    const c = this.p[this.i];
    this.i++;
    switch (c) {
      case 'n': return 10;
      case 't': return 9;
      case 'r': return 13;
      case 'f': return 12;
      case 'e': return 27;
      case 'a': return 7;
      case 'x': {
        const braced = /^\{([0-9a-fA-F]+)\}/.exec(this.p.slice(this.i));
        if (braced) {
          this.i += braced[0].length;
          return this.codePoint(parseInt(braced[1], 16), at);
        }
        const hex = /^[0-9a-fA-F]{0,2}/.exec(this.p.slice(this.i))?.[0] ?? '';
        this.i += hex.length;
        return hex ? parseInt(hex, 16) : 0;
      }
      case 'o': {
        const braced = /^\{([0-7]+)\}/.exec(this.p.slice(this.i));
        if (!braced) this.fail('expected \\o{octal digits}', at);
        this.i += braced[0].length;
        return this.codePoint(parseInt(braced[1], 8), at);
      }
      case 'c': {
        const ch = this.p[this.i];
        if (!ch || ch.charCodeAt(0) > 127) this.fail('expected an ASCII character after \\c', at);
        this.i++;
        return ch.toUpperCase().charCodeAt(0) ^ 0x40;
      }
    }
    if (c >= '0' && c <= '7') {
      const oct = /^[0-7]{1,3}/.exec(this.p.slice(this.i - 1))?.[0] ?? c;
      this.i += oct.length - 1;
      return parseInt(oct, 8);
    }
    if (/[A-Za-z0-9]/.test(c)) this.fail(`unknown escape \\${c}: expected a PCRE escape, or a backslash before punctuation`, at);
    const cp = this.p.codePointAt(this.i - 1) ?? 0;
    if (cp > 0xffff) this.i++;
    return cp;
  }

  private codePoint(cp: number, at: number): number {
    if (cp > 0x10ffff) this.fail('character code point out of range', at);
    return cp;
  }

  /** `\p{…}`, `\pL`, `\p{^…}` after the backslash and letter were consumed. */
  private property(negated: boolean, at: number): string {
    let name: string;
    if (this.p[this.i] === '{') {
      const close = this.p.indexOf('}', this.i);
      if (close < 0) this.fail('unterminated \\p{…}', at);
      name = this.p.slice(this.i + 1, close);
      this.i = close + 1;
    } else {
      name = this.p[this.i] ?? '';
      this.i++;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    if (!name) this.fail('expected a property name after \\p', at);
    const letter = negated ? 'P' : 'p';
    if (name === 'L&' || name === 'LC') return `\\${letter}{LC}`;
    if (name === 'Any') return negated ? '[^\\s\\S]' : '[\\s\\S]';
    if (GENERAL_CATEGORIES.has(name)) return `\\${letter}{${name}}`;
    if (/^X/.test(name)) this.fail(`property \\p{${name}} is not supported`, at);
    if (/^[A-Z][A-Za-z_]*$/.test(name)) return `\\${letter}{Script=${name}}`;
    this.fail(`unknown property \\p{${name}}`, at);
  }

  /** A `[…]` class starting at this.i; returns the JS class text. */
  private characterClass(): string {
    const at = this.i;
    this.i++;
    let negated = false;
    if (this.p[this.i] === '^') {
      negated = true;
      this.i++;
    }
    type Item = { kind: 'char'; cp: number } | { kind: 'dash' } | { kind: 'set'; text: string };
    const items: Item[] = [];
    let first = true;
    for (;;) {
      if (this.i >= this.p.length) this.fail("missing ']' to close the character class", at);
      const c = this.p[this.i];
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[') {
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.p.slice(this.i));
        if (posix) {
          const set = POSIX_CLASSES[posix[2]];
          if (!set) this.fail(`unknown POSIX class [:${posix[2]}:]`, this.i);
          if (posix[1]) this.fail(`negated POSIX class [:^${posix[2]}:] is not supported`, this.i);
          items.push({ kind: 'set', text: set });
          this.i += posix[0].length;
          continue;
        }
      }
      if (c === '-') {
        items.push({ kind: 'dash' });
        this.i++;
        continue;
      }
      if (c === '\\') {
        const e = this.p[this.i + 1];
        const eAt = this.i;
        if (e === undefined) this.fail('pattern ends with a lone backslash', eAt);
        if ('dDwW'.includes(e)) {
          items.push({ kind: 'set', text: `\\${e}` });
          this.i += 2;
          continue;
        }
        if (e === 's' || e === 'S') {
          items.push({ kind: 'set', text: e === 's' ? PCRE_SPACE : PCRE_NOT_SPACE });
          this.i += 2;
          continue;
        }
        if (e === 'h' || e === 'v') {
          items.push({ kind: 'set', text: e === 'h' ? H_CLASS : V_CLASS });
          this.i += 2;
          continue;
        }
        if (e === 'p' || e === 'P') {
          this.i += 2;
          const prop = this.property(e === 'P', eAt);
          if (prop.startsWith('[')) this.fail('\\p{Any} inside a character class is not supported', eAt);
          items.push({ kind: 'set', text: prop });
          continue;
        }
        if (e === 'b') {
          items.push({ kind: 'char', cp: 8 });
          this.i += 2;
          continue;
        }
        if (e === 'Q') {
          const end = this.p.indexOf('\\E', this.i + 2);
          const text = this.p.slice(this.i + 2, end < 0 ? undefined : end);
          this.i = end < 0 ? this.p.length : end + 2;
          for (const ch of text) items.push({ kind: 'char', cp: ch.codePointAt(0) ?? 0 });
          continue;
        }
        if (e === 'E') {
          this.i += 2;
          continue;
        }
        if ('HVNRXCGKAzZBgk'.includes(e)) this.fail(`\\${e} is not supported inside a character class`, eAt);
        this.i++;
        items.push({ kind: 'char', cp: this.charEscape(eAt) });
        continue;
      }
      const cp = this.p.codePointAt(this.i) ?? 0;
      items.push({ kind: 'char', cp });
      this.i += cp > 0xffff ? 2 : 1;
    }
    let body = '';
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      const next = items[k + 1];
      const after = items[k + 2];
      let text: string;
      if (item.kind === 'char' && next?.kind === 'dash' && after?.kind === 'char') {
        if (after.cp < item.cp) this.fail('character range out of order in class', at);
        text = `${classChar(item.cp)}-${classChar(after.cp)}`;
        k += 2;
      } else if (item.kind === 'char') text = classChar(item.cp);
      else if (item.kind === 'dash') text = '\\-';
      else text = item.text;
      body += text;
    }
    // PCRE's `[^]…]`-style classes are never empty; JS needs `[^]` spelled out to mean "anything".
    return `[${negated ? '^' : ''}${body}]`;
  }

  private renderJs(): Pick<TranslatedRegex, 'source' | 'flags' | 'groupCount' | 'groupIndex'> {
    const groupIndex: number[] = [0];
    const syntheticIndex = new Map<number, number>();
    let js = 0;
    for (const piece of this.out) {
      if (typeof piece === 'object' && 'open' in piece) {
        js++;
        if (piece.open === 'pcre') groupIndex[piece.id] = js;
        else syntheticIndex.set(piece.id, js);
      }
    }
    let source = '';
    for (const piece of this.out) {
      if (typeof piece === 'string') source += piece;
      else if ('js' in piece) source += piece.js;
      else if ('end' in piece) source += '(?=\\n?(?![\\s\\S]))';
      else if ('open' in piece) source += piece.name ? `(?<${piece.name}>` : '(';
      else if (piece.ref === 'name') {
        if (!this.names.has(piece.name)) throw new RegexError(`reference to unknown group name '${piece.name}'`, -1);
        source += `\\k<${piece.name}>`;
      } else if (piece.ref === 'synthetic') source += `(?:\\${syntheticIndex.get(piece.id)})`;
      else {
        const index = groupIndex[piece.id];
        if (index === undefined) throw new RegexError(`back-reference \\${piece.id} to a group that does not exist`, -1);
        source += `(?:\\${index})`;
      }
    }
    const flags = this.flagI ? 'iu' : 'u';
    try {
      new RegExp(source, flags);
    } catch (error) {
      throw new RegexError(`cannot be compiled: ${error instanceof Error ? error.message : String(error)}`, -1);
    }
    return { source, flags, groupCount: this.pcreGroups, groupIndex };
  }

  /** The RE2 form; only for a pattern without constructs RE2 lacks (so no synthetic groups or references). */
  private renderRe2(): NonNullable<TranslatedRegex['re2']> {
    const write = (end: string): string => {
      let source = this.flagI ? '(?i)' : '';
      for (const piece of this.out) {
        if (typeof piece === 'string') source += toRe2(piece);
        else if ('js' in piece) source += piece.re2;
        else if ('end' in piece) source += end;
        else if ('open' in piece) source += piece.name ? `(?P<${piece.name}>` : '(';
      }
      return source;
    };
    const source = write('\\z');
    const endsWithNewline = write('(?m:$)');
    return endsWithNewline === source ? { source } : { source, endsWithNewline };
  }
}

const LOOKAROUND_NAMES: Record<GroupMode, string> = {
  plain: 'group',
  atomic: 'atomic group',
  lookahead: 'look-ahead',
  'negative-lookahead': 'negative look-ahead',
  lookbehind: 'look-behind',
  'negative-lookbehind': 'negative look-behind',
};

/**
 * JS pattern text written by this translator → RE2 text: RE2 spells a code point `\x{…}` where JS
 * spells it `\u{…}` or `\uXXXX`, and a script `\p{Greek}` where JS writes `\p{Script=Greek}`.
 * Everything else the translator writes into a string piece means the same to both.
 */
function toRe2(js: string): string {
  return js.replace(/\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|([pP])\{Script=|[\s\S])/g, (escape, braced?: string, four?: string, p?: string) => {
    if (braced !== undefined || four !== undefined) return `\\x{${braced ?? four}}`;
    if (p !== undefined) return `\\${p}{`;
    return escape;
  });
}

/** `*` `+` `?` `{n}` `{n,}` `{n,m}` → [min, max]. */
function quantifierBounds(q: string): [number, number] {
  if (q === '*') return [0, Infinity];
  if (q === '+') return [1, Infinity];
  if (q === '?') return [0, 1];
  const [, min, comma, max] = /^\{(\d+)(,?)(\d*)\}$/.exec(q) ?? [];
  return [Number(min), comma ? (max ? Number(max) : Infinity) : Number(min)];
}

function literal(ch: string): string {
  if (SYNTAX_CHARS.has(ch)) return `\\${ch}`;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return ch;
}

function classChar(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (ch === '\\' || ch === ']' || ch === '[' || ch === '^' || ch === '-') return `\\${ch}`;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `\\u{${cp.toString(16)}}`;
  return ch;
}

/** Number of capture groups in the pattern (for telling `\10` back-references from octal). */
function countGroups(p: string, from: number): number {
  let n = 0;
  for (let i = from; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (p[i + 1] === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        i = end < 0 ? p.length : end + 1;
      } else i++;
      continue;
    }
    if (c === '[') {
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      while (i < p.length && p[i] !== ']') {
        if (p[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (c === '(') {
      if (p[i + 1] !== '?' && p[i + 1] !== '*') n++;
      else if (/^\(\?(?:P<|<(?![=!])|')/.test(p.slice(i, i + 4))) n++;
    }
  }
  return n;
}
