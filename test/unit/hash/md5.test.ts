import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5, toHex } from '../../../src/hash/md5.js';
import { randomBytes, seededRandom } from '../../../src/testing/seeded-random.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const nodeMd5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('md5', () => {
  // RFC 1321 appendix A.5, the test suite.
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      '57edf4a22be3c955ac49da2e2107b67a',
    ],
  ])('RFC 1321 vector %j', (input, expected) => {
    expect(toHex(md5(ascii(input)))).toBe(expected);
  });

  it('returns 16 bytes', () => {
    expect(md5(ascii('abc'))).toHaveLength(16);
  });

  it('matches node:crypto for every length 0..300 (all padding cases around 55/56/64 bytes)', () => {
    const random = seededRandom(1321);
    for (let length = 0; length <= 300; length++) {
      const bytes = randomBytes(random, length);
      expect(toHex(md5(bytes)), `length ${length}`).toBe(nodeMd5(bytes));
    }
  });

  it('matches node:crypto for random inputs up to 200 KiB', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 40; i++) {
      const bytes = randomBytes(random, Math.floor(random() * 200 * 1024));
      expect(toHex(md5(bytes))).toBe(nodeMd5(bytes));
    }
  });

  it('hashes only the view of a subarray, not its whole buffer', () => {
    const whole = randomBytes(seededRandom(7), 1000);
    const view = whole.subarray(13, 900);
    expect(toHex(md5(view))).toBe(nodeMd5(view));
  });

  it('matches node:crypto on all-0xff and all-zero blocks', () => {
    for (const fill of [0x00, 0xff]) {
      const bytes = new Uint8Array(4096 + 57).fill(fill);
      expect(toHex(md5(bytes))).toBe(nodeMd5(bytes));
    }
  });
});
