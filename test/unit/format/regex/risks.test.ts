/**
 * Backtracking warnings: nested unbounded quantifiers over overlapping characters and repeated
 * overlapping alternatives warn (with their span); patterns whose split is forced do not. Lint
 * places the warning in the format with a caret; Fastly's default formats lint clean.
 */
import { describe, expect, it } from 'vitest';
import { findBacktrackingRisks } from '../../../../src/format/regex/risks.js';
import {
  BIGQUERY_EXAMPLE_FORMAT,
  CLF_FORMAT,
  DATADOG_DEFAULT_FORMAT,
  FASTLY_UI_JSON_FORMAT,
  FormatError,
  FormatWarning,
  KINESIS_DEFAULT_FORMAT,
  lintCondition,
  lintFormat,
} from '../../../../src/format/index.js';
import { translatePcre } from '../../../../src/format/regex/pcre.js';

const risks = (pattern: string) => findBacktrackingRisks(translatePcre(pattern), pattern);

describe('findBacktrackingRisks', () => {
  it.each([
    ['^(a+)+$', 1, 6],
    ['(a*)*', 0, 5],
    ['(a|a)*', 0, 6],
    ['(\\w+\\s?)+', 0, 9],
    ['(\\d+\\.?)+', 0, 9],
    ['(?:a+|b)+', 0, 9],
    ['(x+x+)+y', 0, 7],
    ['(.*)*', 0, 5],
    ['(\\w|\\d)+', 0, 8],
    ['(\\s|.)*', 0, 7],
    ['((ab)+)+', 0, 8],
    ['(a+?)+', 0, 6],
    ['(?i)(A+)+B', 4, 9],
    ['x(?:[^;]+;?)*y', 1, 13],
  ])('%j warns at [%d, %d)', (pattern, index, end) => {
    const found = risks(pattern);
    expect(found.map((r) => [r.index, r.end])).toEqual([[index, end]]);
    expect(found[0].message).toContain('exponential time');
  });

  it.each([
    '(\\w+\\.)+com',
    '(\\w+\\s)+',
    '(?:\\s*,\\s*\\w+)*',
    '(?:[a-z]+[0-9])+',
    '(a|ab)*c',
    '(?>a+)+',
    '(a++)+',
    '(a+)++',
    '(?:a{1,3})+',
    '(.*a){12}',
    '[^/]+/[^/]+',
    '^/(\\w+)/(\\w+)',
    '^(HIT|MISS)$',
    '^(HIT-(SYNTH)|(HITPASS|HIT|MISS|PASS|ERROR|PIPE)).*',
    '(?:(?=a+)a)+b',
  ])('%j does not warn', (pattern) => {
    expect(risks(pattern)).toEqual([]);
  });

  it('names the construct and a possessive rewrite', () => {
    expect(risks('^(a+)+$')[0].message).toBe(
      "'(a+)+' repeats 'a+' inside another repetition over the same characters, so on a backtracking engine a " +
        'subject that almost matches takes exponential time to fail; expected one quantifier, ' +
        'or a possessive inner one such as a++',
    );
    expect(risks('(a|a)*')[0].message).toBe(
      "'(a|a)*' repeats alternatives that match the same character ('a|a'), so on a backtracking engine a subject " +
        'that almost matches takes exponential time to fail; expected alternatives that ' +
        'cannot match the same text, or an atomic group (?>…)',
    );
  });

  it('warns once for nested risks, at the outermost construct', () => {
    expect(risks('((a+)+)+').map((r) => r.index)).toEqual([0]);
    expect(risks('(a+)+b(c*)*').map((r) => r.index)).toEqual([0, 6]);
  });
});

describe('lintFormat and lintCondition', () => {
  it('place each warning under the regex with line, column and caret', () => {
    const warnings = lintFormat('{\n  "a":"%{regsub(req.url, "^(a+)+$", "")}V",\n  "b":"%{if(req.url ~ "(\\w+\\.)+com", "1", "0")}V"\n}');
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(warning).toBeInstanceOf(FormatWarning);
    expect([warning.line, warning.column]).toEqual([2, 28]);
    expect(warning.caret).toBe('  "a":"%{regsub(req.url, "^(a+)+$", "")}V",\n                           ^');
    expect(warning.message).toMatch(/^regular expression "\^\(a\+\)\+\$": '\(a\+\)\+' repeats 'a\+' .* at line 2, column 28\n/);
    expect(warning.message).toContain('It runs on the linear-time engine (RE2) here');
  });

  it('lint conditions', () => {
    const [warning] = lintCondition('req.http.X ~ "(x|x)*y"');
    expect([warning.line, warning.column]).toEqual([1, 15]);
  });

  it("find nothing in Fastly's formats", () => {
    for (const format of [CLF_FORMAT, KINESIS_DEFAULT_FORMAT, DATADOG_DEFAULT_FORMAT, BIGQUERY_EXAMPLE_FORMAT, FASTLY_UI_JSON_FORMAT]) {
      expect(lintFormat(format)).toEqual([]);
    }
  });

  it('throw FormatError for text that does not compile', () => {
    expect(() => lintFormat('%{req.url ~ "(a"}V')).toThrow(FormatError);
    expect(() => lintCondition('resp.status >=')).toThrow(FormatError);
  });
});
