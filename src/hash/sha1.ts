/**
 * SHA-1 (FIPS 180-4 §6.1) over raw bytes, synchronous.
 *
 * Owns: the 20-byte digest, and the message padding and word output every FIPS 180-4 hash with
 * 64-byte blocks shares (sha256.ts uses them too).
 * Why not a platform API: the Compute runtime has no node:crypto, and crypto.subtle.digest is
 * asynchronous while a log line renders synchronously. Why not @noble/hashes, which is synchronous
 * too: in the Compute runtime's interpreter its SHA-1, SHA-2 and HMAC took 1.8–7× as long as this
 * code (bench/digests.ts), though in Node's JIT it is as fast or faster.
 */

/**
 * The message padded to whole blocks (FIPS 180-4 §5.1): a 1 bit, zeros, then its bit length
 * big-endian in the last blockBytes / 8 bytes — 64-byte blocks and a 64-bit length for SHA-1 and
 * SHA-224/256, 128-byte blocks and a 128-bit length for SHA-384/512 (whose high half stays 0:
 * messages here are far below 2^64 bits).
 */
export function paddedMessage(bytes: Uint8Array, blockBytes: 64 | 128): Uint8Array {
  const total = (Math.floor((bytes.length + blockBytes / 8) / blockBytes) + 1) * blockBytes;
  const buf = new Uint8Array(total);
  buf.set(bytes);
  buf[bytes.length] = 0x80;
  const bitsHigh = Math.floor(bytes.length / 0x20000000);
  const bitsLow = (bytes.length * 8) >>> 0;
  for (let i = 0; i < 4; i++) {
    buf[total - 8 + i] = (bitsHigh >>> (24 - 8 * i)) & 0xff;
    buf[total - 4 + i] = (bitsLow >>> (24 - 8 * i)) & 0xff;
  }
  return buf;
}

/** 32-bit words as big-endian bytes (the first `count` words). */
export function wordsToBytes(words: ArrayLike<number>, count = words.length): Uint8Array {
  const out = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    const v = words[i];
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}

/** Written for an interpreter as much as for a JIT (see sha256.ts). */
export function sha1(bytes: Uint8Array): Uint8Array {
  const m = paddedMessage(bytes, 64);
  const h = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);
  const w = new Int32Array(80);
  for (let off = 0; off < m.length; off += 64) {
    for (let j = 0; j < 16; j++) {
      const p = off + 4 * j;
      w[j] = (m[p] << 24) | (m[p + 1] << 16) | (m[p + 2] << 8) | m[p + 3];
    }
    for (let j = 16; j < 80; j++) {
      const x = w[j - 3] ^ w[j - 8] ^ w[j - 14] ^ w[j - 16];
      w[j] = (x << 1) | (x >>> 31);
    }
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    for (let j = 0; j < 80; j++) {
      let f: number;
      let k: number;
      if (j < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (j < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (j < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[j]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
  }
  return wordsToBytes(h);
}
