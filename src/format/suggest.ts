/**
 * "Did you mean …?" for compile errors: the known names closest to a misspelt one.
 *
 * Owns: the distance (optimal string alignment: insertions, deletions, substitutions and
 * transpositions of neighbours each cost 1, so `req.ulr` is one edit from `req.url`) and the
 * closeness threshold, which grows with the name's length but stays small (a suggestion three
 * edits away from a seven-character name is a guess, not a correction).
 * Does not own: the candidate names (variables.ts, functions.ts) or the wording of the error.
 * Runs only when a format fails to compile, never while a line renders.
 */

/** Most suggestions printed; ties beyond this are dropped. */
const MAX_SUGGESTIONS = 3;

/** Edits tolerated for a name of `length` characters. */
function threshold(length: number): number {
  if (length <= 4) return 1;
  return length <= 10 ? 2 : 3;
}

/** The candidates nearest to `name` within the threshold (best first, ties alphabetical). */
export function closestNames(name: string, candidates: Iterable<string>): string[] {
  const lower = name.toLowerCase();
  const tolerated = threshold(name.length);
  let best = tolerated + 1;
  let found: string[] = [];
  for (const candidate of candidates) {
    if (candidate === name) continue;
    // VCL names are case-sensitive; a name that differs only in case is the closest of all.
    const d = candidate.toLowerCase() === lower ? 0 : distance(name, candidate, tolerated + 1);
    if (d > tolerated) continue;
    if (d < best) {
      best = d;
      found = [candidate];
    } else if (d === best) found.push(candidate);
  }
  return found.sort().slice(0, MAX_SUGGESTIONS);
}

/** "; did you mean a, b or c?" or "" when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const names = closestNames(name, candidates);
  if (names.length === 0) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `; did you mean ${list}?`;
}

/** Optimal string alignment distance, or `limit` as soon as it must be at least `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= limit) return limit;
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length], limit);
}
