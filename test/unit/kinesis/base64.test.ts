import { describe, expect, it } from 'vitest';
import { bytesToBase64, utf8ToBase64 } from '../../../src/kinesis/base64.js';

const node = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('base64', () => {
  it('encodes any bytes like Node, across chunk boundaries and every tail length', () => {
    for (const length of [0, 1, 2, 3, 4, 8191, 8192, 8193, 20_000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);
      expect(bytesToBase64(bytes)).toBe(node(bytes));
    }
  });

  it('takes an ASCII line as it is, and a line with other characters by its UTF-8 bytes', () => {
    for (const line of ['GET /a 200', '{"city":"Zürich","emoji":"🦀"}', 'lone \ud800 surrogate', '']) {
      const bytes = new TextEncoder().encode(line);
      expect(utf8ToBase64(line, bytes)).toBe(node(bytes));
    }
  });
});
