import { describe, expect, it } from 'vitest';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../../../src/json/syntax-error.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it.each([
    ['a bare word where a value goes', `{"secret_key": ${SECRET}}`, 1, 16, 'a value (object, array, string, number, true, false or null)', 'a letter'],
    ['a missing comma, on the second line', '{"a": "x"\n "b": 1}', 2, 2, "',' or '}' after a property value", "'\"'"],
    ['a trailing comma', '[1, 2,]', 1, 7, 'a value (object, array, string, number, true, false or null)', "']'"],
    ['single quotes', "{'a': 1}", 1, 2, 'a property name in double quotes', "'''"],
    ['an unterminated string', '{"a": "xyz', 1, 11, 'a closing double quote', 'the end of the text'],
    ['a raw newline in a string', '["a\nb"]', 1, 4, 'a character other than a control character in a string (write \\n, \\t, \\u0000 …)', 'a control character'],
    ['a bad escape', '["\\x41"]', 1, 4, 'an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX', 'a letter'],
    ['a short \\u escape', '["\\u12G4"]', 1, 7, 'four hex digits after \\u', 'a letter'],
    ['a leading zero', '[01]', 1, 3, "',' or ']' after an array element", 'a digit'],
    ['a bare decimal point', '[1.]', 1, 4, 'a digit after the decimal point', "']'"],
    ['an empty exponent', '[1e+]', 1, 5, 'a digit in the exponent', "']'"],
    ['a minus alone', '[-]', 1, 3, 'a digit', "']'"],
    ['text after the value', '{} x', 1, 4, 'the end of the text after the top-level value', 'a letter'],
    ['a misspelt literal', '[tru]', 1, 5, 'a value (object, array, string, number, true, false or null)', "']'"],
    ['an empty text', '', 1, 1, 'a value (object, array, string, number, true, false or null)', 'the end of the text'],
    ['a missing colon', '{"a" 1}', 1, 6, "':' after a property name", 'a digit'],
    ['a non-ASCII character', '[é]', 1, 2, 'a value (object, array, string, number, true, false or null)', 'a non-ASCII character'],
  ])('%s', (_, text, line, column, expected, found) => {
    expect(parses(text)).toBe(false);
    expect(findJsonSyntaxError(text)).toEqual({ offset: text.split('\n').slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0) + column - 1, line, column, expected, found });
  });

  it('never quotes the text: a pasted secret stays out of the message', () => {
    const message = describeJsonSyntaxError(`{"endpoints": "main",\n "secret_key": ${SECRET}"}`);
    expect(message).toBe('expected a value (object, array, string, number, true, false or null), found a letter, at line 2, column 16');
    for (let i = 0; i + 4 <= SECRET.length; i++) expect(message).not.toContain(SECRET.slice(i, i + 4));
  });

  it('accepts what JSON.parse accepts, and nests deeper than the call stack would allow', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -0.5e-3, true, false, null, "\\u00e9\\n\\"", {"b": {}}]} ', '"x"', '0', '-1E+2', `${'['.repeat(100_000)}${']'.repeat(100_000)}`]) {
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it('agrees with JSON.parse on 20,000 mutated documents', () => {
    const random = seededRandom(11);
    const base = JSON.stringify({ endpoints: 'main,errors', main: { stream_name: 'logs', region: 'eu-west-1', sample_rate: 0.5, n: [1, -2e3, true, null] }, s: 'a\\"b\u00e9' });
    const pieces = ['{', '}', '[', ']', ':', ',', '"', '\\', ' ', '\n', '0', '1', '-', '.', 'e', 't', 'x', 'u', '\u0001'];
    let broken = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = base;
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * (text.length + 1));
        const kind = random();
        const piece = pieces[Math.floor(random() * pieces.length)];
        if (kind < 0.4) text = text.slice(0, at) + piece + text.slice(at);
        else if (kind < 0.8) text = text.slice(0, at) + text.slice(at + 1);
        else text = text.slice(0, at) + piece + text.slice(at + 1);
      }
      const error = findJsonSyntaxError(text);
      expect(error === undefined, text).toBe(parses(text));
      if (error) broken++;
    }
    expect(broken).toBeGreaterThan(10_000);
  });
});
