/**
 * Base64 as Fastly's digest.base64* and bin.* functions use it: RFC 4648's standard alphabet
 * (`+/`) and its URL alphabet (`-_`), encoding with or without `=` padding, and decoding as the
 * digest.base64_decode page describes it: characters outside the alphabet are skipped (they add
 * no bits), and with padding on, the first `=` ends the input (digest.base64url_nopad_decode
 * treats `=` as just another skipped character, so `aGVsbG8=0` decodes to `hello4`).
 *
 * Owns: the codec over bytes. Does not own: how bytes become VCL strings (byte-string.ts) or
 * the NUL truncation of decoded strings (functions/digest.ts).
 */

export type Base64Alphabet = 'standard' | 'url';

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeTable(alphabet: string): Int8Array {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

const DECODE = { standard: decodeTable(STANDARD), url: decodeTable(URL) };

const STRICT_STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The Base64 of a binary string (one code unit per byte, as btoa takes it), natively: the
 * Compute runtime interprets JavaScript, where a loop over the bytes costs far more
 * (text-escapes.ts on speed).
 */
export function encodeBinaryBase64(binary: string, alphabet: Base64Alphabet = 'standard', padded = true): string {
  let out = btoa(binary);
  if (alphabet === 'url') out = out.replaceAll('+', '-').replaceAll('/', '_');
  return padded ? out : out.replace(/=+$/, '');
}

export function encodeBase64(bytes: Uint8Array, alphabet: Base64Alphabet = 'standard', padded = true): string {
  const chars = alphabet === 'url' ? URL : STANDARD;
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += chars[n >> 18] + chars[(n >> 12) & 63] + chars[(n >> 6) & 63] + chars[n & 63];
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
    out += chars[n >> 18] + chars[(n >> 12) & 63] + (rest === 2 ? chars[(n >> 6) & 63] : '');
    if (padded) out += rest === 2 ? '=' : '==';
  }
  return out;
}

/**
 * Decodes to a binary string (one code unit per byte), skipping characters outside the alphabet;
 * `stopAtPadding`: the first `=` ends the input. Well-formed input goes natively through atob
 * (the same bits); the rest, with characters to skip or padding to stop at, character by character.
 */
export function decodeBase64Binary(text: string, alphabet: Base64Alphabet = 'standard', stopAtPadding = true): string {
  const standard = alphabet === 'url' ? text.replaceAll('-', '+').replaceAll('_', '/') : text;
  const wellFormed = stopAtPadding ? STRICT_STANDARD.test(standard) : /^[A-Za-z0-9+/]*$/.test(standard);
  if (wellFormed && (alphabet === 'standard' || !/[+/]/.test(text)) && standard.replace(/=+$/, '').length % 4 !== 1) {
    return atob(standard);
  }
  const table = DECODE[alphabet];
  let out = '';
  let bits = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && stopAtPadding) break;
    const v = c < 128 ? table[c] : -1;
    if (v < 0) continue;
    bits = ((bits << 6) | v) & 0xffffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += String.fromCharCode((bits >> count) & 0xff);
    }
  }
  return out;
}

/** decodeBase64Binary as bytes. */
export function decodeBase64(text: string, alphabet: Base64Alphabet = 'standard', stopAtPadding = true): Uint8Array {
  const binary = decodeBase64Binary(text, alphabet, stopAtPadding);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
