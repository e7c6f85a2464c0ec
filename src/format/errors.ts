/**
 * FormatError, FormatWarning and the caret report for them.
 *
 * Owns: the error type every part of the engine throws for a format (or condition) that does not
 * compile, the warning type lint.ts returns for one that compiles but is risky, and the
 * translation of a source offset into line, column and a two-line caret excerpt.
 * Does not own: deciding what is wrong (the lexer, parsers and compiler do that).
 *
 * Positions: `line` and `column` are 1-based; columns count Unicode code points, so an astral
 * character is one column. Lines are separated by LF, CRLF or CR. For lines longer than
 * CARET_WINDOW_CHARS the excerpt is a window around the column, marked with `…` at cut ends, so
 * that a 3,000-character JSON format still gives a readable caret.
 */

/** A format (or condition) that does not parse: where, what was found, what was expected. */
export class FormatError extends Error {
  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    /** 1-based line of the source. */
    readonly line: number,
    /** 1-based column, in code points. */
    readonly column: number,
    /** Two lines: the source line (or a window of it) and a `^` under the column. */
    readonly caret: string,
  ) {
    super(`${reason} at line ${line}, column ${column}\n${caret}`);
    this.name = 'FormatError';
  }
}

/** Longest source line shown whole in a caret excerpt. */
export const CARET_WINDOW_CHARS = 100;
const WINDOW_BEFORE_CHARS = 60;

/** Builds a FormatError for `reason` at UTF-16 offset `offset` of `source`. */
export function formatErrorAt(source: string, offset: number, reason: string): FormatError {
  const { line, column, caret } = locate(source, offset);
  return new FormatError(reason, line, column, caret);
}

/**
 * Something that compiles (Fastly accepts it) but deserves attention, such as a regex whose
 * engine caps the subjects it matches, or a JSON template whose line cannot parse; printed like
 * a FormatError, with its position and caret.
 */
export class FormatWarning {
  /** The reason, the position and the caret, as one text. */
  readonly message: string;

  constructor(
    /** What is risky, and what to write instead. */
    readonly reason: string,
    /** 1-based line of the source. */
    readonly line: number,
    /** 1-based column, in code points. */
    readonly column: number,
    /** Two lines: the source line (or a window of it) and a `^` under the column. */
    readonly caret: string,
  ) {
    this.message = `${reason} at line ${line}, column ${column}\n${caret}`;
  }
}

/** Builds a FormatWarning for `reason` at UTF-16 offset `offset` of `source`. */
export function formatWarningAt(source: string, offset: number, reason: string): FormatWarning {
  const { line, column, caret } = locate(source, offset);
  return new FormatWarning(reason, line, column, caret);
}

/** Line and column (1-based, in code points) of `offset`, and the caret excerpt under it. */
function locate(source: string, offset: number): { line: number; column: number; caret: string } {
  const at = Math.max(0, Math.min(offset, source.length));
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < at; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  let lineEnd = lineStart;
  while (lineEnd < source.length && source[lineEnd] !== '\n' && source[lineEnd] !== '\r') lineEnd++;
  const chars = Array.from(source.slice(lineStart, lineEnd));
  const column = Array.from(source.slice(lineStart, at)).length + 1;
  return { line, column, caret: caretExcerpt(chars, column - 1) };
}

function caretExcerpt(chars: string[], index: number): string {
  let from = 0;
  let to = chars.length;
  if (chars.length > CARET_WINDOW_CHARS) {
    from = Math.max(0, index - WINDOW_BEFORE_CHARS);
    to = Math.min(chars.length, from + CARET_WINDOW_CHARS);
    from = Math.max(0, Math.min(from, to - CARET_WINDOW_CHARS));
  }
  const head = from > 0 ? '…' : '';
  const tail = to < chars.length ? '…' : '';
  const shown = chars.slice(from, to);
  // Tabs are copied so the caret lines up under the same terminal tab stops.
  const pad = shown
    .slice(0, index - from)
    .map((c) => (c === '\t' ? '\t' : ' '))
    .join('');
  return `${head}${shown.join('')}${tail}\n${head ? ' ' : ''}${pad}^`;
}
