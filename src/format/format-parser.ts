/**
 * Format-string parser: Fastly format-version-2 text → literal and directive nodes.
 *
 * Owns: the outer grammar of reference/log-format.md §2: `%%`, `%X`, `%>X`/`%<X`, `%{arg}X`,
 * `%^ti`/`%^to`, the argument escapes (`\\` `\{` `\}` `\"` stand for `\` `{` `}` `"`; a backslash
 * before any other character is kept, so Fastly's Kinesis default `"\2\3"` and the heredoc
 * spelling `"\\2\\3"` both reach regsub as group references), and §11.6 (a newline in a
 * multi-line format, LF, CRLF or CR, becomes one space).
 * Does not own: whether a letter exists or what it prints (directives.ts), nor the VCL inside
 * `%{…}V` (expr-lexer.ts / expr-parser.ts). Syntax errors throw FormatError with a caret.
 *
 * Contract: a `}` that is not escaped always ends the argument (Fastly compiles the format to
 * VCL, so braces inside an expression must be written `\{` `\}`).
 */
import type { DirectiveNode, FormatNode, MappedText } from './ast.js';
import { formatErrorAt } from './errors.js';

export function parseFormat(source: string): FormatNode[] {
  const nodes: FormatNode[] = [];
  const n = source.length;
  let literal = '';
  let literalOffsets: number[] = [];
  const flush = (): void => {
    if (literal) nodes.push({ kind: 'literal', text: literal, offsets: literalOffsets });
    literal = '';
    literalOffsets = [];
  };
  let i = 0;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c !== 37 /* % */) {
      literal += c === 13 /* CR */ || c === 10 ? ' ' : source[i];
      literalOffsets.push(i);
      i += c === 13 && source.charCodeAt(i + 1) === 10 ? 2 : 1;
      continue;
    }
    const start = i;
    i += 1;
    if (i >= n) {
      throw formatErrorAt(source, start, "expected a directive letter after '%' (write %% for a literal %)");
    }
    if (source[i] === '%') {
      literal += '%';
      literalOffsets.push(start);
      i += 1;
      continue;
    }
    if (source[i] === '!' || isDigit(source.charCodeAt(i))) {
      throw formatErrorAt(
        source,
        i,
        'Apache status-code conditions (such as %400,501{Name}i) are not supported: expected a directive letter',
      );
    }
    let modifier: DirectiveNode['modifier'] = '';
    if (source[i] === '>' || source[i] === '<') {
      modifier = source[i] as '<' | '>';
      i += 1;
    }
    let arg: MappedText | null = null;
    if (source[i] === '{') {
      arg = readArgument(source, i + 1, start);
      i = arg.end + 1;
    }
    if (i >= n) {
      throw formatErrorAt(source, i, `expected a directive letter after '${source.slice(start, i)}'`);
    }
    if (arg && !/[A-Za-z^]/.test(source[i])) {
      throw formatErrorAt(
        source,
        i,
        `expected a directive letter after '}', found '${String.fromCodePoint(source.codePointAt(i) ?? 0)}': a '}' inside %{…} ends it, so write braces in expressions as \\{ and \\}`,
      );
    }
    let letter: string;
    if (source[i] === '^' && i + 2 < n) {
      letter = source.slice(i, i + 3);
    } else {
      letter = String.fromCodePoint(source.codePointAt(i) ?? 0);
    }
    flush();
    nodes.push({ kind: 'directive', letter, modifier, arg, pos: start, letterPos: i });
    i += letter.length;
  }
  flush();
  return nodes;
}

/** Reads a `{…}` argument starting after the `{`; `end` is the offset of the closing `}`. */
function readArgument(source: string, from: number, directiveStart: number): MappedText {
  let text = '';
  const offsets: number[] = [];
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (c === '}') return { text, offsets, end: i };
    if (c === '\\') {
      const next = source[i + 1];
      if (next === '{' || next === '}' || next === '"' || next === '\\') {
        text += next;
        offsets.push(i + 1);
        i += 2;
        continue;
      }
    }
    if (c === '\r' || c === '\n') {
      text += ' ';
      offsets.push(i);
      i += c === '\r' && source[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    text += c;
    offsets.push(i);
    i += 1;
  }
  throw formatErrorAt(
    source,
    directiveStart,
    "unterminated '%{': expected '}' followed by a directive letter (write \\} for a literal brace)",
  );
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
