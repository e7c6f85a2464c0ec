/**
 * The engine choice (issue 20): a pattern proven linear on the native engine runs there; every
 * other pattern RE2 can express runs on RE2, whatever its shape; only the constructs RE2 lacks keep
 * a pattern on the backtracking engine, which then matches subjects up to its cap. Both forms of a
 * pattern (JS and RE2) match as PCRE does (groups by PCRE number, `$` before a final newline, PCRE's
 * `\s`); over a cap, regsub returns its input, `~` is false, `!~` true and fastly.error EREGRECUR.
 * Nothing is timed: the hostile subjects here take 2^40 steps on a backtracking engine, so the tests
 * would not finish if those patterns ran there.
 */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson } from '../../../../src/format/facts-from-vcl.js';
import { compileCondition, compileFormat, KINESIS_DEFAULT_FORMAT } from '../../../../src/format/index.js';
import { RE2JS } from 're2js';
import { BACKTRACKING_SUBJECT_MAX_CHARS, compileRegex, LINEAR_SUBJECT_MAX_CHARS, matchGroups } from '../../../../src/format/regex/index.js';
import { BacktrackingEngine } from '../../../../src/format/regex/backtracking.js';
import type { Engine } from '../../../../src/format/regex/engine.js';
import { compileLinear, LINEAR_CAPTURE_WORK_MAX } from '../../../../src/format/regex/linear.js';
import { translatePcre } from '../../../../src/format/regex/pcre.js';
import { parseReplacement, regsub, regsuball } from '../../../../src/format/regex/regsub.js';

const facts = (headers: Record<string, string>) =>
  factsFromVclJson(Object.fromEntries(Object.entries(headers).map(([k, v]) => [`req.http.${k}`, v])));

describe('engine choice', () => {
  it.each([
    '^(HIT-(SYNTH)|(HITPASS|HIT|MISS|PASS|ERROR|PIPE)).*',
    '\\.(js|css|png|jpg)(\\?|$)',
    '^/products/[0-9]+/',
    '\\?.*',
    '(?i)bot|crawler|spider',
    '(?m)^x$',
    '(?x) a b # comment',
    '\\Aa?b?c?[^/]{2,9}',
    '\\p{Greek}[[:alpha:]]\\x{263A}\\Q.*\\E',
    'a',
    // Anchored, and every repetition but the last stops at a literal it cannot match.
    '^Mozilla/([0-9.]+) .*$',
    '^([^;]*);([^;]*);(.*)$',
    '(?i)^[0-9]+x\\d+',
    // One repetition, last (inside groups).
    '(a+)',
    'key=((?:[^&]*))',
  ])('%j is proven linear on the native engine, which runs it with no cap', (pattern) => {
    const regex = compileRegex(pattern);
    expect(regex.engine).toBe('native');
    expect(regex.constructs).toEqual([]);
    expect(regex.maxSubjectChars).toBe(Infinity);
  });

  it.each([
    '^(a+)+$',
    '(a|a)*',
    '^((a+)+)+$',
    '^(\\d+\\.?){1,12}$',
    '^(a+){1,30}$',
    '(\\w+\\s?)+$',
    '(?i)(A+)+B',
    '^(?P<word>[a-z]+,?)+$',
    '\\h+\\Z',
    // One repetition, but unanchored and not last: n² over all start positions.
    'x.*y',
    '\\?.*$',
    '(?:x.*|y)',
    '(a+)?b',
    // Anchored, but a repetition followed by another (n² splits), by a class, or by a literal it matches.
    '^a+b+$',
    '^(\\w+)\\s(\\w+)$',
    '^[a-z]+a.*',
    '(?i)^[a-z]+X.*',
    '^(?:a+|b+)c',
    // \R can take one character or two, so a repetition of it can split exponentially.
    '^\\R*$',
    // More than 64 ways through the fixed part.
    '(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)',
  ])('%j runs on RE2', (pattern) => {
    const regex = compileRegex(pattern);
    expect(regex.engine).toBe('linear');
    expect(regex.constructs).toEqual([]);
    expect(regex.maxSubjectChars).toBe(LINEAR_SUBJECT_MAX_CHARS);
  });

  it.each([
    ['^((a)\\2*)+$', ['back-reference \\2']],
    ['(?P<w>\\w+) (?P=w) \\k<w>', ['back-reference (?P=w)', 'back-reference \\k<w>']],
    ['^/(?!api/)', ['negative look-ahead (?!']],
    ['(?=a)(?<=b)(?<!c)', ['look-ahead (?=', 'look-behind (?<=', 'negative look-behind (?<!']],
    ['x\\w++y', ['possessive quantifier \\w++']],
    ['(?>a|ab)c', ['atomic group (?>']],
    ['a{1001}', ['a form RE2 refuses (invalid repeat count: `{1001}`)']],
  ])('%j runs on the backtracking engine, for %j', (pattern, constructs) => {
    const regex = compileRegex(pattern);
    expect(regex.engine).toBe('backtracking');
    expect(regex.constructs.map((c) => c.name)).toEqual(constructs);
    expect(regex.maxSubjectChars).toBe(BACKTRACKING_SUBJECT_MAX_CHARS);
  });

  it('compiles a pattern once per instance', () => {
    expect(compileRegex('^(x+)+y$')).toBe(compileRegex('^(x+)+y$'));
  });
});

/** Both forms of a pattern: the JS one (native engine, no cap) and the RE2 one. */
function forms(pattern: string): Array<[string, Engine]> {
  const translated = translatePcre(pattern);
  const re2 = translated.re2 && compileLinear(translated.re2, translated.groupCount);
  if (typeof re2 !== 'object') throw new Error(`${pattern}: no RE2 form (${String(re2)})`);
  return [['JS', new BacktrackingEngine(translated, Infinity)], ['RE2', re2]];
}

describe('both forms match as PCRE does', () => {
  it.each([
    ['^(a+)+$', 'aaa', ['aaa', 'aaa']],
    ['^(a+)+$', 'aab', null],
    ['(\\w+\\s?)+$', 'hello big world', ['hello big world', 'world']],
    ['(?i)(A+)+B', 'xaaB', ['aaB', 'aa']],
    ['^(?P<word>[a-z]+,?)+$', 'ab,cd', ['ab,cd', 'cd']],
    ['(x|x)*(y)?', 'xxz', ['xx', 'x', undefined]],
    ['(é+)+(😀)', 'aéé😀', ['éé😀', 'éé', '😀']],
    // PCRE keeps a group's value from an earlier iteration (JavaScript would read it as unset).
    ['(?:(a)|b)+', 'ab', ['ab', 'a']],
    // PCRE's $ and \Z also match before a final newline.
    ['b$', 'ab\n', ['b']],
    ['b\\Z', 'ab\n', ['b']],
    ['b\\z', 'ab\n', null],
    ['^(\\w+)$', 'word\n', ['word', 'word']],
    // PCRE's \s is ASCII white space and VT; not NBSP (JavaScript's is).
    ['a\\sb', 'a\u000bb', ['a\u000bb']],
    ['a\\sb', 'a\u00a0b', null],
    ['a[^\\S]b', 'a\u000bb', ['a\u000bb']],
    ['a[\\S]b', 'a\u00a0b', ['a\u00a0b']],
    ['\\h+', 'a \t\u00a0b', [' \t\u00a0']],
  ])('%j on %j', (pattern, input, expected) => {
    for (const [form, engine] of forms(pattern)) {
      // JavaScript reads a group that did not take part in the last iteration as unset.
      const wanted = form === 'JS' && pattern === '(?:(a)|b)+' ? ['ab', undefined] : expected;
      expect(engine.exec(input, 0, translatePcre(pattern).groupCount)?.groups ?? null, form).toEqual(wanted);
    }
  });

  it('RE2 form, known difference: on a subject of several lines that ends with a newline, $ matches only at the very end', () => {
    const [[, js], [, re2]] = forms('b$');
    expect(js.test('a\nb\n')).toBe(true);
    expect(re2.test('a\nb\n')).toBe(false);
    expect(forms('(?m)b$')[1][1].test('a\nb\n')).toBe(true);
  });

  it('RE2 form, known difference: under (?m), ^ also matches after a final newline at the end', () => {
    const [[, js], [, re2]] = forms('(?m)^$');
    expect(js.test('a\n')).toBe(false);
    expect(re2.test('a\n')).toBe(true);
  });

  it('regsub and regsuball insert groups by PCRE number, whatever the engine', () => {
    for (const pattern of ['(b|b)+(c)', '(b|b)+(?=c)(c)']) {
      const regex = compileRegex(pattern);
      expect(regsub(regex, 'abbcabc', parseReplacement('[\\2\\1\\9]', regex))).toBe('a[cb]abc');
      expect(regsuball(regex, 'abbcabc', parseReplacement('[\\2\\1]', regex))).toBe('a[cb]a[cb]');
    }
    // The JS form of an atomic group adds a group: PCRE's 2 is JS's 3, in one String.prototype.replace.
    const atomic = compileRegex('(?>(b))(c)');
    expect(regsub(atomic, 'abc', parseReplacement('[\\2\\1\\0]', atomic))).toBe('a[cbbc]');
    expect(regsuball(atomic, 'abcbc', parseReplacement('[\\2\\1]', atomic))).toBe('a[cb][cb]');
    const empty = compileRegex('(a|a)*');
    expect(regsuball(empty, 'xay', parseReplacement('-', empty))).toBe('-x--y-');
    expect(regsuball(empty, '😀a', parseReplacement('-', empty))).toBe('-😀--');
  });

  it("Fastly's default Kinesis format renders the same cache state as before", () => {
    const line = JSON.parse(compileFormat(KINESIS_DEFAULT_FORMAT).render({ ...facts({}), fastlyState: 'HIT-SYNTH' })) as { cache_status: string };
    expect(line.cache_status).toBe('SYNTH');
    const miss = JSON.parse(compileFormat(KINESIS_DEFAULT_FORMAT).render({ ...facts({}), fastlyState: 'MISS-CLUSTER' })) as { cache_status: string };
    expect(miss.cache_status).toBe('MISS');
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
});

describe('subjects over the cap: no match, as when PCRE stops at its limit on Fastly', () => {
  const FORMAT = '%{if(req.http.X ~ "P", "y", "n")}V %{if(req.http.X !~ "P", "y", "n")}V %{regsub(req.http.X, "P", "<\\0>")}V %{regsuball(req.http.X, "P", "-")}V %{fastly.error}V';

  it('the backtracking engine: ^(a)\\1*$ matches up to its cap', () => {
    const format = compileFormat(FORMAT.replaceAll('"P"', JSON.stringify('^(a)\\1*$')));
    const atCap = 'a'.repeat(BACKTRACKING_SUBJECT_MAX_CHARS);
    expect(format.render(facts({ X: atCap }))).toBe(`y n <${atCap}> - (null)`);
    const over = 'a'.repeat(BACKTRACKING_SUBJECT_MAX_CHARS + 1);
    expect(format.render(facts({ X: over }))).toBe(`n y ${over} ${over} EREGRECUR`);
  });

  it('RE2: ^a+a+$ tests subjects up to its cap, and finds groups in subjects up to its work cap', () => {
    const regex = compileRegex('^a+a+$');
    expect(regex.engine).toBe('linear');
    const captureCap = regex.maxCaptureChars;
    expect(captureCap).toBe(Math.floor(LINEAR_CAPTURE_WORK_MAX / RE2JS.compile('^a+a+$').re2().numberOfInstructions()));
    expect(captureCap).toBeLessThan(LINEAR_SUBJECT_MAX_CHARS);
    const format = compileFormat(FORMAT.replaceAll('"P"', JSON.stringify('^a+a+$')));
    const atCaptureCap = 'a'.repeat(captureCap);
    expect(format.render(facts({ X: atCaptureCap }))).toBe(`y n <${atCaptureCap}> - (null)`);
    // Longer, it still tests; regsub gives up on a subject it matches, and returns one it does not match as it is.
    const matching = 'a'.repeat(captureCap + 1);
    expect(format.render(facts({ X: matching }))).toBe(`y n ${matching} ${matching} EREGRECUR`);
    const missing = `${'a'.repeat(LINEAR_SUBJECT_MAX_CHARS - 1)}!`;
    expect(format.render(facts({ X: missing }))).toBe(`n y ${missing} ${missing} (null)`);
    expect(matchGroups(regex, matching)).toBeNull();
    const over = 'a'.repeat(LINEAR_SUBJECT_MAX_CHARS + 1);
    expect(format.render(facts({ X: over }))).toBe(`n y ${over} ${over} EREGRECUR`);
  });

  it('the native engine has no cap', () => {
    const long = 'a'.repeat(100_000);
    const format = compileFormat(FORMAT.replaceAll('"P"', JSON.stringify('^a+')));
    expect(format.render(facts({ X: long }), undefined, { maxChars: Infinity })).toBe(`y n <${long}> - (null)`);
  });

  it('a condition is false over the cap', () => {
    expect(compileCondition('req.http.X ~ "^(a)\\1*$"').test(facts({ X: 'a'.repeat(BACKTRACKING_SUBJECT_MAX_CHARS + 1) }))).toBe(false);
  });
});
