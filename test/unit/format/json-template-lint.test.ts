/**
 * The JSON template scanner (format/json-template.ts) through lintFormat: every structural
 * problem it names, with the column it points at, and the templates it accepts. What a user sees
 * when a format cannot render JSON, pinned message by message.
 */
import { describe, expect, it } from 'vitest';
import { lintFormat } from '../../../src/format/index.js';

const PREFIX = 'the format is JSON, but no line it renders can parse: ';
const problems = (format: string) => lintFormat(format).map((w) => [w.column, w.message.split(' at line ')[0].replace(PREFIX, '')]);

describe('JSON template problems, with their column', () => {
  it.each([
    ['{"a":"%U', 9, `the line ends inside a JSON string: expected a closing '"'`],
    ['["%U"', 6, "the line ends with a JSON array still open: expected ']'"],
    [' {"a":%D', 9, "the line ends with a JSON object still open: expected '}'"],
    ['{"a":%D %D}', 9, "a value is written here, where JSON expects ',' or '}'"],
    ['{"a":"x"}%D', 10, 'a value is written here, where JSON expects the end of the line (the JSON value is complete)'],
    ['{"a":"\\q%U"}', 7, "'\\q' is not a JSON escape (JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX): write \\\\q for a backslash followed by 'q'"],
    ['{"a":"\\u12%U"}', 7, "'\\u' is not a JSON escape (JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX): write \\\\u for a backslash followed by 'u'"],
    ['{"a":"\u001f%U"}', 7, 'a control character (U+001F) inside a JSON string: write it as an escape such as \\t'],
    ['{"a" [%D]}', 6, "unexpected '[': JSON expects ':' after the key"],
    ['{"a":1,,"b":%D}', 8, "unexpected ',': JSON expects a key in quotes (or '}')"],
    ['{"a": , "b": %D}', 7, "unexpected ',': JSON expects a value"],
    ['{"a"::%D}', 6, "unexpected ':': JSON expects a value"],
    ['{"a":tru,"b":%D}', 6, "'tru' is not a JSON value: write a string in quotes, a number, true, false or null"],
    ['{"a":tru,"b":1,"c":%D}', 6, "'tru' is not a JSON value: write a string in quotes, a number, true, false or null"],
    ['{"a":01,"b":%D}', 7, "unexpected '1': JSON expects ',' or '}'"],
    ['[%D] x', 6, "unexpected 'x': JSON expects the end of the line (the JSON value is complete)"],
    ['{ ]', 3, "unexpected ']': JSON expects a key in quotes (or '}')"],
    ['[ }', 3, "unexpected '}': JSON expects a value"],
    ['{"a":}%D', 6, "unexpected '}': JSON expects a value"],
    ['{"a":[%D, ]}', 11, "unexpected ']': JSON expects a value"],
    ['{"a":%D]', 8, "unexpected ']': JSON expects ',' or '}'"],
    ['[%D}', 4, "unexpected '}': JSON expects ',' or ']'"],
    ['{"a":{"b":%D]}', 13, "unexpected ']': JSON expects ',' or '}'"],
  ])('%j', (format, column, message) => {
    expect(problems(format)).toEqual([[column, message]]);
  });
});

describe('JSON templates without problems', () => {
  it.each([
    '{"a":"\\u00e9 %U"}',
    '{"a":"\\/ \\b \\f \\n \\r \\t \\" \\\\ %U"}',
    '{"a":-1.5e+3,"b":true,"c":false,"d":null,"e":0,"f":%D}',
    '{"a":1.25,"b":1e5,"c":2E-10,"d":%D}',
    '{"a":[ \t ],"b":{ },"c":%D}',
    '[%D,{ },[ ]]',
    ' {"a":%D}',
  ])('%j', (format) => {
    expect(lintFormat(format)).toEqual([]);
  });

  it('a format whose first character is not { or [ (after spaces) is not a JSON template', () => {
    expect(lintFormat('x{"a":%D')).toEqual([]);
  });
});
