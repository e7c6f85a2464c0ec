/** The byte model: UTF-8 with surrogateescape for invalid bytes (src/facts/byte-string.ts). */
import { describe, expect, it } from 'vitest';
import {
  decodeBytes,
  encodeUtf8,
  isWellFormedText,
  utf8ByteLength,
} from '../../../src/facts/byte-string.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('decodeBytes', () => {
  it.each([
    ['ASCII', bytes(0x61, 0x62), 'ab'],
    ['two-byte', bytes(0xc3, 0xa9), 'é'],
    ['four-byte (astral)', bytes(0xf0, 0x9f, 0x98, 0x81), '😁'],
    ['lone 0xFF', bytes(0x61, 0xff), 'a\uDCFF'],
    ['truncated sequence', bytes(0x61, 0xcc), 'a\uDCCC'],
    ['overlong form', bytes(0xc0, 0xaf), '\uDCC0\uDCAF'],
    ['encoded surrogate', bytes(0xed, 0xa0, 0x80), '\uDCED\uDCA0\uDC80'],
    ['beyond U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), '\uDCF4\uDC90\uDC80\uDC80'],
    ['stray continuation byte', bytes(0x80, 0x41), '\uDC80A'],
  ])('%s', (_name, input, expected) => {
    expect(decodeBytes(input)).toBe(expected);
  });

  it('round-trips every byte sequence exactly', () => {
    let seed = 7;
    for (let n = 0; n < 500; n++) {
      const input = new Uint8Array(n % 17).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
      const text = decodeBytes(input);
      expect(Array.from(encodeUtf8(text))).toEqual(Array.from(input));
      expect(utf8ByteLength(text)).toBe(input.length);
    }
  });

  it('agrees with TextDecoder on valid UTF-8', () => {
    const text = 'héllo ☕ 😀 𝒳 \u0000\u007f\u07ff\u0800\uffff';
    expect(decodeBytes(new TextEncoder().encode(text))).toBe(text);
  });
});

describe('encodeUtf8 and isWellFormedText', () => {
  it('encodes like TextEncoder for well-formed text', () => {
    const text = 'a é ☕ 😀';
    expect(Array.from(encodeUtf8(text))).toEqual(Array.from(new TextEncoder().encode(text)));
  });

  it('encodes other lone surrogates as 3-byte WTF-8', () => {
    expect(Array.from(encodeUtf8('\uD800'))).toEqual([0xed, 0xa0, 0x80]);
    expect(utf8ByteLength('\uD800')).toBe(3);
  });

  it('tells text from invalid UTF-8', () => {
    expect(isWellFormedText('é😀')).toBe(true);
    expect(isWellFormedText('a\uDCFF')).toBe(false);
    expect(isWellFormedText('\uD83D')).toBe(false);
  });
});
