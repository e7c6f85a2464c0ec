/**
 * Uniform numbers in [0, 1) from crypto.getRandomValues: the default randomness of the picker (hash
 * keys, the rotation's start) and of refresh-lease holder ids, where instances of the fleet must
 * not draw alike. Words are fetched in blocks, so a record costs no host call.
 */
const WORD_RANGE = 0x1_0000_0000;
const POOL_WORDS = 256;

const pool = new Uint32Array(POOL_WORDS);
let next = pool.length;

/** Uniform in [0, 1), refilled POOL_WORDS words at a time. */
export function cryptoRandom(): number {
  if (next >= pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  return pool[next++] / WORD_RANGE;
}
