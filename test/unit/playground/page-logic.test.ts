/**
 * The playground's logic apart from the DOM (playground/src/): typed fact values, the URL hash,
 * the variables Compute leaves unset, function signatures and what evaluate() reports. The page
 * itself is tested in Chromium (test/browser/playground.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { evaluate, offsetAt } from '../../../playground/src/evaluate.js';
import { factsFromRows, rowsFromFacts, textToValue, valueToText, type FactValue } from '../../../playground/src/fact-text.js';
import { functionSignatures, signatureOf } from '../../../playground/src/function-list.js';
import { variablesWithoutComputeValue } from '../../../src/library/format.js';
import { FACTS_PRESETS } from '../../../playground/src/presets.js';
import { readHash, writeHash } from '../../../playground/src/url-state.js';
import { compileFormat, factsFromVcl, KINESIS_DEFAULT_FORMAT } from '../../../src/library/format.js';

describe('typed fact values', () => {
  it.each<[string, FactValue]>([
    ['503', 503],
    ['true', true],
    ['null', null],
    ['["a", "b"]', ['a', 'b']],
    ['"a\\nb"', 'a\nb'],
    ['curl/8.4.0', 'curl/8.4.0'],
    ['{"admin": true}', '{"admin": true}'],
    ['', ''],
  ])('%j reads as %j', (text, value) => {
    expect(textToValue(text)).toEqual(value);
  });

  it.each<FactValue>(['503', 'null', ' 5', 'a\nb', '"quoted"', '', 'plain text', 503, false, null, ['x', 'y']])('%j survives a round trip', (value) => {
    expect(textToValue(valueToText(value))).toEqual(value);
  });

  it('keeps every preset through rows and back', () => {
    for (const preset of FACTS_PRESETS) expect(factsFromRows(rowsFromFacts(preset.facts)).facts).toEqual(preset.facts);
  });

  it('skips rows without a name and names the duplicates (the last row counts)', () => {
    const rows = [
      { name: 'req.url', text: '/a' },
      { name: ' ', text: 'ignored' },
      { name: 'req.url', text: '/b' },
    ];
    expect(factsFromRows(rows)).toEqual({ facts: { 'req.url': '/b' }, duplicates: ['req.url'] });
  });
});

describe('the URL hash', () => {
  it('round-trips a format with +, &, = and # and facts', () => {
    const format = '%{"a+b" + req.url}V & x=1 #%h';
    const facts = { 'req.url': '/a?b=c&d', 'resp.status': 503 };
    expect(readHash(writeHash(format, facts))).toEqual({ format, facts, problems: [] });
  });

  it('reads the spec form, with or without #, facts optional, unknown keys ignored', () => {
    expect(readHash(`#format=${encodeURIComponent('%h %>s')}`)).toEqual({ format: '%h %>s', problems: [] });
    expect(readHash(`other=1&format=${encodeURIComponent('%h')}`)).toEqual({ format: '%h', problems: [] });
    expect(readHash('')).toEqual({ problems: [] });
  });

  it('reads + as a plus sign, not a space', () => {
    expect(readHash('#format=%25%7B1+2%7DV').format).toBe('%{1+2}V');
  });

  it('says what it could not read', () => {
    expect(readHash('#format=%E0%A4%A&facts=%5B1%5D').problems).toEqual([
      "the link's format is not percent-encoded text (encodeURIComponent)",
      "the link's facts: not a JSON object of VCL names and values",
    ]);
    expect(readHash('#facts=%7Bx').problems).toEqual(["the link's facts: not JSON"]);
  });
});

describe('variables without a value on Compute', () => {
  it('lists each unset variable once, in source order, wherever it sits in an expression', () => {
    const format = '%{client.socket.congestion_algorithm}V %{if(!req.digest, bereq.url, req.url)}V %{json.escape(req.digest)}V %h %{req.url}V';
    expect(variablesWithoutComputeValue(format).map((m) => m.name)).toEqual(['client.socket.congestion_algorithm', 'req.digest', 'bereq.url']);
  });

  it('lists none for a format that reads only what Compute sets, even fixed values', () => {
    expect(variablesWithoutComputeValue('%h %{req.restarts}V %{fastly.ff.visits_this_service}V %{Host}i')).toEqual([]);
  });
});

describe('function signatures', () => {
  it('writes optional parameters in nested brackets', () => {
    expect(signatureOf('substr', { params: ['STRING', 'INTEGER', 'INTEGER'], minArgs: 2, returns: 'STRING' })).toBe('STRING substr(STRING, INTEGER [, INTEGER])');
    expect(signatureOf('f', { params: ['STRING', 'INTEGER'], minArgs: 0, returns: 'BOOL' })).toBe('BOOL f([STRING [, INTEGER]])');
    expect(signatureOf('now', { params: [], minArgs: 0, returns: 'TIME' })).toBe('TIME now()');
  });

  it('lists every function the engine compiles, sorted', () => {
    const list = functionSignatures();
    expect(list.map((f) => f.name)).toEqual([...list.map((f) => f.name)].sort((a, b) => a.localeCompare(b)));
    expect(list.find((f) => f.name === 'table.lookup')?.signature).toBe('STRING table.lookup(ID, STRING [, STRING])');
  });
});

describe('evaluate', () => {
  const facts = { 'time.start': '2024-03-05T14:07:09Z', 'req.url': '/a?x="1"', 'resp.status': 503 };

  it('renders as the engine does, with the size and no JSON check for a text format', () => {
    const format = '%h "%r" %>s %{json.escape(req.url)}V';
    const result = evaluate(format, facts);
    expect(result.line).toBe(compileFormat(format).render(factsFromVcl(facts)));
    expect(result.json).toBeNull();
    expect(result.size).toEqual({ bytes: new TextEncoder().encode(result.line!).length, defaultLimitBytes: 1048576, largestLimitBytes: 10485760, payloadUnitBytes: 25600 });
  });

  it('gives the CLI message and the offset of a compile error, even on a later line', () => {
    const format = '{\r\n  "u": %{req.ulr}V}';
    const result = evaluate(format, facts);
    expect(result.line).toBeNull();
    expect(result.formatError?.message).toMatch(/^format error: unknown variable 'req.ulr'.*did you mean req.url\? at line 2, column 10\n/);
    expect(format.slice(result.formatError!.offset)).toMatch(/^req\.ulr/);
  });

  it('checks a JSON format\'s line and says where it stops being JSON', () => {
    const broken = evaluate('{"u":%{req.url}V}', facts);
    expect(broken.json?.problem?.message).toMatch(/^the line is not JSON: expected a value .*, found a symbol, at line 1, column 6\n/);
    expect(broken.json?.problem?.offset).toBe(5);
    expect(evaluate(KINESIS_DEFAULT_FORMAT, facts).json).toEqual({ problem: null });
  });

  it('reports unusable facts without rendering, and notes facts it does not use', () => {
    expect(evaluate('%h', { 'req.ulr': '/' }).factsError).toMatch(/unknown fact "req.ulr"/);
    const noted = evaluate('%h', { 'req.vcl': 'x' });
    expect(noted.line).not.toBeNull();
    expect(noted.factNotes).toEqual([expect.stringMatching(/^req.vcl: not used: Compute does not provide it/)]);
  });
});

describe('offsetAt', () => {
  it('counts lines at LF, CRLF and CR, and columns in code points', () => {
    const source = 'a\nb\r\nc\rd😀e';
    expect(offsetAt(source, 1, 1)).toBe(0);
    expect(offsetAt(source, 2, 1)).toBe(2);
    expect(offsetAt(source, 3, 1)).toBe(5);
    expect(offsetAt(source, 4, 2)).toBe(8);
    expect(offsetAt(source, 4, 3)).toBe(10);
  });
});
