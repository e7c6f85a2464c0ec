import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/cli/check.js';

function check(content: string, name = 'config.json') {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ckl-check-')), name);
  writeFileSync(file, content);
  let out = '';
  let err = '';
  const code = runCheck([file], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('compute-kinesis-logger check', () => {
  it('accepts a valid configuration and says which secrets it needs', () => {
    const result = check(JSON.stringify({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1' } }));
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toContain('✓ main: stream logs in eu-west-1, placement format_version_default, user_credentials');
    expect(result.out).toContain('needs secrets main.access_key_id and main.secret_access_key');
  });

  it('lists every problem of every endpoint, with carets, and exits 1', () => {
    const result = check(
      JSON.stringify({
        endpoints: 'a,b',
        a: { stream_name: 'x'.repeat(129), region: 'mars-1', period: 10, sample_rate: '2', format: '%{json.escape(req.url}V' },
        // As stored: the endpoint's JSON as a string.
        b: JSON.stringify({ stream_name: 'ok', region: 'us-east-1', access_method: 'iam_role', response_condition: 'resp.status >=' }),
      }),
    );
    expect(result.code).toBe(1);
    const problems = result.err.split('\n').filter((l) => l.startsWith('✗ '));
    expect(problems.map((l) => l.split(':')[0])).toEqual([
      '✗ a.stream_name',
      '✗ a.region',
      '✗ a.format',
      '✗ a.sample_rate',
      '✗ a.period',
      '✗ b.response_condition',
      '✗ b.iam_role',
    ]);
    expect(result.err).toContain('%{json.escape(req.url}V\n');
    expect(result.err).toMatch(/\n\s*\^/);
    expect(result.err).toContain('7 problem(s)');
  });

  it('reads the JSON that fastly config-store-entry list prints, and fastly.toml contents', () => {
    const listed = check(JSON.stringify([{ item_key: 'endpoints', item_value: 'm' }, { item_key: 'm', item_value: '{"stream_name": "s", "region": "us-west-2"}' }]));
    expect(listed.code).toBe(0);
    const toml = check(
      [
        '[local_server.config_stores.kinesis_logger.contents]',
        '"endpoints" = "m,n,o"  # three endpoints',
        '"m" = \'{"stream_name": "s", "region": "nowhere"}\'',
        '# a literal multi-line string, as a long format is best written',
        'n = \'\'\'',
        '{"stream_name": "s", "region": "us-east-1",',
        ' "format": "%h \\"%r\\" %>s"}\'\'\'',
        '"o" = "{\\"stream_name\\": \\"s\\", \\"region\\": \\"eu-west-1\\"}"',
        '',
        '[other]',
        '"p" = "not read"',
      ].join('\n'),
      'fastly.toml',
    );
    expect(toml.err).toBe('✗ m.region: "nowhere" is not an AWS region\n1 problem(s) in ' + toml.err.split(' in ')[1]);
    expect(toml.code).toBe(1);
    expect(toml.out).toContain('✓ n: stream s in us-east-1');
    expect(toml.out).toContain('✓ o: stream s in eu-west-1');
  });

  it('warns, with a caret, about a regex that can backtrack exponentially, and still exits 0', () => {
    const result = check(
      JSON.stringify({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1', format: '%{regsub(req.url, "^(a+)+$", "x")}V', response_condition: 'req.url ~ "^/(\\w+\\.)+com$"' } }),
    );
    expect(result.code).toBe(0);
    const warnings = result.err.split('\n').filter((l) => l.startsWith('⚠ '));
    expect(warnings).toHaveLength(1); // the format's (a+)+; the condition's (\w+\.)+ is separated by a dot
    expect(warnings[0]).toMatch(/^⚠ main: main\.format: .* at line 1, column \d+$/);
    expect(result.err).toMatch(/\n\s*\^/);
    expect(result.out).toContain('✓ main: stream logs in eu-west-1');
  });

  it('exits 2 on a usage error or an unreadable file', () => {
    expect(runCheck([], { out: () => {}, err: () => {} })).toBe(2);
    expect(check('{not json').code).toBe(2);
  });
});
