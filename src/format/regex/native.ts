/**
 * A proof, from the pattern's tree, that JavaScript's own backtracking engine matches a pattern in
 * time linear in the subject: such a pattern runs there (compile.ts), because RE2 (re2js) costs
 * 100 to 10,000 times more in the Wasm (bench/regex-cost.ts): ~0.9 ms for the regsub of Fastly's
 * default Kinesis format, where the native engine takes a few µs.
 *
 * Owns: the rule below. It is a proof, not a search for dangerous shapes: a pattern it does not
 * prove runs on RE2, so what it misses costs time, never safety.
 * Does not own: parsing (pcre.ts builds the tree) or the engines.
 *
 * Rule. Let paths(P) count the ways P can be matched when every repetition with an upper bound
 * over 1 counts as one way (seq: product; alternation: sum; `x?`: 1 + paths(x)). P is proven when
 * it has no look-around, back-reference, atomic group or possessive quantifier (pcre.ts sends those
 * to the backtracking engine anyway), paths(P) ≤ MAX_PATHS, and either
 *   - it has no repetition with an upper bound over 1: each start position costs at most
 *     paths(P) × |P| steps, so a subject of n characters costs O(n); or
 *   - it has exactly one, over a one-character atom (a literal, class, `.` or escape; not `\R`,
 *     which can take one or two characters), and either
 *     - P is anchored at the start (each top-level alternative begins with `^` without (?m), or
 *       `\A`): only position 0 is tried, where the loop can stop at n + 1 places and each is
 *       followed by at most paths(P) × |P| steps: O(n); or
 *     - the loop is the last item of P (not inside a group or alternative) with a minimum of 0 or
 *       1: at each start the part before it costs at most paths(P) × |P| steps, and once that
 *       part matched, the loop matches at once (it takes what it can and nothing follows it).
 * Everything else, such as `^a+b+$` (n² splits), `x.*y` unanchored (n² over all starts) or
 * `(a+)+` (exponential), runs on RE2.
 */
import type { AltShape, SeqShape, Shape } from './shape.js';

/** Ways to match a pattern's fixed part, at most: bounds the work per start position. */
const MAX_PATHS = 64;

/** Whether the native backtracking engine provably matches `root` in linear time (see the rule above). */
export function isLinearOnBacktracking(root: SeqShape | AltShape, pattern: string, multiline: boolean): boolean {
  const loops: Shape[] = [];
  let proven = true;
  const paths = (shape: Shape): number => {
    switch (shape.kind) {
      case 'seq':
        return shape.items.reduce((product, item) => Math.min(product * paths(item), MAX_PATHS + 1), 1);
      case 'alt':
        return Math.min(shape.branches.reduce((sum, branch) => sum + paths(branch), 0), MAX_PATHS + 1);
      case 'group':
        if (shape.mode !== 'plain') proven = false;
        return paths(shape.body);
      case 'repeat':
        if (shape.max <= 1) return (shape.min === 0 ? 1 : 0) + (shape.max === 1 ? paths(shape.body) : 0);
        if (shape.body.kind !== 'char' || pattern.slice(shape.body.start, shape.body.end) === '\\R') proven = false;
        loops.push(shape);
        return 1;
      case 'ref':
        proven = false;
        return 1;
      default:
        return 1;
    }
  };
  if (paths(root) > MAX_PATHS || !proven || loops.length > 1) return false;
  if (loops.length === 0) return true;
  const loop = loops[0];
  if (isStartAnchored(root, pattern, multiline)) return true;
  return root.kind === 'seq' && root.items[root.items.length - 1] === loop && loop.kind === 'repeat' && loop.min <= 1;
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
