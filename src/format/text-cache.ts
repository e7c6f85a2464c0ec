/**
 * What the format engine works out from a format's (or condition's) text alone — its compiled
 * form, its JSON check — kept per instance, keyed by that text, so a reused sandbox and every
 * endpoint sharing a format pay once; the build-time warm-up (warm-up.ts) puts Fastly's default
 * formats there before any sandbox starts. Bounded: the oldest entry goes first.
 */

/** Distinct texts kept per cache. */
export const COMPILE_CACHE_MAX_ENTRIES = 64;

export class TextKeyedCache<T> {
  private readonly entries = new Map<string, T>();

  /** The value for `text`, computed by `compute` the first time (a throw is not remembered). */
  get(text: string, compute: (text: string) => T): T {
    const known = this.entries.get(text);
    if (known !== undefined) return known;
    const value = compute(text);
    if (this.entries.size >= COMPILE_CACHE_MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(text, value);
    return value;
  }
}
