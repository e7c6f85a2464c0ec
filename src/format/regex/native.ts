/**
 * A proof, from the pattern's tree, that JavaScript's own backtracking engine matches a pattern in
 * time linear in the subject: such a pattern runs there (compile.ts), because RE2 (re2js) costs
 * 100 to 10,000 times more in the Wasm (bench/regex-cost.ts), ~0.9 ms for the regsub of Fastly's
 * default Kinesis format where the native engine takes a few µs, and 10 to 40 ms to compile in a
 * new sandbox.
 *
 * Owns: the rule below. It is a proof, not a search for dangerous shapes: a pattern it does not
 * prove runs on RE2, so what it misses costs time, never safety.
 * Does not own: parsing (pcre.ts builds the tree) or the engines.
 *
 * Rule. A loop is a repetition with an upper bound over 1. Let paths(P) count the ways P can be
 * matched when each loop counts as one way (sequence: product; alternation: sum; `x?`: 1 + x).
 * P is proven when it has no look-around, back-reference, atomic group or possessive quantifier
 * (pcre.ts sends those to the backtracking engine anyway), paths(P) ≤ MAX_PATHS, every loop
 * repeats a one-character atom (a literal, class, `.` or escape; not `\R`, which takes one or two
 * characters), and one of:
 *   1. P has no loop: a start position costs at most paths(P) × |P| steps, a subject O(n).
 *   2. P is anchored at the start (each top-level alternative begins with `^` without (?m), or
 *      `\A`), so only position 0 is tried, and every loop but the last one in the pattern is
 *      deterministic: the item right after it (leaving the groups it ends) is a literal character
 *      its atom cannot match. Such a loop stops exactly where that character is; giving back a
 *      character puts one of its own where the literal is required, which fails at once, so each
 *      loop costs O(n) whatever follows, and the last one n + 1 stops, each followed by a fixed
 *      part of at most paths(P) × |P| steps: O(n).
 *   3. P has one loop, with a minimum of 0 or 1, and nothing after it (it ends P, and every group
 *      around it; no alternative or repetition around it): at each start, the part before it
 *      costs at most paths(P) × |P| steps; once that part matched, the loop matches at once (it
 *      takes what it can and nothing follows it).
 * Everything else, such as `^a+b+$` (n² splits), `x.*y` unanchored (n² over all starts) or
 * `(a+)+` (exponential), runs on RE2.
 */
import type { AltShape, CharShape, RepeatShape, SeqShape, Shape } from './shape.js';

/** Ways to match a pattern's fixed part, at most: bounds the work per start position. */
const MAX_PATHS = 64;

interface Loop {
  readonly shape: RepeatShape;
  /** Its ancestors, root first. */
  readonly path: readonly Shape[];
}

/** Whether the native backtracking engine provably matches `root` in linear time (see the rule above). */
export function isLinearOnBacktracking(root: SeqShape | AltShape, pattern: string, flags: string, multiline: boolean): boolean {
  const loops: Loop[] = [];
  let proven = true;
  const paths = (shape: Shape, path: Shape[]): number => {
    const inner = [...path, shape];
    switch (shape.kind) {
      case 'seq':
        return shape.items.reduce((product, item) => Math.min(product * paths(item, inner), MAX_PATHS + 1), 1);
      case 'alt':
        return Math.min(shape.branches.reduce((sum, branch) => sum + paths(branch, inner), 0), MAX_PATHS + 1);
      case 'group':
        if (shape.mode !== 'plain') proven = false;
        return paths(shape.body, inner);
      case 'repeat':
        if (shape.max <= 1) return (shape.min === 0 ? 1 : 0) + (shape.max === 1 ? paths(shape.body, inner) : 0);
        if (shape.body.kind !== 'char' || pattern.slice(shape.body.start, shape.body.end) === '\\R') proven = false;
        loops.push({ shape, path });
        return 1;
      case 'ref':
        proven = false;
        return 1;
      default:
        return 1;
    }
  };
  if (paths(root, []) > MAX_PATHS || !proven) return false;
  if (loops.length === 0) return true;
  if (isStartAnchored(root, pattern, multiline)) {
    return loops.slice(0, -1).every((loop) => isDeterministic(loop, pattern, flags));
  }
  const [only] = loops;
  return loops.length === 1 && only.shape.min <= 1 && isLast(only);
}

/** Nothing comes after `loop`: it ends every sequence and plain group around it, up to the root. */
function isLast(loop: Loop): boolean {
  let child: Shape = loop.shape;
  for (let level = loop.path.length - 1; level >= 0; level--) {
    const parent = loop.path[level];
    if (parent.kind === 'seq' && parent.items[parent.items.length - 1] !== child) return false;
    if (parent.kind !== 'seq' && parent.kind !== 'group') return false;
    child = parent;
  }
  return true;
}

/** Every top-level alternative begins with `^` (not under (?m)) or `\A`. */
function isStartAnchored(root: SeqShape | AltShape, pattern: string, multiline: boolean): boolean {
  const anchored = (seq: SeqShape): boolean => {
    const first = seq.items[0];
    if (first?.kind !== 'assert') return false;
    const text = pattern.slice(first.start, first.end);
    return text === '\\A' || (text === '^' && !multiline);
  };
  return root.kind === 'seq' ? anchored(root) : root.branches.every(anchored);
}

/** The item right after `loop` (leaving the plain groups it ends) is a literal character its atom cannot match. */
function isDeterministic(loop: Loop, pattern: string, flags: string): boolean {
  let child: Shape = loop.shape;
  for (let level = loop.path.length - 1; level >= 0; level--) {
    const parent = loop.path[level];
    if (parent.kind === 'group') {
      child = parent;
      continue;
    }
    if (parent.kind !== 'seq') return false;
    const next = parent.items[parent.items.indexOf(child) + 1];
    if (next === undefined) {
      child = parent;
      continue;
    }
    const literal = literalChar(next, pattern);
    if (literal === undefined) return false;
    return !new RegExp(`^(?:${(loop.shape.body as CharShape).js})$`, flags).test(literal);
  }
  return false;
}

/** The character a one-character atom written as a literal (`a`, `\.`) stands for, else undefined. */
function literalChar(shape: Shape, pattern: string): string | undefined {
  if (shape.kind !== 'char') return undefined;
  const text = pattern.slice(shape.start, shape.end);
  if (/^[^\\.[(){}*+?|^$]$/u.test(text)) return text;
  if (/^\\[^A-Za-z0-9]$/u.test(text)) return text[1];
  return undefined;
}
