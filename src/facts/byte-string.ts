/**
 * How bytes become engine strings, and back: UTF-8 with "surrogateescape".
 *
 * Owns: the one convention by which raw bytes (header values, URLs, decoded `%XX` escapes) are
 * represented as JavaScript strings anywhere in the facts model and the format engine, plus the
 * byte-level helpers built on it (UTF-8 encoding, byte length, well-formedness).
 * Does not own: any VCL semantics (escaping functions live in src/format/text-escapes.ts).
 *
 * Contract. Valid UTF-8 decodes to the usual code points. Every byte that is not part of a valid
 * UTF-8 sequence (e.g. 0xFF, a truncated 0xCC, an overlong form, an encoded surrogate) becomes
 * the lone low surrogate U+DC80 + (byte − 0x80), as Python's `surrogateescape` error handler
 * (PEP 383) does. The mapping is lossless: `encodeUtf8(decodeBytes(b))` returns `b` again.
 * Any other lone surrogate (U+D800–U+DBFF unpaired, U+DC00–U+DC7F) cannot come from bytes; it is
 * encoded as its 3-byte generalised UTF-8 form (WTF-8) so that it still counts as invalid.
 *
 * Consequences, relied on by the format engine: a string "came from invalid UTF-8" exactly when
 * it is not well formed (has a lone surrogate); `json.escape` then fails (not set, like Fastly),
 * while `cstr_escape`, `urlencode` and the digests see the original bytes.
 */

/** Decodes bytes as UTF-8; invalid bytes map to U+DC80..U+DCFF (see module comment). */
export function decodeBytes(bytes: ArrayLike<number>): string {
  let out = '';
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i += 1;
      continue;
    }
    const cp = decodeSequence(bytes, i, n);
    if (cp < 0) {
      out += String.fromCharCode(0xdc00 + b0);
      i += 1;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return out;
}

/** The code point of a valid multi-byte sequence starting at `i`, or -1. */
function decodeSequence(bytes: ArrayLike<number>, i: number, n: number): number {
  const b0 = bytes[i];
  const cont = (k: number): number => {
    const b = i + k < n ? bytes[i + k] : -1;
    return b >= 0x80 && b <= 0xbf ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? -1 : ((b0 & 0x1f) << 6) | c1;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return -1;
    const cp = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
    // Overlong forms and UTF-16 surrogates are not valid UTF-8.
    return cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) ? -1 : cp;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return -1;
    const cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    return cp < 0x10000 || cp > 0x10ffff ? -1 : cp;
  }
  return -1;
}

/**
 * Calls `emit` with each byte of the string's UTF-8 form (surrogateescape reversed; other lone
 * surrogates as 3-byte WTF-8). Avoids allocating when callers only need to look at bytes.
 */
export function forEachUtf8Byte(s: string, emit: (byte: number) => void): void {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      emit(c);
      continue;
    }
    if (c < 0x800) {
      emit(0xc0 | (c >> 6));
      emit(0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        emit(0xf0 | (c >> 18));
        emit(0x80 | ((c >> 12) & 0x3f));
        emit(0x80 | ((c >> 6) & 0x3f));
        emit(0x80 | (c & 0x3f));
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      emit(c - 0xdc00);
      continue;
    }
    emit(0xe0 | (c >> 12));
    emit(0x80 | ((c >> 6) & 0x3f));
    emit(0x80 | (c & 0x3f));
  }
}

/** The string's bytes (see module comment). */
export function encodeUtf8(s: string): Uint8Array {
  const out = new Uint8Array(utf8ByteLength(s));
  let k = 0;
  forEachUtf8Byte(s, (b) => {
    out[k++] = b;
  });
  return out;
}

/** Number of bytes `encodeUtf8(s)` would produce, without allocating. */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else if (c >= 0xdc80 && c <= 0xdcff) n += 1;
    else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the string is valid Unicode text, i.e. did not come from invalid UTF-8. */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
