import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_COMMAND } from '../../../src/cli/check.js';
import { IMPORT_COMMAND } from '../../../src/cli/import.js';
import { RENDER_COMMAND } from '../../../src/cli/render.js';
import { cli } from './run-cli.js';

const SPECS = [RENDER_COMMAND, CHECK_COMMAND, IMPORT_COMMAND];

describe('compute-kinesis-logger commands and options', () => {
  it.each(SPECS.map((spec) => [spec.name, spec] as const))('%s --help (and -h) lists every option it accepts, on stdout, exit 0', (name, spec) => {
    for (const flag of ['--help', '-h']) {
      const result = cli([name, flag]);
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(result.out.startsWith(`usage: compute-kinesis-logger ${name} `)).toBe(true);
      for (const option of Object.keys(spec.options)) expect(result.out).toMatch(new RegExp(`\\n  --${option}\\b`));
      expect(result.out).toContain('exit status:');
    }
  });

  it('--help lists the commands; --version prints the package version', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    for (const spec of SPECS) expect(help.out).toContain(`\n  ${spec.name} `);
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(cli(['--version'])).toEqual({ code: 0, out: `compute-kinesis-logger ${version}\n`, err: '' });
  });

  it.each([
    ['render', '--format', '%h'],
    ['check', 'x.json'],
    ['import', 'x.json'],
  ])('%s refuses an unknown option with exit 2, naming it', (name, ...valid) => {
    const result = cli([name, ...valid, '--bogus']);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(new RegExp(`^${name}: unknown option --bogus\\nusage: compute-kinesis-logger ${name} `));
  });

  it('refuses an unknown command, a missing one, and a value given to a flag', () => {
    expect(cli(['nonsense'])).toMatchObject({ code: 2, err: expect.stringMatching(/^unknown command "nonsense"\n/) });
    expect(cli([])).toMatchObject({ code: 2, err: expect.stringMatching(/^no command given\n/) });
    expect(cli(['--bogus'])).toMatchObject({ code: 2, err: expect.stringMatching(/^unknown option --bogus\n/) });
    expect(cli(['check', 'c.json', '--json=yes']).err).toMatch(/^check: --json takes no value\n/);
  });
});

describe('compute-kinesis-logger render', () => {
  const facts = JSON.stringify({ 'req.url': '/a?x="1"', 'resp.status': 503 });

  it('renders a line; --json accepts it when it is JSON', () => {
    const result = cli(['render', '--format', '{"url":"%{json.escape(req.url)}V","status":%>s}', '--facts', 'f.json', '--json'], { 'f.json': facts });
    expect(result).toEqual({ code: 0, out: '{"url":"/a?x=\\"1\\"","status":503}\n', err: '' });
  });

  it('--json says where the line stops being JSON, with a caret, and exits 1 (the line is still printed)', () => {
    // A value in a bare position is not repaired (only values inside JSON strings are): text there breaks the line.
    const result = cli(['render', '--format', '{"url":%{req.url}V,"status":%>s}', '--facts', 'f.json', '--json'], { 'f.json': facts });
    expect(result.code).toBe(1);
    expect(result.out).toBe('{"url":/a?x="1","status":503}\n');
    expect(result.err).toMatch(/^render: the line is not JSON: expected a value .*, at line 1, column 8\n\{"url":\/a\?x="1","status":503\}\n {7}\^\n$/);
    // Without --json the same line is fine.
    expect(cli(['render', '--format', '{"url":%{req.url}V,"status":%>s}', '--facts', 'f.json'], { 'f.json': facts }).code).toBe(0);
  });

  it('lists on stderr the variables that have no value on Compute; the JSON line stays JSON', () => {
    const format = '{"cwnd":%{client.socket.cwnd}V,"rate":"%{ratecounter.rc.rate.1s}V","s":%>s}';
    expect(cli(['render', '--format', format, '--json'])).toEqual({
      code: 0,
      out: '{"cwnd":null,"rate":"","s":200}\n',
      err: 'render: note: no value on Compute (a VCL service has them; here null as a bare JSON value, empty inside quotes, (null) elsewhere): client.socket.cwnd, ratecounter.rc.rate.1s\n',
    });
    expect(cli(['render', '--format', '%{obj.hits}V'])).toEqual({
      code: 0,
      out: '(null)\n',
      err: 'render: note: no value on Compute (a VCL service has it; here null as a bare JSON value, empty inside quotes, (null) elsewhere): obj.hits\n',
    });
  });

  it('needs --format, and takes no positional argument', () => {
    expect(cli(['render']).err).toMatch(/^render: --format is required\nusage: compute-kinesis-logger render --format <format \| @file> \[--facts/);
    expect(cli(['render', '--format', '%h', 'extra']).err).toMatch(/^render: unexpected argument "extra" \(this command takes options only\)/);
  });

  it('exits 2 on facts it cannot use, saying where, without quoting them', () => {
    expect(cli(['render', '--format', '%s', '--facts', 'f.json'], { 'f.json': '{"resp.status": "abc"}' })).toEqual({
      code: 2,
      out: '',
      err: 'render: facts: "resp.status" must be a number, found "abc"\n',
    });
    expect(cli(['render', '--format', '%s', '--facts', '-'], { '-': '{"req.http.Authorization": Bearer-s3cr3t}' })).toEqual({
      code: 2,
      out: '',
      err: 'render: standard input: not JSON: expected a value (object, array, string, number, true, false or null), found a letter, at line 1, column 28\n',
    });
    expect(cli(['render', '--format', '@missing.txt'])).toEqual({ code: 2, out: '', err: 'render: missing.txt: cannot read it (no such file)\n' });
  });
});
