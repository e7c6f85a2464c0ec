/**
 * SHA-512 and SHA-384 (FIPS 180-4 §6.4, §6.5) over raw bytes, synchronous (see sha1.ts for why).
 *
 * Owns: both digests, in 32-bit halves (JavaScript has no 64-bit integer arithmetic short of
 * BigInt, which is an order of magnitude slower per round).
 * The constants are computed once, exactly, from their definition (§4.2.3, §5.3.4, §5.3.5):
 * the first 64 bits of the fractional parts of the cube roots of the first 80 primes (K), and
 * of the square roots of the first 8 primes (SHA-512) or of the 9th to 16th (SHA-384).
 */
import { paddedMessage, wordsToBytes } from './sha1.js';

const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 80; n++) if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);

/** floor(x^(1/k)) for a non-negative BigInt, by Newton's method. */
function integerRoot(x: bigint, k: bigint): bigint {
  if (x < 2n) return x;
  let r = 1n << (BigInt(x.toString(2).length) / k + 1n);
  for (;;) {
    const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    if (next >= r) return r;
    r = next;
  }
}

/** The first 64 fractional bits of p^(1/k), as [high, low] 32-bit halves. */
function fractionBits(p: number, k: bigint): [number, number] {
  const scaled = integerRoot(BigInt(p) << (64n * k), k) & ((1n << 64n) - 1n);
  return [Number(scaled >> 32n), Number(scaled & 0xffffffffn)];
}

const K_HI = new Uint32Array(80);
const K_LO = new Uint32Array(80);
PRIMES.forEach((p, i) => ([K_HI[i], K_LO[i]] = fractionBits(p, 3n)));

const initial = (from: number): number[] => PRIMES.slice(from, from + 8).flatMap((p) => fractionBits(p, 2n));
const SHA512_INIT = initial(0);
const SHA384_INIT = initial(8);

const TWO_32 = 0x100000000;

/**
 * One compression per 128-byte block over (high, low) halves. Written for an interpreter as much
 * as for a JIT (see sha256.ts): the rotations of Σ0 (28, 34, 39), Σ1 (14, 18, 41), σ0 (1, 8,
 * shift 7) and σ1 (19, 61, shift 6) are spelt out (a rotation by n ≥ 32 swaps the halves and
 * rotates by n − 32), and each sum carries from its low half into its high half.
 */
function compress(bytes: Uint8Array, init: readonly number[]): Uint32Array {
  const m = paddedMessage(bytes, 128);
  const h = Uint32Array.from(init); // [hi0, lo0, hi1, lo1, …]
  const wh = new Uint32Array(80);
  const wl = new Uint32Array(80);
  for (let off = 0; off < m.length; off += 128) {
    for (let j = 0; j < 16; j++) {
      const p = off + 8 * j;
      wh[j] = (m[p] << 24) | (m[p + 1] << 16) | (m[p + 2] << 8) | m[p + 3];
      wl[j] = (m[p + 4] << 24) | (m[p + 5] << 16) | (m[p + 6] << 8) | m[p + 7];
    }
    for (let j = 16; j < 80; j++) {
      const xh = wh[j - 15];
      const xl = wl[j - 15];
      const yh = wh[j - 2];
      const yl = wl[j - 2];
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
      const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
      const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
      const lo = (s0l >>> 0) + (s1l >>> 0) + wl[j - 7] + wl[j - 16];
      wl[j] = lo;
      wh[j] = s0h + s1h + wh[j - 7] + wh[j - 16] + ((lo / TWO_32) >>> 0);
    }
    let ah = h[0], al = h[1], bh = h[2], bl = h[3], ch = h[4], cl = h[5], dh = h[6], dl = h[7];
    let eh = h[8], el = h[9], fh = h[10], fl = h[11], gh = h[12], gl = h[13], hh = h[14], hl = h[15];
    for (let j = 0; j < 80; j++) {
      const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
      const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1l = hl + (S1l >>> 0) + (chl >>> 0) + K_LO[j] + wl[j];
      const t1h = hh + S1h + chh + K_HI[j] + wh[j] + ((t1l / TWO_32) >>> 0);
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2l = (S0l >>> 0) + (majl >>> 0);
      const t2h = S0h + majh + ((t2l / TWO_32) >>> 0);
      hh = gh; hl = gl;
      gh = fh; gl = fl;
      fh = eh; fl = el;
      const el2 = dl + (t1l >>> 0);
      eh = (dh + t1h + ((el2 / TWO_32) >>> 0)) >>> 0;
      el = el2 >>> 0;
      dh = ch; dl = cl;
      ch = bh; cl = bl;
      bh = ah; bl = al;
      const al2 = (t1l >>> 0) + (t2l >>> 0);
      ah = (t1h + t2h + ((al2 / TWO_32) >>> 0)) >>> 0;
      al = al2 >>> 0;
    }
    const words = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
    for (let i = 0; i < 16; i += 2) {
      const lo = h[i + 1] + words[i + 1];
      h[i] = h[i] + words[i] + ((lo / TWO_32) >>> 0);
      h[i + 1] = lo;
    }
  }
  return h;
}

export function sha512(bytes: Uint8Array): Uint8Array {
  return wordsToBytes(compress(bytes, SHA512_INIT), 16);
}

export function sha384(bytes: Uint8Array): Uint8Array {
  return wordsToBytes(compress(bytes, SHA384_INIT), 12);
}
