/**
 * The VCL function library through the same path the preview CLI and the handler use (facts →
 * compiled format → line): every case of test/fixtures/function-cases.ts, plus the registry's
 * own rules (arity, argument kinds, names).
 */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson } from '../../../src/format/facts-from-vcl.js';
import { compileFormat, FormatError } from '../../../src/format/index.js';
import { BASE_FACTS, type VclFacts } from '../../fixtures/format-cases.js';
import { FUNCTION_CASES } from '../../fixtures/function-cases.js';

const render = (format: string, facts: VclFacts = {}): string =>
  compileFormat(format).render(factsFromVclJson({ ...BASE_FACTS, ...facts }), (error) => {
    throw error;
  });

function compileError(format: string): string {
  try {
    compileFormat(format);
  } catch (error) {
    if (error instanceof FormatError) return error.reason;
    throw error;
  }
  throw new Error(`expected ${format} not to compile`);
}

describe('VCL functions: reference examples and decided edge cases', () => {
  it.each(FUNCTION_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const line = render(c.format, c.facts);
    if (typeof c.expected === 'string') expect(line).toBe(c.expected);
    else expect(line).toMatch(c.expected);
  });
});

describe('VCL functions: compile-time checks', () => {
  it.each([
    ['%{header.get(request, "x")}V', 'header.get: argument 1 must be one of req, resp, bereq, beresp, obj, found request'],
    ['%{header.get("req", "x")}V', 'header.get: argument 1 must be a name, such as a table name or req'],
    ['%{std.count(req.http)}V', 'std.count: argument 1 must be one of req.headers, resp.headers, bereq.headers, beresp.headers, obj.headers, found req.http'],
    ['%{subfield(req.url, "a", ";;")}V', 'subfield: argument 3 must be one separator character, found ";;"'],
    ['%{table.lookup(my-table, "k")}V', 'table.lookup: table my-table must be named like a Config Store: a letter, then letters, digits or _'],
    ['%{table.lookup(kinesis_logger, "main")}V', "table.lookup: kinesis_logger is this logger's configuration, not a table"],
    ['%{table.lookup_integer(t, "k")}V', 'table.lookup_integer takes 3 arguments, found 2'],
    ['%{math.sqrt("4")}V', 'math.sqrt: argument 1 must be FLOAT, found STRING'],
    ['%{addr.is_ipv4(resp.status)}V', 'addr.is_ipv4: argument 1 must be IP or STRING, found INTEGER'],
    ['%{querystring.regfilter(req.url, req.http.X)}V', 'querystring.regfilter: argument 2 must be a string literal: regular expressions are compiled with the format'],
    ['%{digest.hash_sha3(req.url)}V', "unknown function 'digest.hash_sha3': expected a VCL function; did you mean digest.hash_sha1?"],
  ])('%s', (format, reason) => {
    expect(compileError(format)).toBe(reason);
  });

  it('an unknown name in a known namespace lists that namespace', () => {
    expect(compileError('%{uuid.frobnicate()}V')).toMatch(/^unknown function 'uuid.frobnicate': expected one of: uuid.dns, .*uuid.x500$/);
  });

  it('a pure call on constants is folded, one that sets fastly.error is not', () => {
    // Folded or not, the line is the same; what must survive folding is the error it sets.
    expect(render('%{std.itoa(1, 99)}V %{fastly.error}V')).toBe('(null) EINVAL');
    expect(render('%{std.strrep("ab", 2)}V %{fastly.error}V')).toBe('abab (null)');
  });
});
