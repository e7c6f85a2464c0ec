/**
 * The synchronous hashes of src/hash/ against published test vectors (FIPS 180-4 examples,
 * RFC 2202 and RFC 4231 for HMAC, the CRC catalogue's check values, xxHash's) and against Node's
 * crypto on many lengths (Node is only the reference here; the Compute runtime has no
 * node:crypto, which is why these exist).
 */
import { createHash, createHmac } from 'node:crypto';
import { crc32 as nodeCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Bzip2 } from '../../../src/hash/crc32.js';
import { hmac, HASHES } from '../../../src/hash/hmac.js';
import { md5 } from '../../../src/hash/md5.js';
import { sha1 } from '../../../src/hash/sha1.js';
import { sha224, sha256 } from '../../../src/hash/sha256.js';
import { sha384, sha512 } from '../../../src/hash/sha512.js';
import { xxh32, xxh64 } from '../../../src/hash/xxhash.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** Lengths around every block and padding boundary of 64- and 128-byte blocks. */
const SIZES = [0, 1, 3, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 239, 240, 1000, 4099];
const bytesOf = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 131 + 17) & 0xff);

describe('hashes against Node crypto', () => {
  const algorithms = { md5, sha1, sha224, sha256, sha384, sha512 };
  it.each(SIZES)('%i bytes', (n) => {
    const input = bytesOf(n);
    for (const [name, digest] of Object.entries(algorithms)) {
      expect(hex(digest(input)), name).toBe(createHash(name).update(input).digest('hex'));
    }
  });

  it.each(SIZES)('HMAC, %i-byte key and message', (n) => {
    const key = bytesOf(n).reverse();
    const message = bytesOf(n * 2 + 1);
    for (const [name, hash] of Object.entries(HASHES)) {
      expect(hex(hmac(hash, key, message)), name).toBe(createHmac(name, key).update(message).digest('hex'));
    }
  });
});

describe('published test vectors', () => {
  it('FIPS 180-4 examples ("abc")', () => {
    expect(hex(sha224(text('abc')))).toBe('23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7');
    expect(hex(sha384(text('abc')))).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
    expect(hex(sha512(text('abc')))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  // RFC 4231 §4.2, §4.3 and §4.7 (a key longer than the block is hashed first).
  it.each([
    {
      key: '0b'.repeat(20),
      data: text('Hi There'),
      sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      sha512: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    },
    {
      key: Buffer.from('Jefe').toString('hex'),
      data: text('what do ya want for nothing?'),
      sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      sha512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    },
    {
      key: 'aa'.repeat(131),
      data: text('Test Using Larger Than Block-Size Key - Hash Key First'),
      sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      sha512: '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
    },
  ])('RFC 4231 HMAC-SHA-256/512: $sha256', ({ key, data, sha256: want256, sha512: want512 }) => {
    expect(hex(hmac(HASHES.sha256, fromHex(key), data))).toBe(want256);
    expect(hex(hmac(HASHES.sha512, fromHex(key), data))).toBe(want512);
  });

  it('RFC 2202 HMAC-MD5 and HMAC-SHA-1 (test case 2)', () => {
    expect(hex(hmac(HASHES.md5, text('Jefe'), text('what do ya want for nothing?')))).toBe('750c783e6ab0b503eaa86e310a5db738');
    expect(hex(hmac(HASHES.sha1, text('Jefe'), text('what do ya want for nothing?')))).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('CRC catalogue check values ("123456789")', () => {
    expect(crc32Bzip2(text('123456789'))).toBe(0xfc891918);
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    for (const n of SIZES) expect(crc32(bytesOf(n))).toBe(nodeCrc32(bytesOf(n)));
  });

  it('xxHash vectors', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxh64(text('abc'))).toBe(0x44bc2cf5ad770999n);
    expect(xxh32(text('abc'))).toBe(0x32d153ff);
    // 39 bytes: the 16/32-byte stripes, then 8-, 4- and 1-byte tails.
    expect(xxh32(text('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
    expect(xxh64(text('Nobody inspects the spammish repetition'))).toBe(0xfbcea83c8a378bf1n);
  });
});
