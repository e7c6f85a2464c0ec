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

describe('the byte model at every boundary, against independent oracles', () => {
  const platform = new TextDecoder('utf-8', { ignoreBOM: true });
  /** Whether the platform's decoder reads `sequence` as one valid code point (U+FFFD only when written as EF BF BD). */
  const isOneCodePoint = (sequence: Uint8Array): string | undefined => {
    const text = platform.decode(sequence);
    if ([...text].length !== 1) return undefined;
    return text !== '\ufffd' || sequence.join() === '239,191,189' ? text : undefined;
  };
  /**
   * The contract, computed another way: at each position, the valid UTF-8 sequence that starts
   * there (the platform's strict decoder accepts it as one code point), else the byte escaped.
   */
  function oracleDecode(input: Uint8Array): string {
    let out = '';
    for (let i = 0; i < input.length; ) {
      let taken = 0;
      for (let length = 1; length <= 4 && i + length <= input.length && taken === 0; length++) {
        const text = isOneCodePoint(input.subarray(i, i + length));
        if (text !== undefined) {
          out += text;
          taken = length;
        }
      }
      if (taken === 0) {
        out += String.fromCharCode(0xdc00 + input[i]);
        taken = 1;
      }
      i += taken;
    }
    return out;
  }
  /** Bytes either side of each range UTF-8 cares about. */
  const EDGES = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];

  /** decodeBytes(input) must be oracleDecode(input); the failure names the bytes. */
  const check = (...input: number[]) => {
    const got = decodeBytes(bytes(...input));
    const expected = oracleDecode(bytes(...input));
    if (got !== expected) expect([input.map((b) => b.toString(16)), got]).toEqual([input.map((b) => b.toString(16)), expected]);
  };

  it('decodes every byte alone, and every pair with an edge byte on either side, as the oracle does', () => {
    for (let a = 0; a < 256; a++) {
      check(a);
      for (const edge of EDGES) {
        check(a, edge);
        check(edge, a);
      }
    }
  });

  it('decodes 3- and 4-byte sequences of edge bytes, with every lead, as the oracle does', () => {
    for (let lead = 0xe0; lead <= 0xf5; lead++) {
      for (const second of EDGES) {
        for (const third of EDGES) {
          check(lead, second, third);
          check(0x61, lead, second, third, 0x62);
          for (const fourth of [0x7f, 0x80, 0xbf, 0xc0]) check(lead, second, third, fourth);
        }
      }
    }
  });

  it('encodes every UTF-16 code unit alone, and the surrogate pairs at the edges, as the contract says', () => {
    const encoder = new TextEncoder();
    /** TextEncoder for text; an escaped byte for U+DC80..U+DCFF; 3-byte generalised UTF-8 for other lone surrogates. */
    const oracleEncode = (s: string): number[] =>
      [...s].flatMap((ch) => {
        const c = ch.codePointAt(0)!;
        if (c >= 0xdc80 && c <= 0xdcff) return [c - 0xdc00];
        if (c >= 0xd800 && c <= 0xdfff) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
        return [...encoder.encode(ch)];
      });
    const cases: string[] = [];
    for (let c = 0; c < 0x10000; c++) cases.push(String.fromCharCode(c));
    for (const high of [0xd800, 0xdbff]) for (const low of [0xdc00, 0xdc80, 0xdcff, 0xdfff]) cases.push(String.fromCharCode(high, low));
    cases.push('\ud7ff\udc00', '\ue000\udc80', '\udbff', 'a\udbff', '\udbff\ue000', '\udc00\udc00');
    for (const s of cases) {
      const expected = oracleEncode(s);
      const got = Array.from(encodeUtf8(s));
      if (got.join() !== expected.join() || utf8ByteLength(s) !== expected.length) {
        expect([s.split('').map((u) => u.charCodeAt(0).toString(16)), got, utf8ByteLength(s)]).toEqual([s.split('').map((u) => u.charCodeAt(0).toString(16)), expected, expected.length]);
      }
    }
  });
});
