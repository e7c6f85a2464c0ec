/**
 * Randomness functions take their bytes from the render's input (RenderOptions.randomBytes), so
 * they can be fixed; the _seeded forms are deterministic per seed; uuid.version7 carries the
 * request's end time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { factsFromVclJson } from '../../../src/format/facts-from-vcl.js';
import { compileFormat } from '../../../src/format/index.js';

const END = '2024-03-05T14:07:09.170789Z';
const facts = factsFromVclJson({ 'time.start': END, 'time.end': END });
const filled = (byte: number) => (n: number) => new Uint8Array(n).fill(byte);
const counting = () => (n: number) => Uint8Array.from({ length: n }, (_, i) => i);

function render(format: string, randomBytes?: (n: number) => Uint8Array): string {
  return compileFormat(format).render(facts, (error) => {
    throw error;
  }, { randomBytes });
}

afterEach(() => vi.restoreAllMocks());

describe('randomness from the render input', () => {
  it('randomstr, randomint, randombool at both ends of the byte range', () => {
    const format = '%{randomstr(6, "ab")}V %{randomint(1, 6)}V %{randombool(1, 4)}V %{randomstr(3)}V';
    expect(render(format, filled(0))).toBe('aaaaaa 1 1 aaa');
    expect(render(format, filled(0xff))).toBe('bbbbbb 6 0 ___');
  });

  it('uuid.version4 is the given bytes with the version and variant set', () => {
    expect(render('%{uuid.version4()}V', counting())).toBe('00010203-0405-4607-8809-0a0b0c0d0e0f');
  });

  it('uuid.version7 starts with the request end time in milliseconds', () => {
    const ms = Date.parse(END);
    const uuid = render('%{uuid.version7()}V', filled(0));
    expect(uuid).toBe(`${ms.toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-')}-7000-8000-000000000000`);
  });

  it('the _seeded forms give the same value for the same seed, whatever the bytes', () => {
    const format = '%{randomint_seeded(1, 1000000, 42)}V %{randombool_seeded(1, 2, 42)}V';
    expect(render(format, filled(0))).toBe(render(format, filled(0xff)));
    const values = new Set(Array.from({ length: 20 }, (_, seed) => render(`%{randomint_seeded(1, 1000000, ${seed})}V`)));
    expect(values.size).toBe(20);
  });

  it('randomint with from > to and randomstr with no characters set EINVAL', () => {
    expect(render('%{randomint(5, 1)}V %{fastly.error}V')).toBe('(null) EINVAL');
    expect(render('%{randomstr(3, "")}V %{fastly.error}V')).toBe('(null) EINVAL');
  });

  it('the default source is crypto.getRandomValues, never Math.random', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    expect(render('%{randomstr(16)}V')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(render('%{uuid.version4()}V')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
