/**
 * The edges of the JSON string repair (format/json-template.ts, repairJsonStringFragment): which
 * lone surrogates stand for an invalid byte (U+DC80..U+DCFF, written as U+FFFD) and which are
 * half of a pair (kept), and the characters just either side of each range it escapes.
 */
import { describe, expect, it } from 'vitest';
import { repairJsonStringFragment } from '../../../src/format/json-template.js';

const hex = (text: string) => [...text].map((c) => c.codePointAt(0)!.toString(16)).join(' ');

describe('repairJsonStringFragment: the byte-model range and surrogate pairs', () => {
  it.each([
    ['the first invalid byte, 0x80', '\udc80', '\ufffd'],
    ['the last invalid byte, 0xFF', '\udcff', '\ufffd'],
    ['both, with text around', 'a\udc80b\udcffc', 'a\ufffdb\ufffdc'],
    ['below the range: a lone low surrogate that is no byte', '\udc7f', '\udc7f'],
    ['above the range', '\udd00', '\udd00'],
    ['the first high surrogate before one: a pair', '\ud800\udc80', '\ud800\udc80'],
    ['the last high surrogate before one: a pair', '\udbff\udcff', '\udbff\udcff'],
    ['a character below the high surrogates before one', '\ud7ff\udc80', '\ud7ff\ufffd'],
    ['a low surrogate before one (no pair)', '\udc00\udc80', '\udc00\ufffd'],
    ['an invalid byte after a pair', '\ud83e\udd80\udc80', '\ud83e\udd80\ufffd'],
  ])('%s', (_name, text, expected) => {
    expect(hex(repairJsonStringFragment(text))).toBe(hex(expected));
  });

  it.each([
    ['U+001F, the last control character, escaped', '\u001f', '\\u001f'],
    ['U+0000, the first', '\u0000', '\\u0000'],
    ['U+0020, the first that is not, kept', ' "', ' \\"'],
    ['the short escapes', '\b\f\n\r\t', '\\b\\f\\n\\r\\t'],
  ])('%s', (_name, text, expected) => {
    expect(repairJsonStringFragment(text)).toBe(expected);
  });

  it('keeps every JSON escape as it is, and characters above the byte-model range', () => {
    expect(repairJsonStringFragment('\\" \\\\ \\/ \\b \\f \\n \\r \\t "')).toBe('\\" \\\\ \\/ \\b \\f \\n \\r \\t \\"');
    expect(hex(repairJsonStringFragment('"\ue000\udd00\uffff'))).toBe(hex('\\"\ue000\udd00\uffff'));
  });

  it('keeps a \\u escape with four hex digits, and escapes the backslash of one with three', () => {
    expect(repairJsonStringFragment('\\u00e9 \\uABCD')).toBe('\\u00e9 \\uABCD');
    expect(repairJsonStringFragment('\\u00e "')).toBe('\\\\u00e \\"');
    expect(repairJsonStringFragment('"\\u00e')).toBe('\\"\\\\u00e');
  });

  it('every output is a valid JSON string body, and a value that needed nothing comes back unchanged', () => {
    for (const text of ['plain', '\udc80', '\ud800\udc80', 'x\\', '\\\\"', '\u007f\u0080', '\ud800', 'a\\/b']) {
      const repaired = repairJsonStringFragment(text);
      expect(() => JSON.parse(`"${repaired}"`)).not.toThrow();
      if (!/["\\\u0000-\u001f\udc80-\udcff]/.test(text)) expect(repaired).toBe(text);
    }
  });
});
