/**
 * Rendering is bounded by the endpoint's max_record_bytes (issue 14 item 3): no value built for a
 * line may grow past RenderOptions.maxChars. Without the bound, nested regsuball over an 8 KB URL
 * builds 81,920,000 characters (the same in the Wasm's 128 MB heap is an out-of-memory kill);
 * with it, the render stops there, says so through the part observer, and returns a line that is
 * over the limit, so delivery truncates or drops it as oversize.
 */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson } from '../../../src/format/facts-from-vcl.js';
import { prepareRecords } from '../../../src/delivery/prepare.js';
import { compileCondition, compileFormat, LineLimitExceeded } from '../../../src/format/index.js';

const ONE_MIB = 1024 * 1024;
const URL_8K = `/${'a'.repeat(8191)}`;
/** Each level turns every `a` into ten: 8,191 → 819,100,000 characters at four levels. */
const NESTED_REGSUBALL = `%{regsuball(regsuball(regsuball(regsuball(req.url, "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa")}V`;

function renderBounded(format: string, maxChars: number, url = URL_8K) {
  const errors: Array<{ error: unknown; part: number }> = [];
  const line = compileFormat(format).render(factsFromVclJson({ 'req.url': url, 'req.http.X': '"'.repeat(10) }), (error, part) => errors.push({ error, part }), { maxChars });
  return { line, errors };
}

describe('bounded rendering', () => {
  it('stops nested regsuball over an 8 KB URL at the limit, as an oversize line', () => {
    const { line, errors } = renderBounded(`{"url":"${NESTED_REGSUBALL}"}`, ONE_MIB);
    expect(errors).toHaveLength(1);
    expect(errors[0].error).toBeInstanceOf(LineLimitExceeded);
    expect(errors[0].part).toBe(0);
    // Over the limit (so it is oversize), and by at most the head before the part.
    expect(line.length).toBeGreaterThan(ONE_MIB);
    expect(line.length).toBeLessThanOrEqual(ONE_MIB + 1 + '{"url":"'.length);
    expect(line.startsWith('{"url":"/aaaa')).toBe(true);
  });

  it('ends in delivery as a truncated record, within the record size, counted as truncated', async () => {
    const { line } = renderBounded(NESTED_REGSUBALL, ONE_MIB);
    const limits = { maxAttempts: 1, retryWindowMs: 0, maxRecordBytes: ONE_MIB, maxRequestBytes: 5 * ONE_MIB, oversize: 'truncate' as const };
    const prepared = await prepareRecords([line], limits);
    expect(prepared.records).toHaveLength(1);
    expect(prepared.records[0].truncated).toBe(true);
    expect(prepared.records[0].data.length).toBeLessThanOrEqual(ONE_MIB);
    expect((await prepareRecords([line], { ...limits, oversize: 'drop' })).dropped).toHaveLength(1);
  });

  it('renders exactly as before under the limit', () => {
    const { line, errors } = renderBounded('%{regsuball(req.url, "a", "bb")}V', ONE_MIB, '/aaa');
    expect(errors).toEqual([]);
    expect(line).toBe('/bbbbbb');
  });

  // Every way a value can outgrow its input, each stopped at a 1,000-character bound.
  it.each([
    ['regsuball', '%{regsuball(req.url, "a", "aaaaaaaaaa")}V'],
    ['regsub with many group references', `%{regsub(req.url, "(a+)", "${'\\1'.repeat(50)}")}V`],
    ['std.replaceall', '%{std.replaceall(req.url, "a", "aaaaaaaaaa")}V'],
    ['std.strrep', '%{std.strrep(req.url, math.INTEGER_MAX)}V'],
    ['std.strpad', '%{std.strpad(req.url, math.INTEGER_MAX, "-")}V'],
    ['utf8.strpad', '%{utf8.strpad(req.url, -100000, "é")}V'],
    ['randomstr', '%{randomstr(100000000)}V'],
    // Each level escapes the backslashes of the one before: ten quotes become 2,550 characters.
    ['nested json.escape', `%{${'json.escape('.repeat(8)}req.http.X + req.url${')'.repeat(8)}}V`],
    ['concatenation of a long value', '%{req.url + req.url + req.url + req.url + req.url + req.url}V'],
    ['a long value passed to a function that shrinks it', '%{std.strlen(std.strrep(req.url, 1000))}V'],
  ])('%s', (_name, format) => {
    const { line, errors } = renderBounded(format, 1000, `/${'a'.repeat(199)}`);
    expect(errors.map((e) => e.error)).toEqual([expect.any(LineLimitExceeded)]);
    expect(line.length).toBeGreaterThan(1000);
    expect(line.length).toBeLessThanOrEqual(1001);
  });

  it('a line that is long without any value being too long is simply returned, over the limit', () => {
    const part = '%{req.url}V';
    const { line, errors } = renderBounded(`${part} ${part} ${part} ${part} ${part} ${part} ${part}`, 1000, `/${'a'.repeat(199)}`);
    expect(errors).toEqual([]);
    // Rendering stops after the part that crossed the limit: 5 of the 7 parts (5 × 201 > 1000).
    expect(line).toBe(`${Array(5).fill(`/${'a'.repeat(199)}`).join(' ')} `);
  });

  it('conditions are bounded too (by 1 MiB): a value past it makes the condition false', () => {
    // 8 KB × 200 is 1.6 M characters: true without the bound, false with it.
    const condition = compileCondition('std.strlen(std.strrep(req.url, 200)) > 0');
    expect(condition.test(factsFromVclJson({ 'req.url': URL_8K }))).toBe(false);
    expect(compileCondition('std.strlen(std.strrep(req.url, 100)) > 0').test(factsFromVclJson({ 'req.url': URL_8K }))).toBe(true);
  });
});
