/** The noble variant of src/hash/md5.ts, substituted for it by bench/digests.ts's second build. */
export { md5 } from '@noble/hashes/legacy.js';
export { bytesToHex as toHex } from '@noble/hashes/utils.js';
