/**
 * HMAC (RFC 2104) over any of the synchronous hashes here.
 *
 * Owns: keying (a key longer than the block is hashed first, a shorter one zero-padded), the
 * inner and outer pads, and the table of hashes by name with their block sizes.
 * Does not own: the hashes (md5.ts, sha1.ts, sha256.ts, sha512.ts).
 */
import { md5 } from './md5.js';
import { sha1 } from './sha1.js';
import { sha224, sha256 } from './sha256.js';
import { sha384, sha512 } from './sha512.js';

export interface HashAlgorithm {
  readonly digest: (bytes: Uint8Array) => Uint8Array;
  /** The block size in bytes (64 for MD5, SHA-1, SHA-224/256; 128 for SHA-384/512). */
  readonly blockBytes: number;
}

export const HASHES = {
  md5: { digest: md5, blockBytes: 64 },
  sha1: { digest: sha1, blockBytes: 64 },
  sha224: { digest: sha224, blockBytes: 64 },
  sha256: { digest: sha256, blockBytes: 64 },
  sha384: { digest: sha384, blockBytes: 128 },
  sha512: { digest: sha512, blockBytes: 128 },
} as const satisfies Record<string, HashAlgorithm>;

const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;

export function hmac(hash: HashAlgorithm, key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = new Uint8Array(hash.blockBytes);
  block.set(key.length > hash.blockBytes ? hash.digest(key) : key);
  const inner = new Uint8Array(hash.blockBytes + message.length);
  for (let i = 0; i < hash.blockBytes; i++) inner[i] = block[i] ^ INNER_PAD;
  inner.set(message, hash.blockBytes);
  const innerDigest = hash.digest(inner);
  const outer = new Uint8Array(hash.blockBytes + innerDigest.length);
  for (let i = 0; i < hash.blockBytes; i++) outer[i] = block[i] ^ OUTER_PAD;
  outer.set(innerDigest, hash.blockBytes);
  return hash.digest(outer);
}
