/**
 * Where a JSON text stops being JSON, and what was expected there, told without quoting the text.
 *
 * Why not JSON.parse's own message: V8 quotes the input around the fault (Node 20: `Unexpected
 * token 'w', …"ret_key": wJalrXUtnF"… is not valid JSON`), and the text may be a configuration
 * into which someone pasted a secret. This scanner follows RFC 8259 (what JSON.parse accepts) and
 * describes what it found by kind — "a letter", "a digit", "the end of the text" — naming only
 * JSON's own punctuation. Call it after JSON.parse has failed; it does not build values.
 *
 * Iterative (a stack of open containers), so a deeply nested text cannot overflow the call stack.
 */

export interface JsonSyntaxError {
  /** UTF-16 offset of the fault in the text. */
  offset: number;
  /** 1-based, counting `\n`. */
  line: number;
  /** 1-based, in UTF-16 units from the start of the line. */
  column: number;
  expected: string;
  found: string;
}

const A_VALUE = 'a value (object, array, string, number, true, false or null)';
const JSON_PUNCTUATION = new Set(['{', '}', '[', ']', ':', ',', '"', "'"]);

/** The first syntax error of `text`, or undefined when it is JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const open: ('object' | 'array')[] = [];
  const fail = (expected: string): JsonSyntaxError => ({ offset: at, ...position(text, at), expected, found: describeCharacter(text, at) });
  const skipWhitespace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };

  skipWhitespace();
  for (;;) {
    // A value starts here.
    const char = text[at];
    let problem: string | undefined;
    if (char === '{') {
      at++;
      skipWhitespace();
      if (text[at] === '}') at++;
      else {
        open.push('object');
        problem = readPropertyName();
        if (problem === undefined) continue;
      }
    } else if (char === '[') {
      at++;
      skipWhitespace();
      if (text[at] === ']') at++;
      else {
        open.push('array');
        continue;
      }
    } else if (char === '"') problem = readString();
    else if (char === '-' || isDigit(char)) problem = readNumber();
    else if (char === 't' || char === 'f' || char === 'n') problem = readLiteral(char === 't' ? 'true' : char === 'f' ? 'false' : 'null');
    else problem = A_VALUE;
    if (problem !== undefined) return fail(problem);

    // After a value: close containers, or go on to the next element.
    for (;;) {
      skipWhitespace();
      const container = open.at(-1);
      if (container === undefined) return at < text.length ? fail('the end of the text after the top-level value') : undefined;
      const close = container === 'object' ? '}' : ']';
      if (text[at] === close) {
        at++;
        open.pop();
        continue;
      }
      if (text[at] !== ',') return fail(container === 'object' ? "',' or '}' after a property value" : "',' or ']' after an array element");
      at++;
      skipWhitespace();
      if (container === 'object') {
        const nameProblem = readPropertyName();
        if (nameProblem !== undefined) return fail(nameProblem);
      }
      break;
    }
  }

  /** `"name"` then `:`; leaves `at` at the value. */
  function readPropertyName(): string | undefined {
    if (text[at] !== '"') return 'a property name in double quotes';
    const problem = readString();
    if (problem !== undefined) return problem;
    skipWhitespace();
    if (text[at] !== ':') return "':' after a property name";
    at++;
    skipWhitespace();
    return undefined;
  }

  function readString(): string | undefined {
    at++; // the opening quote
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        at++;
        return undefined;
      }
      if (code < 0x20) return 'a character other than a control character in a string (write \\n, \\t, \\u0000 …)';
      if (code === 0x5c) {
        at++;
        const escape = text[at];
        if (escape === 'u') {
          for (let digit = 1; digit <= 4; digit++) {
            at++;
            if (!/^[0-9A-Fa-f]$/.test(text[at] ?? '')) return 'four hex digits after \\u';
          }
        } else if (escape === undefined || !'"\\/bfnrt'.includes(escape)) {
          return 'an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX';
        }
      }
      at++;
    }
    return 'a closing double quote';
  }

  function readNumber(): string | undefined {
    if (text[at] === '-') at++;
    if (text[at] === '0') at++;
    else if (isDigit(text[at])) while (isDigit(text[at])) at++;
    else return 'a digit';
    if (text[at] === '.') {
      at++;
      if (!isDigit(text[at])) return 'a digit after the decimal point';
      while (isDigit(text[at])) at++;
    }
    if (text[at] === 'e' || text[at] === 'E') {
      at++;
      if (text[at] === '+' || text[at] === '-') at++;
      if (!isDigit(text[at])) return 'a digit in the exponent';
      while (isDigit(text[at])) at++;
    }
    return undefined;
  }

  function readLiteral(word: string): string | undefined {
    for (const letter of word) {
      if (text[at] !== letter) return A_VALUE;
      at++;
    }
    return undefined;
  }
}

/** `expected …, found …, at line L, column C`: for a text JSON.parse refused. */
export function describeJsonSyntaxError(text: string): string {
  const error = findJsonSyntaxError(text);
  return error ? `expected ${error.expected}, found ${error.found}, at line ${error.line}, column ${error.column}` : 'refused by JSON.parse';
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** What stands at `offset`, by kind: never the character itself unless it is JSON punctuation. */
function describeCharacter(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the text';
  const char = text[offset];
  if (JSON_PUNCTUATION.has(char)) return `'${char}'`;
  if (/^[A-Za-z]$/.test(char)) return 'a letter';
  if (isDigit(char)) return 'a digit';
  const code = char.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return 'a control character';
  if (code > 0x7f) return 'a non-ASCII character';
  return 'a symbol';
}
