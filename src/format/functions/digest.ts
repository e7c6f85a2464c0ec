/**
 * Cryptographic and encoding functions
 * (https://www.fastly.com/documentation/reference/vcl/functions/cryptographic/): digest.hash_*
 * (MD5, SHA-1/224/256/384/512, CRC-32 both ways, xxHash 32/64, and the *_from_base64 forms),
 * digest.hmac_* (hex with `0x`, or Base64; digest.hmac_sha256_with_base64_key takes its key in
 * Base64), digest.awsv4_hmac, digest.base64* encoders and
 * decoders, digest.secure_is_equal, bin.base64_to_hex, bin.hex_to_base64.
 *
 * Owns: how a VCL string becomes the bytes hashed (its UTF-8 bytes, byte-string.ts), and how
 * results print, per the pages' examples: hashes as lower-case hex (digest.hash_sha256
 * ("123456789") is `15e2b0d3…`); the two CRCs as the hex of their four bytes least significant
 * first (`181989fc` and `2639f4cb` for "123456789"); xxHash most significant first
 * (digest.hash_xxh64("abc") is `44bc2cf5ad770999`); HMACs as `0x` + lower-case hex or as padded
 * Base64; bin.base64_to_hex in upper case. An HMAC with an empty or not-set key is not set (the
 * hmac_sha1_base64 page); a decoded string ends at its first NUL byte (the base64_decode page);
 * an invalid bin.* input sets EINVAL and is not set.
 * Does not own: the algorithms (src/hash/, base64.ts).
 */
import { decodeBytes, isWellFormedText } from '../../facts/byte-string.js';
import { crc32, crc32Bzip2 } from '../../hash/crc32.js';
import { hmac, HASHES, type HashAlgorithm } from '../../hash/hmac.js';
import { xxh32, xxh64 } from '../../hash/xxhash.js';
import { utf8Bytes } from '../text-escapes.js';
import { argText } from '../coercion.js';
import { decodeBase64, decodeBase64Binary, encodeBase64, encodeBinaryBase64, type Base64Alphabet } from '../base64.js';
import { MAY_HAVE_NEWLINES, NO_NEWLINES } from '../newlines.js';
import { ofOneString, unary, type FunctionDef } from './define.js';

export function hex(bytes: Uint8Array, upper = false): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return upper ? out.toUpperCase() : out;
}

/** A 32-bit value as the hex of its bytes, least significant first (the CRC pages' form). */
function littleEndianHex(value: number): string {
  return hex(Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24));
}

type Digest = (bytes: Uint8Array) => string;

const DIGESTS: Record<string, Digest> = {
  md5: (b) => hex(HASHES.md5.digest(b)),
  sha1: (b) => hex(HASHES.sha1.digest(b)),
  sha224: (b) => hex(HASHES.sha224.digest(b)),
  sha256: (b) => hex(HASHES.sha256.digest(b)),
  sha384: (b) => hex(HASHES.sha384.digest(b)),
  sha512: (b) => hex(HASHES.sha512.digest(b)),
  crc32: (b) => littleEndianHex(crc32Bzip2(b)),
  crc32b: (b) => littleEndianHex(crc32(b)),
  xxh32: (b) => xxh32(b).toString(16).padStart(8, '0'),
  xxh64: (b) => xxh64(b).toString(16).padStart(16, '0'),
};

const hashOf = (digest: Digest): FunctionDef => unary((s) => digest(utf8Bytes(s)), NO_NEWLINES);
const hashOfBase64 = (digest: Digest): FunctionDef => unary((s) => digest(decodeBase64(s)), NO_NEWLINES);

/**
 * HMAC of the message's UTF-8 bytes under the key's bytes (its UTF-8 bytes, or for
 * digest.hmac_sha256_with_base64_key its Base64 decoding); not set for an empty key.
 */
function hmacOf(hash: HashAlgorithm, encode: (mac: Uint8Array) => string, keyBytes: (key: string) => Uint8Array = utf8Bytes): FunctionDef {
  return {
    params: ['STRING', 'STRING'],
    minArgs: 2,
    pure: true,
    newlineRisk: NO_NEWLINES,
    returns: 'STRING',
    build: ([keyArg, messageArg]) => {
      const key = argText(keyArg);
      const message = argText(messageArg);
      return (ctx) => {
        const k = key(ctx);
        return k === '' ? null : encode(hmac(hash, keyBytes(k), utf8Bytes(message(ctx))));
      };
    },
  };
}

const hmacHex = (hash: HashAlgorithm): FunctionDef => hmacOf(hash, (mac) => `0x${hex(mac)}`);
const hmacBase64 = (hash: HashAlgorithm): FunctionDef => hmacOf(hash, (mac) => encodeBase64(mac));

/**
 * digest.awsv4_hmac(key, date, region, service, string_to_sign): the AWS Signature Version 4
 * signature, lower-case hex (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 */
const awsv4Hmac: FunctionDef = {
  params: ['STRING', 'STRING', 'STRING', 'STRING', 'STRING'],
  minArgs: 5,
  pure: true,
  newlineRisk: NO_NEWLINES,
  returns: 'STRING',
  build: (args) => {
    const [key, date, region, service, stringToSign] = args.map(argText);
    return (ctx) => {
      let signingKey = utf8Bytes(`AWS4${key(ctx)}`);
      for (const part of [date(ctx), region(ctx), service(ctx), 'aws4_request']) signingKey = hmac(HASHES.sha256, signingKey, utf8Bytes(part));
      return hex(hmac(HASHES.sha256, signingKey, utf8Bytes(stringToSign(ctx))));
    };
  },
};

/** A string's UTF-8 bytes as a binary string, natively for well-formed text (`unescape` reads `%XX` as bytes). */
function utf8Binary(s: string): string | null {
  return /^[\x00-\x7f]*$/.test(s) ? s : isWellFormedText(s) ? unescape(encodeURIComponent(s)) : null;
}

const encode = (alphabet: Base64Alphabet, padded: boolean): FunctionDef =>
  unary((s) => {
    const binary = utf8Binary(s);
    return binary === null ? encodeBase64(utf8Bytes(s), alphabet, padded) : encodeBinaryBase64(binary, alphabet, padded);
  }, NO_NEWLINES);

/**
 * A decoded binary string as text: up to its first NUL, in the byte model; natively when it is
 * ASCII or valid UTF-8 (`escape` writes each byte as `%XX` for decodeURIComponent to read).
 */
function decodedText(binary: string): string {
  const nul = binary.indexOf('\0');
  const kept = nul < 0 ? binary : binary.slice(0, nul);
  if (/^[\x00-\x7f]*$/.test(kept)) return kept;
  try {
    return decodeURIComponent(escape(kept));
  } catch {
    return decodeBytes(Array.from(kept, (c) => c.charCodeAt(0)));
  }
}

const decode = (alphabet: Base64Alphabet, stopAtPadding: boolean): FunctionDef =>
  unary((s) => decodedText(decodeBase64Binary(s, alphabet, stopAtPadding)), MAY_HAVE_NEWLINES);

/** Compares every byte whatever the first difference, so the time taken says nothing of where. */
const secureIsEqual: FunctionDef = {
  params: ['STRING', 'STRING'],
  minArgs: 2,
  pure: true,
  returns: 'BOOL',
  build: ([a, b]) => {
    const left = argText(a);
    const right = argText(b);
    return (ctx) => {
      const x = utf8Bytes(left(ctx));
      const y = utf8Bytes(right(ctx));
      let diff = x.length ^ y.length;
      for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
      return diff === 0;
    };
  },
};

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const STRICT_HEX = /^([0-9a-fA-F]{2})*$/;

const base64ToHex = ofOneString(
  'STRING',
  (text, ctx) => {
    const padded = text.endsWith('=');
    if (!STRICT_BASE64.test(text) || (padded && text.length % 4 !== 0) || text.length % 4 === 1) {
      ctx.fastlyError = 'EINVAL';
      return null;
    }
    return hex(decodeBase64(text), true);
  },
  NO_NEWLINES,
);

const hexToBase64 = ofOneString(
  'STRING',
  (text, ctx) => {
    if (!STRICT_HEX.test(text)) {
      ctx.fastlyError = 'EINVAL';
      return null;
    }
    const bytes = new Uint8Array(text.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    return encodeBase64(bytes);
  },
  NO_NEWLINES,
);

export const DIGEST_FUNCTIONS: Record<string, FunctionDef> = {
  ...Object.fromEntries(Object.entries(DIGESTS).map(([name, d]) => [`digest.hash_${name}`, hashOf(d)])),
  ...Object.fromEntries(
    ['sha1', 'sha256', 'sha512', 'xxh32', 'xxh64'].map((name) => [`digest.hash_${name}_from_base64`, hashOfBase64(DIGESTS[name])]),
  ),
  'digest.hmac_md5': hmacHex(HASHES.md5),
  'digest.hmac_sha1': hmacHex(HASHES.sha1),
  'digest.hmac_sha256': hmacHex(HASHES.sha256),
  'digest.hmac_sha512': hmacHex(HASHES.sha512),
  'digest.hmac_md5_base64': hmacBase64(HASHES.md5),
  'digest.hmac_sha1_base64': hmacBase64(HASHES.sha1),
  'digest.hmac_sha256_base64': hmacBase64(HASHES.sha256),
  'digest.hmac_sha512_base64': hmacBase64(HASHES.sha512),
  'digest.hmac_sha256_with_base64_key': hmacOf(HASHES.sha256, (mac) => `0x${hex(mac)}`, (key) => decodeBase64(key)),
  'digest.awsv4_hmac': awsv4Hmac,
  'digest.base64': encode('standard', true),
  'digest.base64url': encode('url', true),
  'digest.base64url_nopad': encode('url', false),
  'digest.base64_decode': decode('standard', true),
  'digest.base64url_decode': decode('url', true),
  'digest.base64url_nopad_decode': decode('url', false),
  'digest.secure_is_equal': secureIsEqual,
  'bin.base64_to_hex': base64ToHex,
  'bin.hex_to_base64': hexToBase64,
};
