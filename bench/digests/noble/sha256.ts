/** The noble variant of src/hash/sha256.ts, substituted for it by bench/digests.ts's second build. */
export { sha224, sha256 } from '@noble/hashes/sha2.js';
