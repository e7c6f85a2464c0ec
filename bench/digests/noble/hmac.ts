/** The noble variant of src/hash/hmac.ts (same exports), substituted for it by bench/digests.ts's second build. */
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';

export interface HashAlgorithm {
  readonly digest: CHash;
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

export function hmac(hash: HashAlgorithm, key: Uint8Array, message: Uint8Array): Uint8Array {
  return nobleHmac(hash.digest, key, message);
}
