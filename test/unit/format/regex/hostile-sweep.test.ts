/**
 * A property-style sweep (issue 20): known catastrophic shapes (nested repetitions, overlapping
 * alternatives, bounded repetitions, back-references nested in repetitions, look-arounds), each
 * against hostile subjects of 40 to 200 characters (a pumped string that almost matches), through
 * `render` and a condition. The bound is counted, not timed: the backtracking engine (JavaScript's
 * RegExp, spied on) never receives a hostile subject of these patterns, whatever its length,
 * because a shape RE2 can express runs on RE2 (linear in the subject, whose length it caps too) and
 * one RE2 cannot run has the backtracking engine's cap, under 40 characters. Without either, these
 * subjects would take up to 2^200 steps and the file would never finish. On short subjects, where
 * the backtracking engine is safe, every answer is checked against it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { factsFromVclJson } from '../../../../src/format/facts-from-vcl.js';
import { compileCondition, compileFormat } from '../../../../src/format/index.js';
import { BACKTRACKING_SUBJECT_MAX_CHARS, compileRegex, LINEAR_SUBJECT_MAX_CHARS } from '../../../../src/format/regex/index.js';
import { translatePcre } from '../../../../src/format/regex/pcre.js';
import { seededRandom } from '../../../../src/testing/seeded-random.js';
import { hostile, SHAPES, type Shape } from '../../../fixtures/catastrophic-regexes.js';

const facts = (x: string) => factsFromVclJson({ 'req.http.X': x });
/** A pattern as a string literal inside `%{…}V`, where braces are written \{ and \}. */
const inFormat = (pattern: string) => JSON.stringify(pattern).replace(/[{}]/g, '\\$&');


/** Every call of the backtracking engine with each shape's JS form: [pattern, subject length]. */
function spyOnBacktracking(): Array<[string, number]> {
  const bySource = new Map(SHAPES.map((s) => [translatePcre(s.pattern).source, s.pattern]));
  const calls: Array<[string, number]> = [];
  const exec = RegExp.prototype.exec;
  vi.spyOn(RegExp.prototype, 'exec').mockImplementation(function (this: RegExp, subject: string) {
    const pattern = bySource.get(this.source);
    if (pattern !== undefined) {
      calls.push([pattern, subject.length]);
      // Stop here rather than hang: past the cap, the next line could take 2^200 steps.
      if (subject.length > BACKTRACKING_SUBJECT_MAX_CHARS) throw new Error(`${pattern}: ${subject.length} characters reached the backtracking engine`);
    }
    return exec.call(this, subject);
  });
  return calls;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('catastrophic shapes against hostile subjects of 40 to 200 characters', () => {
  const random = seededRandom(0x20_2020);
  const lengths = [40, 200, ...Array.from({ length: 6 }, () => 40 + Math.floor(random() * 161))];

  it.each(SHAPES.map((s) => [s.pattern, s.engine, s] as const))('%j (%s) answers without the backtracking engine seeing the subject', (pattern, engine, shape) => {
    expect(compileRegex(pattern).engine).toBe(engine);
    const format = compileFormat(`%{if(req.http.X ~ ${inFormat(pattern)}, "y", "n")}V|%{regsub(req.http.X, ${inFormat(pattern)}, "<\\0>")}V|%{fastly.error}V`);
    const condition = compileCondition(`req.http.X ~ ${JSON.stringify(pattern)}`);
    const calls = spyOnBacktracking();
    for (const chars of lengths) {
      const x = hostile(shape, chars);
      // Past the backtracking engine's cap, Fastly's answer when PCRE gives up: no match, EREGRECUR.
      const error = engine === 'backtracking' ? 'EREGRECUR' : '(null)';
      expect(format.render(facts(x))).toBe(`n|${x}|${error}`);
      expect(condition.test(facts(x))).toBe(false);
    }
    expect(calls).toEqual([]);
  });

  it('the caps leave room for every hostile length here', () => {
    expect(BACKTRACKING_SUBJECT_MAX_CHARS).toBeLessThan(40);
    expect(LINEAR_SUBJECT_MAX_CHARS).toBeGreaterThanOrEqual(200);
  });
});

describe('on short subjects, where backtracking is safe, every answer is the backtracking engine’s', () => {
  it.each(SHAPES.map((s) => [s.pattern, s] as const))('%j', (pattern, shape) => {
    const regex = compileRegex(pattern);
    const { source, flags } = translatePcre(pattern);
    const reference = new RegExp(source, flags);
    for (let chars = 1; chars <= BACKTRACKING_SUBJECT_MAX_CHARS; chars++) {
      for (const x of [hostile(shape, chars), shape.pump.repeat(chars).slice(0, chars)]) {
        expect(regex.test(x), JSON.stringify(x)).toBe(reference.test(x));
        if (x.length <= regex.maxCaptureChars) expect(regex.exec(x, 0, 0)?.groups[0], JSON.stringify(x)).toBe(reference.exec(x)?.[0]);
      }
    }
  });
});
