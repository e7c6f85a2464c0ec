/**
 * String functions that work on characters or bytes: json.escape, cstr_escape, xml_escape,
 * urlencode, urldecode, std.tolower/toupper, substr, std.strlen.
 *
 * Owns: the exact output of each, per Fastly's reference pages (§7 of reference/log-format.md,
 * §11.4 for hex case) and the byte model of src/facts/byte-string.ts (invalid UTF-8 bytes are
 * U+DC80..U+DCFF in engine strings).
 * Does not own: argument typing or not-set handling (functions/).
 */
import { decodeBytes, encodeUtf8, forEachUtf8Byte, isWellFormedText, utf8ByteLength } from '../facts/byte-string.js';

/*
 * Speed: the Compute runtime interprets JavaScript (SpiderMonkey without a JIT), where a loop
 * step or a callback costs microseconds, so a function that visits every character of an 8 KB
 * header can cost tens of milliseconds of the 50 ms an execution may use. What runs per character
 * here is native where it can be: TextEncoder, encodeURIComponent, replaceAll with fixed strings,
 * regex tests; JavaScript loops only see the characters that need escaping.
 */

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/** The string's bytes in the byte model (byte-string.ts), natively when it is well formed. */
export function utf8Bytes(s: string): Uint8Array {
  return isWellFormedText(s) ? UTF8.encode(s) : encodeUtf8(s);
}

/**
 * Strings json.escape leaves unchanged: no `"`, `\`, C0 control, DEL, U+2028/9 or surrogate.
 * An anchored greedy class lets the regex engine run one tight loop, several times faster than
 * a charCodeAt loop or an unanchored search on typical 50–200 character values.
 */
const JSON_UNCHANGED = /^[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u2027\u202a-\ud7ff\ue000-\uffff]*$/;

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * json.escape (https://www.fastly.com/documentation/reference/vcl/functions/strings/json-escape/):
 * `"` `\` and \b \t \n \f \r by name; other C0 controls, DEL, U+2028 and U+2029 as `\uHHHH`
 * (upper-case hex, §11.4); astral characters as an upper-case surrogate pair `\uD83D\uDE01`;
 * everything else unchanged. Input that came from invalid UTF-8 makes the conversion fail:
 * the result is null (not set), as on Fastly.
 */
export function jsonEscape(s: string): string | null {
  if (JSON_UNCHANGED.test(s)) return s;
  if (!isWellFormedText(s)) return null;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x08: out += '\\b'; continue;
      case 0x09: out += '\\t'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0c: out += '\\f'; continue;
      case 0x0d: out += '\\r'; continue;
    }
    if (c <= 0x1f || c === 0x7f || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) {
      out += `\\u${hex4(c)}`;
    } else {
      out += s[i];
    }
  }
  return out;
}

/**
 * cstr_escape (https://www.fastly.com/documentation/reference/vcl/functions/strings/cstr-escape/),
 * per UTF-8 byte: `"` `\` and \b \t \n \v \r by name; other bytes ≤ 0x1F or ≥ 0x7F as `\xhh`
 * (two lower-case hex digits, §11.4), so every byte of a multi-byte character is escaped.
 */
export function cstrEscape(s: string): string {
  return CSTR_UNCHANGED.test(s) ? s : s.replace(CSTR_RUNS, cstrEscapeRun);
}

/** Printable ASCII other than `"` and `\`: what cstr_escape leaves alone. */
const CSTR_UNCHANGED = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const CSTR_RUNS = /[^\x20\x21\x23-\x5b\x5d-\x7e]+/g;

function cstrEscapeRun(run: string): string {
  let out = '';
  forEachUtf8Byte(run, (b) => {
    switch (b) {
      case 0x22: out += '\\"'; return;
      case 0x5c: out += '\\\\'; return;
      case 0x08: out += '\\b'; return;
      case 0x09: out += '\\t'; return;
      case 0x0a: out += '\\n'; return;
      case 0x0b: out += '\\v'; return;
      case 0x0d: out += '\\r'; return;
    }
    out += b <= 0x1f || b >= 0x7f ? `\\x${b < 16 ? '0' : ''}${b.toString(16)}` : String.fromCharCode(b);
  });
  return out;
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  );
}

/**
 * urlencode: every byte except A-Z a-z 0-9 `-` `.` `_` `~` as `%HH` (upper-case hex): natively by
 * encodeURIComponent, which also keeps `! * ' ( )`, then those five.
 */
export function urlEncode(s: string): string {
  if (URL_UNRESERVED.test(s)) return s;
  if (!isWellFormedText(s)) return urlEncodeBytes(s);
  return encodeURIComponent(s).replaceAll('!', '%21').replaceAll('*', '%2A').replaceAll("'", '%27').replaceAll('(', '%28').replaceAll(')', '%29');
}

const URL_UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** urlencode byte by byte, for text with invalid UTF-8 (which encodeURIComponent refuses). */
function urlEncodeBytes(s: string): string {
  let out = '';
  forEachUtf8Byte(s, (b) => {
    out += isUnreserved(b) ? String.fromCharCode(b) : `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
  });
  return out;
}

/**
 * urldecode (https://www.fastly.com/documentation/reference/vcl/functions/strings/urldecode/):
 * `%HH` → byte, `+` → space (Fastly's example decodes `hello%20world+!` to `hello world !`);
 * a `%` not followed by two hex digits is kept; a decoded NUL ends the string (VCL strings are
 * NUL-terminated). Bytes that are not valid UTF-8 follow the byte model (U+DC80..U+DCFF).
 */
export function urlDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const bytes: number[] = [];
  let i = 0;
  const pushText = (text: string): void => forEachUtf8Byte(text, (b) => bytes.push(b));
  while (i < s.length) {
    const c = s[i];
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      const b = parseInt(s.slice(i + 1, i + 3), 16);
      if (b === 0) break;
      bytes.push(b);
      i += 3;
      continue;
    }
    if (c === '+') {
      bytes.push(0x20);
      i++;
      continue;
    }
    const cp = s.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    pushText(ch);
    i += ch.length;
  }
  return decodeBytes(bytes);
}

/** std.tolower: ASCII letters only (C locale). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** std.toupper: ASCII letters only (C locale). */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** std.strlen: length in bytes, as VCL strings are byte strings. */
export function byteLength(s: string): number {
  return ASCII_ONLY.test(s) ? s.length : isWellFormedText(s) ? UTF8.encode(s).length : utf8ByteLength(s);
}

const ASCII_ONLY = /^[\u0000-\u007f]*$/;

/**
 * substr(s, offset, length?) over bytes, like Fastly's
 * (https://www.fastly.com/documentation/reference/vcl/functions/strings/substr/): a negative
 * offset counts from the end; a negative length stops that many bytes before the end; a range
 * partly outside the string is cut to it (`substr("abcdefg", 5, 3)` is `fg`); a range wholly
 * outside it is not set (`substr("abc", 4, 2)`), except that one starting just at the end is ""
 * (`substr("abc", 3, 2)`). A multi-byte character cut by either end of the range is left out
 * whole rather than split (Fastly would emit a broken byte sequence).
 */
export function byteSubstr(s: string, offset: number, length?: number): string | null {
  if (ASCII_ONLY.test(s)) {
    const range = substrRange(s.length, offset, length);
    return range && s.slice(range[0], range[1]);
  }
  if (isWellFormedText(s)) {
    // Natively: cut the bytes, moving each end onto a character's first byte (not 0b10xxxxxx).
    const bytes = UTF8.encode(s);
    const byteRange = substrRange(bytes.length, offset, length);
    if (!byteRange) return null;
    let [from, to] = byteRange;
    while (from < to && (bytes[from] & 0xc0) === 0x80) from++;
    while (to < bytes.length && to > from && (bytes[to] & 0xc0) === 0x80) to--;
    return UTF8_DECODER.decode(bytes.subarray(from, to));
  }
  const range = substrRange(utf8ByteLength(s), offset, length);
  if (!range) return null;
  const [start, end] = range;
  // Text with invalid bytes: walk the code units once, keeping the first and last whole character inside [start, end).
  let from = -1;
  let to = s.length;
  let pos = 0;
  for (let i = 0; i < s.length && pos < end; ) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : c >= 0xdc80 && c <= 0xdcff ? 1 : 3;
    const units = pair ? 2 : 1;
    if (from < 0 && pos >= start) from = i;
    if (pos + size > end) {
      to = i;
      break;
    }
    pos += size;
    i += units;
    if (pos >= end) to = i;
  }
  return from < 0 ? '' : s.slice(from, Math.max(from, to));
}

/**
 * The [start, end) that substr and utf8.substr take of a string of `total` units, or null when
 * the request lies wholly outside it (not set). Shared so both count ranges the same way.
 */
export function substrRange(total: number, offset: number, length: number | undefined): [number, number] | null {
  const start = offset < 0 ? total + offset : offset;
  const end = length === undefined ? total : length < 0 ? total + length : start + length;
  if (start > total || end < start || end < 0 || (start < 0 && end === 0)) return null;
  return [Math.max(0, start), Math.min(total, end)];
}

/**
 * xml_escape (https://www.fastly.com/documentation/reference/vcl/functions/strings/xml-escape/):
 * byte by byte, `&` `<` `>` `'` `"` as `&amp;` `&lt;` `&gt;` `&apos;` `&quot;` (XML 1.0 §2.4);
 * every other byte unchanged, so escaping never touches a multi-byte character.
 */
export function xmlEscape(s: string): string {
  if (!XML_SPECIAL.test(s)) return s;
  // `&` first, so the entities written after it are not escaped again.
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&apos;').replaceAll('"', '&quot;');
}

const XML_SPECIAL = /[&<>'"]/;
