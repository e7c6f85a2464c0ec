/**
 * xxHash XXH32 and XXH64 (seed 0 by default), as specified in xxHash's doc/xxhash_spec.md
 * (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
 *
 * Owns: both hashes over bytes, as unsigned numbers (XXH32) and BigInts (XXH64).
 * XXH64 uses BigInt arithmetic masked to 64 bits: simple and exact; inputs here are log values
 * bounded by max_record_bytes, for which its speed is enough (see bench/format-render.ts).
 */

const P32_1 = 0x9e3779b1;
const P32_2 = 0x85ebca77;
const P32_3 = 0xc2b2ae3d;
const P32_4 = 0x27d4eb2f;
const P32_5 = 0x165667b1;

const rotl32 = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const read32 = (b: Uint8Array, i: number): number => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

function round32(acc: number, lane: number): number {
  return Math.imul(rotl32((acc + Math.imul(lane, P32_2)) | 0, 13), P32_1);
}

export function xxh32(bytes: Uint8Array, seed = 0): number {
  const n = bytes.length;
  let i = 0;
  let acc: number;
  if (n >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0;
    let v2 = (seed + P32_2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P32_1) | 0;
    for (; i + 16 <= n; i += 16) {
      v1 = round32(v1, read32(bytes, i));
      v2 = round32(v2, read32(bytes, i + 4));
      v3 = round32(v3, read32(bytes, i + 8));
      v4 = round32(v4, read32(bytes, i + 12));
    }
    acc = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
  } else {
    acc = (seed + P32_5) | 0;
  }
  acc = (acc + n) | 0;
  for (; i + 4 <= n; i += 4) acc = Math.imul(rotl32((acc + Math.imul(read32(bytes, i), P32_3)) | 0, 17), P32_4);
  for (; i < n; i++) acc = Math.imul(rotl32((acc + Math.imul(bytes[i], P32_5)) | 0, 11), P32_1);
  acc ^= acc >>> 15;
  acc = Math.imul(acc, P32_2);
  acc ^= acc >>> 13;
  acc = Math.imul(acc, P32_3);
  acc ^= acc >>> 16;
  return acc >>> 0;
}

const MASK64 = (1n << 64n) - 1n;
const P64_1 = 0x9e3779b185ebca87n;
const P64_2 = 0xc2b2ae3d27d4eb4fn;
const P64_3 = 0x165667b19e3779f9n;
const P64_4 = 0x85ebca77c2b2ae63n;
const P64_5 = 0x27d4eb2f165667c5n;

const rotl64 = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK64;
const read64 = (b: Uint8Array, i: number): bigint => BigInt(read32(b, i)) | (BigInt(read32(b, i + 4)) << 32n);

function round64(acc: bigint, lane: bigint): bigint {
  return (rotl64((acc + lane * P64_2) & MASK64, 31n) * P64_1) & MASK64;
}

function merge64(acc: bigint, v: bigint): bigint {
  return (((acc ^ round64(0n, v)) * P64_1 + P64_4) & MASK64);
}

export function xxh64(bytes: Uint8Array, seed = 0n): bigint {
  const n = bytes.length;
  let i = 0;
  let acc: bigint;
  if (n >= 32) {
    let v1 = (seed + P64_1 + P64_2) & MASK64;
    let v2 = (seed + P64_2) & MASK64;
    let v3 = seed & MASK64;
    let v4 = (seed - P64_1) & MASK64;
    for (; i + 32 <= n; i += 32) {
      v1 = round64(v1, read64(bytes, i));
      v2 = round64(v2, read64(bytes, i + 8));
      v3 = round64(v3, read64(bytes, i + 16));
      v4 = round64(v4, read64(bytes, i + 24));
    }
    acc = (rotl64(v1, 1n) + rotl64(v2, 7n) + rotl64(v3, 12n) + rotl64(v4, 18n)) & MASK64;
    acc = merge64(merge64(merge64(merge64(acc, v1), v2), v3), v4);
  } else {
    acc = (seed + P64_5) & MASK64;
  }
  acc = (acc + BigInt(n)) & MASK64;
  for (; i + 8 <= n; i += 8) acc = ((rotl64(acc ^ round64(0n, read64(bytes, i)), 27n) * P64_1 + P64_4) & MASK64);
  if (i + 4 <= n) {
    acc = ((rotl64(acc ^ ((BigInt(read32(bytes, i)) * P64_1) & MASK64), 23n) * P64_2 + P64_3) & MASK64);
    i += 4;
  }
  for (; i < n; i++) acc = (rotl64(acc ^ ((BigInt(bytes[i]) * P64_5) & MASK64), 11n) * P64_1) & MASK64;
  acc ^= acc >> 33n;
  acc = (acc * P64_2) & MASK64;
  acc ^= acc >> 29n;
  acc = (acc * P64_3) & MASK64;
  acc ^= acc >> 32n;
  return acc;
}
