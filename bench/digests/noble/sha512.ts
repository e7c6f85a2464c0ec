/** The noble variant of src/hash/sha512.ts, substituted for it by bench/digests.ts's second build. */
export { sha384, sha512 } from '@noble/hashes/sha2.js';
