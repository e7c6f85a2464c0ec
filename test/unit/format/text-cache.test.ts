import { describe, expect, it } from 'vitest';
import { COMPILE_CACHE_MAX_ENTRIES, TextKeyedCache } from '../../../src/format/text-cache.js';

describe('TextKeyedCache', () => {
  it('computes a text\'s value once and answers it again after', () => {
    const cache = new TextKeyedCache<{ text: string }>();
    let computed = 0;
    const compute = (text: string) => (computed++, { text });
    const first = cache.get('%h %r', compute);
    expect(cache.get('%h %r', compute)).toBe(first);
    expect(computed).toBe(1);
  });

  it('does not remember a throw: the next get tries again', () => {
    const cache = new TextKeyedCache<string>();
    expect(() => cache.get('bad', () => { throw new Error('does not parse'); })).toThrow('does not parse');
    expect(cache.get('bad', (text) => `fixed ${text}`)).toBe('fixed bad');
  });

  it(`keeps at most ${COMPILE_CACHE_MAX_ENTRIES} texts, dropping the oldest first`, () => {
    const cache = new TextKeyedCache<number>();
    let computed = 0;
    const compute = () => ++computed;
    for (let i = 0; i <= COMPILE_CACHE_MAX_ENTRIES; i++) cache.get(`format ${i}`, compute);
    expect(computed).toBe(COMPILE_CACHE_MAX_ENTRIES + 1);
    cache.get(`format ${COMPILE_CACHE_MAX_ENTRIES}`, compute); // newest: still there
    expect(computed).toBe(COMPILE_CACHE_MAX_ENTRIES + 1);
    cache.get('format 0', compute); // oldest: dropped, computed again
    expect(computed).toBe(COMPILE_CACHE_MAX_ENTRIES + 2);
  });
});
