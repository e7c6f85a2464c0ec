/**
 * Lexer for VCL expressions (the text of `%{…}V` and of response conditions).
 *
 * Owns: tokens and VCL literal syntax: short strings `"…"` with `%XX`, `%uXXXX` and `%u{…}`
 * escapes (`%00` ends the string; the bytes must be valid UTF-8), long strings `{"…"}` and
 * heredocs `{id"…"id}` without escapes, integers (decimal and `0x`), floats, RTIME literals
 * (`10s`, `1.5m`, `100ms` …), identifiers (`req.http.User-Agent`, `req.http.Cookie:id`) and
 * operators. Source: https://www.fastly.com/documentation/reference/vcl/types/string/ .
 * Does not own: grammar (expr-parser.ts). Errors throw FormatError at the source position.
 */
import { decodeBytes, forEachUtf8Byte, isWellFormedText } from '../facts/byte-string.js';
import type { MappedText } from './ast.js';
import { formatErrorAt } from './errors.js';

export type Token =
  | { kind: 'string'; value: string; valueOffsets: number[]; pos: number }
  | { kind: 'number'; numType: 'INTEGER' | 'FLOAT' | 'RTIME'; value: number; pos: number; text: string }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'op'; op: string; pos: number }
  | { kind: 'eof'; pos: number };

/** The expression source: the text to lex and where each unit sits in the original source. */
export interface ExprSource {
  /** The whole original format or condition (for carets). */
  readonly source: string;
  readonly mapped: MappedText;
}

const OPERATORS = ['&&', '||', '==', '!=', '!~', '<=', '>=', '(', ')', ',', '+', '-', '!', '<', '>', '~'];

/** RTIME literal units and their size in microseconds. */
const RTIME_UNITS_US: Record<string, number> = {
  ms: 1e3,
  s: 1e6,
  m: 60e6,
  h: 3600e6,
  d: 86400e6,
  y: 365 * 86400e6,
};

export function tokenize(src: ExprSource): Token[] {
  const { text, offsets, end } = src.mapped;
  const at = (i: number): number => (i < offsets.length ? offsets[i] : end);
  const fail = (i: number, reason: string): never => {
    throw formatErrorAt(src.source, at(i), reason);
  };
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '"') {
      i = lexShortString(text, i, at, fail, tokens);
      continue;
    }
    if (c === '{') {
      i = lexLongString(text, i, at, fail, tokens);
      continue;
    }
    if (isDigit(c)) {
      i = lexNumber(text, i, at, fail, tokens);
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < text.length && isIdentPart(text[j])) j++;
      if (text[j] === ':' && j + 1 < text.length && isIdentPart(text[j + 1])) {
        j += 2;
        while (j < text.length && isIdentPart(text[j])) j++;
      }
      tokens.push({ kind: 'ident', name: text.slice(i, j), pos: at(i) });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', op, pos: at(i) });
      i += op.length;
      continue;
    }
    if (c === '=') fail(i, "unexpected '=': expected '==' to compare (an expression cannot assign)");
    if (c === '&' || c === '|') fail(i, `unexpected '${c}': expected '${c}${c}'`);
    if (c === '}') fail(i, "unexpected '}': expected an expression (write \\{ and \\} for braces inside %{…})");
    fail(i, `unexpected character '${String.fromCodePoint(text.codePointAt(i) ?? 0)}': expected an expression`);
  }
  tokens.push({ kind: 'eof', pos: end });
  return tokens;
}

function lexShortString(
  text: string,
  start: number,
  at: (i: number) => number,
  fail: (i: number, reason: string) => never,
  tokens: Token[],
): number {
  const bytes: number[] = [];
  const byteOffsets: number[] = [];
  let truncated = false;
  let i = start + 1;
  for (;;) {
    if (i >= text.length) fail(start, 'unterminated string literal: expected a closing \'"\'');
    const c = text[i];
    if (c === '"') break;
    if (c === '%') {
      const escape = readPercentEscape(text, i);
      if (!escape) {
        fail(i, 'invalid percent escape in string literal: expected %XX, %uXXXX or %u{X…} (write %25 for a literal %)');
      }
      if (escape.byte === 0 || escape.codePoint === 0) truncated = true;
      if (!truncated) {
        if (escape.byte !== undefined) {
          bytes.push(escape.byte);
          byteOffsets.push(at(i));
        } else {
          const cp = escape.codePoint ?? 0;
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail(i, 'invalid code point in %u escape');
          forEachUtf8Byte(String.fromCodePoint(cp), (b) => {
            bytes.push(b);
            byteOffsets.push(at(i));
          });
        }
      }
      i += escape.length;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (!truncated) {
      forEachUtf8Byte(ch, (b) => {
        bytes.push(b);
        byteOffsets.push(at(i));
      });
    }
    i += ch.length;
  }
  const value = decodeBytes(bytes);
  if (!isWellFormedText(value)) fail(start, 'string literal is not valid UTF-8 (check its %XX escapes)');
  const valueOffsets: number[] = [];
  let b = 0;
  for (let k = 0; k < value.length; k++) {
    valueOffsets.push(byteOffsets[b] ?? at(i));
    const u = value.charCodeAt(k);
    if (u >= 0xd800 && u <= 0xdbff) {
      valueOffsets.push(byteOffsets[b] ?? at(i));
      k++;
      b += 4;
    } else b += u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
  }
  tokens.push({ kind: 'string', value, valueOffsets, pos: at(start) });
  return i + 1;
}

function readPercentEscape(
  text: string,
  i: number,
): { byte?: number; codePoint?: number; length: number } | null {
  const hex2 = text.slice(i + 1, i + 3);
  if (/^[0-9a-fA-F]{2}$/.test(hex2)) return { byte: parseInt(hex2, 16), length: 3 };
  if (text[i + 1] === 'u' || text[i + 1] === 'U') {
    const hex4 = text.slice(i + 2, i + 6);
    if (/^[0-9a-fA-F]{4}$/.test(hex4)) return { codePoint: parseInt(hex4, 16), length: 6 };
    const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(text.slice(i + 2, i + 11));
    if (braced) return { codePoint: parseInt(braced[1], 16), length: 2 + braced[0].length };
  }
  return null;
}

function lexLongString(
  text: string,
  start: number,
  at: (i: number) => number,
  fail: (i: number, reason: string) => never,
  tokens: Token[],
): number {
  let j = start + 1;
  while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
  if (text[j] !== '"') {
    fail(start, "unexpected '{': expected a long string {\"…\"} (write \\{ and \\} for braces inside %{…})");
  }
  const delimiter = text.slice(start + 1, j);
  const close = `"${delimiter}}`;
  const bodyStart = j + 1;
  const bodyEnd = text.indexOf(close, bodyStart);
  if (bodyEnd < 0) fail(start, `unterminated long string: expected '${close}'`);
  const value = text.slice(bodyStart, bodyEnd);
  const valueOffsets: number[] = [];
  for (let k = bodyStart; k < bodyEnd; k++) valueOffsets.push(at(k));
  tokens.push({ kind: 'string', value, valueOffsets, pos: at(start) });
  return bodyEnd + close.length;
}

function lexNumber(
  text: string,
  start: number,
  at: (i: number) => number,
  fail: (i: number, reason: string) => never,
  tokens: Token[],
): number {
  const hex = /^0[xX][0-9a-fA-F]+/.exec(text.slice(start));
  let j: number;
  let numType: 'INTEGER' | 'FLOAT' | 'RTIME';
  let value: number;
  if (hex) {
    j = start + hex[0].length;
    numType = 'INTEGER';
    value = parseInt(hex[0].slice(2), 16);
  } else {
    const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(start)) as RegExpExecArray;
    j = start + m[0].length;
    value = Number(m[0]);
    numType = m[1] ? 'FLOAT' : 'INTEGER';
    const unit = /^(ms|s|m|h|d|y)(?![A-Za-z0-9_.])/.exec(text.slice(j));
    if (unit) {
      numType = 'RTIME';
      value = Math.round(value * RTIME_UNITS_US[unit[1]]);
      j += unit[0].length;
    }
  }
  if (j < text.length && isIdentPart(text[j])) {
    fail(start, `invalid number '${text.slice(start, j + 1)}': expected digits, optionally with an RTIME unit (ms, s, m, h, d, y)`);
  }
  tokens.push({ kind: 'number', numType, value, pos: at(start), text: text.slice(start, j) });
  return j;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c) || c === '.' || c === '-';
}
