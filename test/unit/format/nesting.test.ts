/**
 * Expression depth: deep nesting is a FormatError with a caret (never a RangeError from a stack
 * overflow), up to MAX_NESTING_DEPTH it compiles, and long operator chains are not nesting.
 */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson } from '../../../src/format/facts-from-vcl.js';
import { MAX_NESTING_DEPTH } from '../../../src/format/expr-parser.js';
import { compileCondition, compileFormat, FormatError } from '../../../src/format/index.js';

const facts = factsFromVclJson({
  'time.start': '2024-03-05T14:07:09.123456Z',
  'time.end': '2024-03-05T14:07:09.170789Z',
  'req.method': 'GET',
  'req.url': '/',
  'req.proto': 'HTTP/1.1',
  'resp.status': 503,
  'resp.body_bytes_written': 0,
});

function errorOf(compile: () => unknown): FormatError {
  try {
    compile();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  }
  throw new Error('expected a FormatError');
}

const parens = (n: number, inner: string): string => `${'('.repeat(n)}${inner}${')'.repeat(n)}`;
const REASON = `nesting deeper than ${MAX_NESTING_DEPTH} levels: expected at most ${MAX_NESTING_DEPTH} nested parentheses, calls or '!'`;

describe('expression nesting limit', () => {
  it('is 64 levels', () => {
    expect(MAX_NESTING_DEPTH).toBe(64);
  });

  it('rejects 2,000 nested parentheses in a format with a caret at the first level too deep', () => {
    const error = errorOf(() => compileFormat(`%{${parens(2000, 'true')}}V`));
    expect(error.reason).toBe(REASON);
    expect(error.line).toBe(1);
    expect(error.column).toBe(3 + MAX_NESTING_DEPTH);
    expect(error.caret.split('\n')[1]).toMatch(/^ *\^$/);
  });

  it('rejects 2,000 nested parentheses in a condition', () => {
    const error = errorOf(() => compileCondition(parens(2000, 'resp.status >= 500')));
    expect(error.reason).toBe(REASON);
    expect(error.column).toBe(1 + MAX_NESTING_DEPTH);
  });

  it("rejects deep '!' chains and deep calls", () => {
    expect(errorOf(() => compileCondition(`${'!'.repeat(5000)}req.is_ssl`)).reason).toBe(REASON);
    const calls = `${'std.tolower('.repeat(3000)}"A"${')'.repeat(3000)}`;
    expect(errorOf(() => compileFormat(`%{${calls}}V`)).reason).toBe(REASON);
  });

  it('accepts exactly the limit', () => {
    expect(compileFormat(`%{${parens(MAX_NESTING_DEPTH, 'resp.status')}}V`).render(facts)).toBe('503');
    expect(compileCondition(`${'!'.repeat(MAX_NESTING_DEPTH - 1)}req.is_ssl`).test(facts)).toBe(true);
    expect(() => compileFormat(`%{${parens(MAX_NESTING_DEPTH + 1, 'resp.status')}}V`)).toThrow(FormatError);
  });

  it('does not count long || and && chains as nesting, and keeps their meaning', () => {
    const statuses = Array.from({ length: 5000 }, (_, i) => `resp.status == ${i + 1000}`);
    expect(compileCondition([...statuses, 'resp.status == 503'].join(' || ')).test(facts)).toBe(true);
    expect(compileCondition(statuses.join(' || ')).test(facts)).toBe(false);
    const all = Array.from({ length: 5000 }, () => 'resp.status == 503');
    expect(compileCondition(all.join(' && ')).test(facts)).toBe(true);
    expect(compileCondition([...all, 'req.is_ssl'].join(' && ')).test(facts)).toBe(false);
  });

  it('evaluates chains left to right: re.group comes from the first successful match', () => {
    const format = compileFormat('%{if(req.url ~ "^(/)" || req.method ~ "^(G)" || req.proto ~ "^(H)", re.group.1, "none")}V');
    expect(format.render(facts)).toBe('/');
  });
});
