/**
 * SHA-512 and SHA-384 (FIPS 180-4 §6.4, §6.5) over raw bytes, synchronous (see sha1.ts for why).
 *
 * Owns: both digests, in 32-bit halves (JavaScript has no 64-bit integer arithmetic short of
 * BigInt, which is an order of magnitude slower per round).
 * The constants are computed once, exactly, from their definition (§4.2.3, §5.3.4, §5.3.5):
 * the first 64 bits of the fractional parts of the cube roots of the first 80 primes (K), and
 * of the square roots of the first 8 primes (SHA-512) or of the 9th to 16th (SHA-384).
 */

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

/** Message padded to a multiple of 128 bytes with its 128-bit big-endian bit length (§5.1.2). */
function pad128(bytes: Uint8Array): DataView {
  const total = (((bytes.length + 16) >> 7) + 1) << 7;
  const buf = new Uint8Array(total);
  buf.set(bytes);
  buf[bytes.length] = 0x80;
  const view = new DataView(buf.buffer);
  const bits = bytes.length * 8;
  view.setUint32(total - 8, Math.floor(bits / 0x100000000), false);
  view.setUint32(total - 4, bits >>> 0, false);
  return view;
}

function compress(bytes: Uint8Array, init: readonly number[]): Uint32Array {
  const view = pad128(bytes);
  const h = Uint32Array.from(init); // [hi0, lo0, hi1, lo1, …]
  const wh = new Uint32Array(80);
  const wl = new Uint32Array(80);
  // Σ/σ functions on (hi, lo): rotations right by n < 32 and by n ≥ 32, and a shift right.
  const rotrHi = (hi: number, lo: number, n: number): number => (n < 32 ? (hi >>> n) | (lo << (32 - n)) : (lo >>> (n - 32)) | (hi << (64 - n)));
  const rotrLo = (hi: number, lo: number, n: number): number => (n < 32 ? (lo >>> n) | (hi << (32 - n)) : (hi >>> (n - 32)) | (lo << (64 - n)));
  for (let off = 0; off < view.byteLength; off += 128) {
    for (let j = 0; j < 16; j++) {
      wh[j] = view.getUint32(off + j * 8, false);
      wl[j] = view.getUint32(off + j * 8 + 4, false);
    }
    for (let j = 16; j < 80; j++) {
      const xh = wh[j - 15];
      const xl = wl[j - 15];
      const s0h = rotrHi(xh, xl, 1) ^ rotrHi(xh, xl, 8) ^ (xh >>> 7);
      const s0l = rotrLo(xh, xl, 1) ^ rotrLo(xh, xl, 8) ^ ((xl >>> 7) | (xh << 25));
      const yh = wh[j - 2];
      const yl = wl[j - 2];
      const s1h = rotrHi(yh, yl, 19) ^ rotrHi(yh, yl, 61) ^ (yh >>> 6);
      const s1l = rotrLo(yh, yl, 19) ^ rotrLo(yh, yl, 61) ^ ((yl >>> 6) | (yh << 26));
      const lo = (s0l >>> 0) + (s1l >>> 0) + wl[j - 7] + wl[j - 16];
      wl[j] = lo;
      wh[j] = s0h + s1h + wh[j - 7] + wh[j - 16] + Math.floor(lo / 0x100000000);
    }
    let ah = h[0], al = h[1], bh = h[2], bl = h[3], ch = h[4], cl = h[5], dh = h[6], dl = h[7];
    let eh = h[8], el = h[9], fh = h[10], fl = h[11], gh = h[12], gl = h[13], hh = h[14], hl = h[15];
    for (let j = 0; j < 80; j++) {
      const S1h = rotrHi(eh, el, 14) ^ rotrHi(eh, el, 18) ^ rotrHi(eh, el, 41);
      const S1l = rotrLo(eh, el, 14) ^ rotrLo(eh, el, 18) ^ rotrLo(eh, el, 41);
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1l = hl + (S1l >>> 0) + (chl >>> 0) + K_LO[j] + wl[j];
      const t1h = hh + S1h + chh + K_HI[j] + wh[j] + Math.floor(t1l / 0x100000000);
      const S0h = rotrHi(ah, al, 28) ^ rotrHi(ah, al, 34) ^ rotrHi(ah, al, 39);
      const S0l = rotrLo(ah, al, 28) ^ rotrLo(ah, al, 34) ^ rotrLo(ah, al, 39);
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2l = (S0l >>> 0) + (majl >>> 0);
      const t2h = S0h + majh + Math.floor(t2l / 0x100000000);
      hh = gh; hl = gl;
      gh = fh; gl = fl;
      fh = eh; fl = el;
      const el2 = dl + (t1l >>> 0);
      eh = (dh + t1h + Math.floor(el2 / 0x100000000)) >>> 0;
      el = el2 >>> 0;
      dh = ch; dl = cl;
      ch = bh; cl = bl;
      bh = ah; bl = al;
      const al2 = (t1l >>> 0) + (t2l >>> 0);
      ah = (t1h + t2h + Math.floor(al2 / 0x100000000)) >>> 0;
      al = al2 >>> 0;
    }
    const add = (i: number, hi: number, lo: number): void => {
      const sum = h[i + 1] + lo;
      h[i] = h[i] + hi + Math.floor(sum / 0x100000000);
      h[i + 1] = sum;
    };
    add(0, ah, al);
    add(2, bh, bl);
    add(4, ch, cl);
    add(6, dh, dl);
    add(8, eh, el);
    add(10, fh, fl);
    add(12, gh, gl);
    add(14, hh, hl);
  }
  return h;
}

function toBytes(words: Uint32Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) view.setUint32(i * 4, words[i], false);
  return out;
}

export function sha512(bytes: Uint8Array): Uint8Array {
  return toBytes(compress(bytes, SHA512_INIT), 16);
}

export function sha384(bytes: Uint8Array): Uint8Array {
  return toBytes(compress(bytes, SHA384_INIT), 12);
}
