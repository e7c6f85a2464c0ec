/** The noble variant of src/hash/sha1.ts, substituted for it by bench/digests.ts's second build. */
export { sha1 } from '@noble/hashes/legacy.js';
