/**
 * The two 32-bit CRCs of Fastly's digest.hash_crc32 and digest.hash_crc32b: CRC-32/BZIP2 (the
 * polynomial 0x04C11DB7 taken most significant bit first) and the common CRC-32 of zip and
 * Ethernet, ITU V.42 (the same polynomial reflected, 0xEDB88320). Both start from and end with
 * an all-ones register. Check values ("123456789"): 0xFC891918 and 0xCBF43926.
 * Owns: the two tables (built once) and the register arithmetic; not how the value prints.
 */

const MSB_FIRST = new Uint32Array(256);
const REFLECTED = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let m = n << 24;
  let r = n;
  for (let k = 0; k < 8; k++) {
    m = m & 0x80000000 ? (m << 1) ^ 0x04c11db7 : m << 1;
    r = r & 1 ? (r >>> 1) ^ 0xedb88320 : r >>> 1;
  }
  MSB_FIRST[n] = m >>> 0;
  REFLECTED[n] = r >>> 0;
}

/** CRC-32/BZIP2, as an unsigned 32-bit number. */
export function crc32Bzip2(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (crc << 8) ^ MSB_FIRST[((crc >>> 24) ^ bytes[i]) & 0xff];
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 (ITU V.42, zip), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (crc >>> 8) ^ REFLECTED[(crc ^ bytes[i]) & 0xff];
  return (crc ^ 0xffffffff) >>> 0;
}
