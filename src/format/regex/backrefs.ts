/**
 * Back-references whose PCRE and JavaScript meanings differ, found on the pattern's tree.
 *
 * Owns: the rule. In PCRE a back-reference to a group that has not matched fails (pcre2pattern,
 * "Back references": "a back reference to an unset value matches an empty string" only under
 * PCRE2_MATCH_UNSET_BACKREF, which VCL does not set); in JavaScript it matches the empty string.
 * So `(a)?b\1` matches "b" in JS and not in PCRE. A reference is safe when its group has surely
 * matched by the time the reference is tried: the group closes before the reference and, below
 * their deepest common ancestor, the group is not inside an alternative, a quantifier with
 * minimum 0 or a negative lookaround. Every other reference is reported, naming the construct.
 * Does not own: parsing (pcre.ts builds the tree and turns the problem into a RegexError).
 *
 * Why reject rather than translate: JS has no test for "group N is set" that works for groups
 * that can match the empty string, and JS also clears a repeated group's captures at each
 * iteration where PCRE keeps the last value, so an emulation would still differ inside
 * repetitions. Such references are rare in log formats (Fastly's defaults use group references
 * only in regsub replacements, which behave the same), so a clear error is the honest choice.
 */
import { childrenOf, type GroupShape, type RefShape, type Shape } from './shape.js';

export interface BackReferenceProblem {
  readonly message: string;
  /** Index in the pattern of the reference. */
  readonly index: number;
}

/** The first back-reference that could match where PCRE would fail, or undefined. */
export function findUnsafeBackReference(root: Shape, pattern: string): BackReferenceProblem | undefined {
  const groups = new Map<number | string, { shape: GroupShape; path: Shape[] }>();
  const refs: Array<{ shape: RefShape; path: Shape[] }> = [];
  const walk = (shape: Shape, path: Shape[]): void => {
    if (shape.kind === 'ref') refs.push({ shape, path });
    if (shape.kind === 'group' && shape.capture !== undefined) {
      groups.set(shape.capture, { shape, path });
      if (shape.name !== undefined) groups.set(shape.name, { shape, path });
    }
    const inner = [...path, shape];
    for (const child of childrenOf(shape)) walk(child, inner);
  };
  walk(root, []);
  for (const ref of refs) {
    const group = groups.get(ref.shape.group);
    // Unknown groups are reported by pcre.ts with their own message.
    if (!group) continue;
    const unset = whyUnset(group.shape, group.path, ref.shape, ref.path, pattern);
    if (unset) {
      const text = pattern.slice(ref.shape.start, ref.shape.end);
      return {
        message:
          `back-reference ${text} to group ${group.shape.capture}, which may not have matched (${unset.reason}): ` +
          `PCRE then fails the reference, JavaScript matches it as empty; expected ${unset.fix}`,
        index: ref.shape.start,
      };
    }
  }
  return undefined;
}

/** Why `group` may be unset when `ref` is tried, and what to write instead; undefined when it has surely matched. */
function whyUnset(
  group: GroupShape,
  groupPath: Shape[],
  ref: RefShape,
  refPath: Shape[],
  pattern: string,
): { reason: string; fix: string } | undefined {
  if (group.end > ref.start) {
    return { reason: `it comes before group ${group.capture} closes`, fix: "the reference after the group's ')'" };
  }
  const alternative = {
    reason: "the group is in an alternative ('|') the reference is not in",
    fix: 'the reference inside the same alternative as the group',
  };
  let common = 0;
  while (common < groupPath.length && common < refPath.length && groupPath[common] === refPath[common]) common++;
  if (groupPath[common - 1]?.kind === 'alt') return alternative;
  for (const shape of [...groupPath.slice(common), group]) {
    if (shape.kind === 'alt') return alternative;
    if (shape.kind === 'repeat' && shape.min === 0) {
      const quantifier = pattern.slice(shape.body.end, shape.end);
      return {
        reason: `the group is under '${quantifier}', which allows zero matches`,
        fix: `the optional part inside the group, as in (a${quantifier})\\1 rather than (a)${quantifier}\\1`,
      };
    }
    if (shape.kind === 'group' && (shape.mode === 'negative-lookahead' || shape.mode === 'negative-lookbehind')) {
      return { reason: 'the group is inside a negative lookaround', fix: 'a group outside the negative lookaround' };
    }
  }
  return undefined;
}
