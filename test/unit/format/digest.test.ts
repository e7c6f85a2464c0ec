/** MD5, SHA-1, SHA-256 in plain TS against Node's crypto (Node is only the reference here). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5Hex, sha1Hex, sha256Hex } from '../../../src/format/digest.js';

describe('digests', () => {
  const sizes = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 4099];
  it.each(sizes)('%i bytes', (n) => {
    const input = new Uint8Array(n).map((_, i) => (i * 131 + 17) & 0xff);
    expect(md5Hex(input)).toBe(createHash('md5').update(input).digest('hex'));
    expect(sha1Hex(input)).toBe(createHash('sha1').update(input).digest('hex'));
    expect(sha256Hex(input)).toBe(createHash('sha256').update(input).digest('hex'));
  });
});
