/**
 * Patterns that could backtrack exponentially run on RE2 (linear-regex.ts): same matches and
 * groups as the backtracking engine, a hostile subject that would take minutes on a backtracking
 * engine answers at once, over-long subjects do not match, and patterns RE2 cannot express are
 * refused at compile time with the reason. Nothing is timed: on a backtracking engine the
 * hostile subjects below take 2^40 steps, so the tests would not finish if they ran there.
 */
import { describe, expect, it } from 'vitest';
import { compileCondition, compileFormat, FormatError } from '../../../../src/format/index.js';
import { LINEAR_SUBJECT_MAX_CHARS } from '../../../../src/format/regex/linear.js';
import { compileRegex, matchGroups, regsub, regsuball, parseReplacement } from '../../../../src/format/regex/regsub.js';
import { factsFromVclJson } from '../../../../src/format/facts-from-vcl.js';

const facts = (headers: Record<string, string>) =>
  factsFromVclJson(Object.fromEntries(Object.entries(headers).map(([k, v]) => [`req.http.${k}`, v])));

describe('engine choice', () => {
  it.each(['^(a+)+$', '(a|a)*', '(\\w+\\s?)+$', '(?i)(A+)+B', '^(?P<word>[a-z]+,?)+$'])('%j runs on RE2', (pattern) => {
    expect(compileRegex(pattern).engine).toBe('linear');
  });

  it.each(['^a+$', '(\\w+\\.)+com', '^(HIT-(SYNTH)|(HITPASS|HIT|MISS|PASS|ERROR|PIPE)).*', '(a+)++'])('%j stays on the JavaScript engine', (pattern) => {
    expect(compileRegex(pattern).engine).toBe('backtracking');
  });
});

describe('RE2 agrees with the JavaScript engine on ordinary subjects', () => {
  it.each([
    ['^(a+)+$', 'aaa', ['aaa', 'aaa']],
    ['^(a+)+$', 'aab', null],
    ['(\\w+\\s?)+$', 'hello big world', ['hello big world', 'world']],
    ['(?i)(A+)+B', 'xaaB', ['aaB', 'aa']],
    ['^(?P<word>[a-z]+,?)+$', 'ab,cd', ['ab,cd', 'cd']],
    ['(x|x)*(y)?', 'xxz', ['xx', 'x', undefined]],
    ['(é+)+(😀)', 'aéé😀', ['éé😀', 'éé', '😀']],
  ])('%j on %j', (pattern, input, expected) => {
    expect(matchGroups(compileRegex(pattern), input)).toEqual(expected);
  });

  it('regsub and regsuball insert RE2 groups by PCRE number', () => {
    const regex = compileRegex('(b|b)+(c)');
    expect(regsub(regex, 'abbcabc', parseReplacement('[\\2\\1]', regex))).toBe('a[cb]abc');
    expect(regsuball(regex, 'abbcabc', parseReplacement('[\\2\\1]', regex))).toBe('a[cb]a[cb]');
    const empty = compileRegex('(a|a)*');
    expect(regsuball(empty, 'xay', parseReplacement('-', empty))).toBe('-x--y-');
  });

  it('String.prototype.replace and split go through RE2 as well', () => {
    const { global } = compileRegex('(a|a)+');
    expect('baab'.replace(global, '<$1>')).toBe('b<a>b');
    expect('xaayaz'.split(global)).toEqual(['x', 'a', 'y', 'a', 'z']);
  });
});

describe('hostile subjects', () => {
  const hostile = 'a'.repeat(40) + '!';

  it('a 40-character header against ^(a+)+$ in a condition answers false', () => {
    const condition = compileCondition('req.http.X ~ "^(a+)+$"');
    expect(condition.test(facts({ X: hostile }))).toBe(false);
    expect(condition.test(facts({ X: 'a'.repeat(40) }))).toBe(true);
  });

  it('and in a format', () => {
    const format = compileFormat('%{if(req.http.X ~ "^(a+)+$", "match", "no")}V %{regsub(req.http.X, "^(a|a)*!", "[\\0]")}V');
    expect(format.render(facts({ X: hostile }))).toBe(`no [${hostile}]`);
  });

  it(`subjects over ${LINEAR_SUBJECT_MAX_CHARS} characters do not match (as Fastly's EREGRECUR: no match, no replacement)`, () => {
    const regex = compileRegex('^(a+)+$');
    expect(matchGroups(regex, 'a'.repeat(LINEAR_SUBJECT_MAX_CHARS))).not.toBeNull();
    expect(matchGroups(regex, 'a'.repeat(LINEAR_SUBJECT_MAX_CHARS + 1))).toBeNull();
    expect(regsub(regex, 'a'.repeat(LINEAR_SUBJECT_MAX_CHARS + 1), parseReplacement('x', regex))).toHaveLength(LINEAR_SUBJECT_MAX_CHARS + 1);
  });
});

describe('patterns RE2 cannot express are refused', () => {
  it.each([
    ['(a+)+\\1', 'invalid escape sequence: `\\1`'],
    ['(a+)+(?=b)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(a|a)*\\Z', 'invalid escape sequence: `\\Z`'],
    ['(\\h+\\s?)+', 'invalid escape sequence: `\\h`'],
  ])('%j', (pattern, reason) => {
    let error: unknown;
    try {
      compileFormat(`%{regsub(req.url, "${pattern.replaceAll('\\', '\\')}", "")}V`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    const message = (error as FormatError).message;
    expect(message).toContain('such a pattern runs on the linear-time engine (RE2) here, and RE2 cannot express this one');
    expect(message).toContain(reason);
  });

  it('points the caret at the construct', () => {
    expect(() => compileCondition('req.http.X ~ "x(a+)+\\1"')).toThrow(/at line 1, column 16\n/);
  });
});
