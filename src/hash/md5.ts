/**
 * MD5 (RFC 1321) over raw bytes, in plain TypeScript.
 *
 * Owns: the digest of a Uint8Array, as 16 bytes. Used for the checksum trailer of KPL aggregated
 * records (reference/kinesis.md §1.5), for the hash key Kinesis derives from a partition key
 * (MD5 of its UTF-8 bytes read as a big-endian 128-bit integer, §3.2), and by the format
 * engine's `digest.hash_md5`.
 * Does not own: text encoding (callers pass UTF-8 bytes) or any security use; MD5 is a checksum here.
 *
 * Why not WebCrypto: `crypto.subtle.digest` has no MD5, and it is async; the aggregator needs the
 * digest synchronously inside `flush()`. The Fastly runtime has no `node:crypto`.
 * Why not @noble/hashes: in the Compute runtime it took 1.5–2.6× as long as this code, the KPL
 * aggregate's checksum included (bench/digests.ts).
 */

/** Per-round left-rotation amounts, RFC 1321 §3.4. */
const SHIFTS = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);

/** T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 §3.4. Computed once; exact in float64. */
const SINE_TABLE = new Int32Array(64);
for (let i = 0; i < 64; i++) SINE_TABLE[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0;

/** Which 32-bit word of the block each step reads, RFC 1321 §3.4. */
const WORD_INDEX = new Uint8Array(64);
for (let i = 0; i < 64; i++) {
  WORD_INDEX[i] = i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;
}

const BLOCK_BYTES = 64;

/** The 16-byte MD5 digest of `bytes`. */
export function md5(bytes: Uint8Array): Uint8Array {
  const state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
  const words = new Int32Array(16);

  const fullBlocksEnd = bytes.length - (bytes.length % BLOCK_BYTES);
  for (let offset = 0; offset < fullBlocksEnd; offset += BLOCK_BYTES) {
    processBlock(state, words, bytes, offset);
  }

  // Padding (RFC 1321 §3.1-3.2): 0x80, zeros to 56 mod 64, then the bit length as 64-bit little-endian.
  const rest = bytes.length - fullBlocksEnd;
  const tail = new Uint8Array(rest < 56 ? BLOCK_BYTES : 2 * BLOCK_BYTES);
  tail.set(bytes.subarray(fullBlocksEnd));
  tail[rest] = 0x80;
  const bitLengthLow = (bytes.length * 8) >>> 0;
  const bitLengthHigh = Math.floor(bytes.length / 0x20000000) >>> 0;
  const lengthAt = tail.length - 8;
  writeUint32LE(tail, lengthAt, bitLengthLow);
  writeUint32LE(tail, lengthAt + 4, bitLengthHigh);
  for (let offset = 0; offset < tail.length; offset += BLOCK_BYTES) {
    processBlock(state, words, tail, offset);
  }

  const digest = new Uint8Array(16);
  for (let i = 0; i < 4; i++) writeUint32LE(digest, i * 4, state[i]);
  return digest;
}

/** Lowercase hex of a digest (or any bytes). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

function processBlock(state: Int32Array, words: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const p = offset + i * 4;
    words[i] = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  for (let i = 0; i < 64; i++) {
    let f: number;
    if (i < 16) f = (b & c) | (~b & d);
    else if (i < 32) f = (d & b) | (~d & c);
    else if (i < 48) f = b ^ c ^ d;
    else f = c ^ (b | ~d);
    const sum = (a + f + SINE_TABLE[i] + words[WORD_INDEX[i]]) | 0;
    const s = SHIFTS[i];
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
}

function writeUint32LE(target: Uint8Array, at: number, value: number): void {
  target[at] = value & 0xff;
  target[at + 1] = (value >>> 8) & 0xff;
  target[at + 2] = (value >>> 16) & 0xff;
  target[at + 3] = (value >>> 24) & 0xff;
}
