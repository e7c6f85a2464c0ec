/** PCRE → JS translation: matches as PCRE would, and rejects what JS cannot express. */
import { describe, expect, it } from 'vitest';
import { RegexError, translatePcre } from '../../../../src/format/regex/pcre.js';
import { compileRegex } from '../../../../src/format/regex/compile.js';
import { matchGroups, parseReplacement, regsuball } from '../../../../src/format/regex/regsub.js';

/** The RegexError translatePcre throws for `pattern` (fails the test when it throws none). */
function translationError(pattern: string): RegexError {
  try {
    translatePcre(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(RegexError);
    return error as RegexError;
  }
  throw new Error(`${pattern} was translated, not rejected`);
}

function matches(pattern: string, input: string): ReadonlyArray<string | undefined> | null {
  return matchGroups(compileRegex(pattern), input);
}

describe('translatePcre: behaviour', () => {
  it.each([
    ['\\Aab', 'ab', ['ab']],
    ['b\\z', 'ab\n', null],
    ['b\\Z', 'ab\n', ['b']],
    ['b$', 'ab\n', ['b']],
    ['b$', 'ab\nc', null],
    ['(?m)^c', 'ab\nc', ['c']],
    ['(?m)^$', 'a\n', null],
    ['(?m)^$', 'a\n\nb', ['']],
    ['(?m)^$', '', ['']],
    ['(?m)^b', 'a\nb\n', ['b']],
    ['(?m)b$', 'ab\nc', ['b']],
    ['a.c', 'a\nc', null],
    ['(?s)a.c', 'a\nc', ['a\nc']],
    ['a.c', 'a\u2028c', ['a\u2028c']],
    ['(?i)ABC', 'xabcx', ['abc']],
    ['(?x) a b # comment\n c', 'abc', ['abc']],
    ['^a++b', 'aaab', ['aaab']],
    ['^a++a', 'aaaa', null],
    ['^(?>a|ab)c', 'abc', null],
    ['^(?:a|ab)c', 'abc', ['abc']],
    ['(x)(a)++(y)', 'xaay', ['xaay', 'x', 'a', 'y']],
    ['(?P<word>\\w+) (?P=word)', 'hey hey', ['hey hey', 'hey']],
    ["(?'q'a)\\k{q}", 'aa', ['aa', 'a']],
    ['(a)\\g{-1}', 'aa', ['aa', 'a']],
    ['(a)\\g1', 'aa', ['aa', 'a']],
    ['\\h+', 'a \t\u00a0b', [' \t\u00a0']],
    ['\\H', ' x', ['x']],
    ['\\v', 'a\u2028', ['\u2028']],
    ['a\\Rb', 'a\r\nb', ['a\r\nb']],
    ['\\N+', 'ab\nc', ['ab']],
    ['[]a]+', ']a]', [']a]']],
    ['[^]a]', ']ab', ['b']],
    ['[[:alpha:][:digit:]]+', '-ab12-', ['ab12']],
    ['[\\w-.]+', 'a-b.c!', ['a-b.c']],
    ['\\Q.*\\E', 'a.*b', ['.*']],
    ['a{2}', 'aaa', ['aa']],
    ['a{', 'a{', ['a{']],
    ['x{,2}', 'x{,2}', ['x{,2}']],
    ['\\x41\\x{42}\\101\\o{103}', 'ABAC', ['ABAC']],
    ['\\e\\a\\cA', '\u001b\u0007\u0001', ['\u001b\u0007\u0001']],
    ['\\pL+', 'é1', ['é']],
    ['\\p{Greek}+', 'aλβ', ['λβ']],
    ['\\p{^L}', 'a1', ['1']],
    ['(a)|b', 'b', ['b', undefined]],
    ['a(?#comment)b', 'ab', ['ab']],
    ['(*UTF8)é', 'é', ['é']],
    ['\\"\\-\\ \\#', '"- #', ['"- #']],
    ['😀.', '😀x', ['😀x']],
  ])('%j on %j', (pattern, input, expected) => {
    expect(matches(pattern, input)).toEqual(expected);
  });
});

describe('translatePcre: back-references', () => {
  it.each([
    ['(a)\\1', 'aa', ['aa', 'a']],
    ['(a|b)\\1', 'abb', ['bb', 'b']],
    ['(?:(a)\\1)+', 'aaaa', ['aaaa', 'a']],
    ['(?:x|(a)\\1)', 'aa', ['aa', 'a']],
    ['(a)(?:\\1|b)', 'ab', ['ab', 'a']],
    ['(?=(a))\\1', 'a', ['a', 'a']],
    ['(a+)\\1', 'aaaa', ['aaaa', 'aa']],
  ])('%j to a group that surely matched works on %j', (pattern, input, expected) => {
    expect(matches(pattern, input)).toEqual(expected);
  });

  const unset = (reason: string, fix: string) =>
    `which may not have matched (${reason}): PCRE then fails the reference, JavaScript matches it as empty; expected ${fix}`;
  const OPTIONAL = (q: string) => unset(`the group is under '${q}', which allows zero matches`, `the optional part inside the group, as in (a${q})\\1 rather than (a)${q}\\1`);
  const ALTERNATIVE = unset("the group is in an alternative ('|') the reference is not in", 'the reference inside the same alternative as the group');
  const BEFORE = unset('it comes before group 1 closes', "the reference after the group's ')'");

  it.each([
    ['(a)?b\\1', `back-reference \\1 to group 1, ${OPTIONAL('?')}`, 5],
    ['(a)*\\1', `back-reference \\1 to group 1, ${OPTIONAL('*')}`, 4],
    ['(a){0,2}\\1', `back-reference \\1 to group 1, ${OPTIONAL('{0,2}')}`, 8],
    ['(?:x(a))*\\1', `back-reference \\1 to group 1, ${OPTIONAL('*')}`, 9],
    ['(?P<x>a)?(?P=x)', `back-reference (?P=x) to group 1, ${OPTIONAL('?')}`, 9],
    ['(?:(a)|b)\\1', `back-reference \\1 to group 1, ${ALTERNATIVE}`, 9],
    ['(a)|\\1', `back-reference \\1 to group 1, ${ALTERNATIVE}`, 4],
    ['(?:(a)|b)+\\g{1}', `back-reference \\g{1} to group 1, ${ALTERNATIVE}`, 10],
    ['(?:(a)|b\\1)+', `back-reference \\1 to group 1, ${ALTERNATIVE}`, 8],
    ['\\1(a)', `back-reference \\1 to group 1, ${BEFORE}`, 0],
    ['(a\\1)', `back-reference \\1 to group 1, ${BEFORE}`, 2],
    ['(?!(a))b\\1', `back-reference \\1 to group 1, ${unset('the group is inside a negative lookaround', 'a group outside the negative lookaround')}`, 8],
  ])('%j is rejected: PCRE and JS disagree when the group did not match', (pattern, message, index) => {
    const error = translationError(pattern);
    expect(error.message).toBe(message);
    expect(error.index).toBe(index);
  });

  it('JS alone would match (a)?b\\1 on "b", which PCRE does not', () => {
    expect(/(a)?b\1/u.test('b')).toBe(true);
  });
});

describe('translatePcre: multi-line ^', () => {
  it('does not match after a final newline (PCRE: "a\\n" is one line)', () => {
    const re = compileRegex('(?m)^');
    expect(regsuball(re, 'l1\nl2\n', parseReplacement('> ', re))).toBe('> l1\n> l2\n');
    expect(regsuball(re, 'l1\n\nl3', parseReplacement('> ', re))).toBe('> l1\n> \n> l3');
    expect(regsuball(re, '', parseReplacement('> ', re))).toBe('> ');
  });
});

describe('translatePcre: group numbering', () => {
  it('maps PCRE groups past the emulation groups', () => {
    const t = translatePcre('(?>(a))(b)++(c)');
    expect(t.groupCount).toBe(3);
    expect(t.groupIndex).toEqual([0, 2, 4, 5]);
  });
});

describe('translatePcre: rejected features', () => {
  it.each([
    ['a(?R)', 'recursion and subroutine calls are not supported', 1],
    ['(a)(?1)', 'recursion and subroutine calls are not supported', 3],
    ['(?(1)a|b)', 'conditional groups (?(…)…) are not supported', 0],
    ['(?|a)', 'branch-reset groups (?|…) are not supported', 0],
    ['a(?i)b', 'inline options are only supported at the start of the pattern, as in (?i)abc', 1],
    ['(?i:a)', 'inline options are only supported at the start of the pattern, as in (?i)abc', 0],
    ['(?U)a', 'inline option (?U) is not supported (only i, m, s, x)', 0],
    ['\\Ga', '\\G is not supported: expected \\A, which is what \\G means in regsub and ~', 0],
    ['a\\Kb', '\\K is not supported: expected a lookbehind (?<=…) around the part not to keep', 1],
    ['\\X', '\\X is not supported: expected \\P{M}\\p{M}* (a character and its combining marks)', 0],
    ['a\\C', '\\C is not supported: expected . (a single byte of a character cannot be matched)', 1],
    ['(*SKIP)a', 'backtracking control verbs such as (*SKIP) are not supported', 0],
    ['[[:^alpha:]]', 'negated POSIX class [:^alpha:] is not supported', 1],
    ['[\\H]', '\\H is not supported inside a character class', 1],
    ['*a', "quantifier '*' does not follow anything to repeat: expected a character, class or group before it (\\* is a literal *)", 0],
    ['(a', "missing ')'", 2],
    ['a+++', "quantifier '+' follows another quantifier: expected one per atom (group the first, as in (?:a+)+)", 3],
    ['a**', "quantifier '*' follows another quantifier: expected one per atom (group the first, as in (?:a+)*)", 2],
    ['a{2}{3}', "quantifier '{3}' follows another quantifier: expected one per atom (group the first, as in (?:a+){3})", 4],
    [`${'('.repeat(251)}a${')'.repeat(251)}`, "parentheses nested deeper than 250: expected at most 250 levels, PCRE's limit", 250],
    ['a)', "unmatched ')'", 1],
    ['[a', "missing ']' to close the character class", 0],
    ['\\q', 'unknown escape \\q: expected a PCRE escape, or a backslash before punctuation', 0],
    ['\\k<nope>', "reference to unknown group name 'nope'", -1],
    ['\\p{Nope}', /^cannot be compiled: .*property/i, -1],
  ] as Array<[string, string | RegExp, number]>)('%j', (pattern, message, index) => {
    const error = translationError(pattern);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    expect(error.index).toBe(index);
  });
});
