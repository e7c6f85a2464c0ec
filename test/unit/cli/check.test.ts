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
    const result = check(JSON.stringify({ endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'eu-west-1' }));
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toContain('✓ main: stream logs in eu-west-1, placement format_version_default, user_credentials');
    expect(result.out).toContain('needs secrets main.access_key_id and main.secret_access_key');
  });

  it('lists every problem of every endpoint, with carets, and exits 1', () => {
    const result = check(
      JSON.stringify({
        endpoints: 'a,b',
        'a.stream_name': 'x'.repeat(129),
        'a.region': 'mars-1',
        'a.period': '10',
        'a.sample_rate': '2',
        'a.format': '%{json.escape(req.url}V',
        'b.stream_name': 'ok',
        'b.region': 'us-east-1',
        'b.access_method': 'iam_role',
        'b.response_condition': 'resp.status >=',
      }),
    );
    expect(result.code).toBe(1);
    const problems = result.err.split('\n').filter((l) => l.startsWith('✗ '));
    expect(problems.map((l) => l.split(':').slice(0, 2).join(':'))).toEqual([
      '✗ a: a.stream_name',
      '✗ a: a.region',
      '✗ a: a.format',
      '✗ a: a.sample_rate',
      '✗ a: a.period',
      '✗ b: b.response_condition',
      '✗ b: b.iam_role',
    ]);
    expect(result.err).toContain('%{json.escape(req.url}V\n');
    expect(result.err).toMatch(/\n\s*\^/);
    expect(result.err).toContain('7 problem(s)');
  });

  it('reads the JSON that fastly config-store-entry list prints, and fastly.toml contents', () => {
    const listed = check(JSON.stringify([{ item_key: 'endpoints', item_value: 'm' }, { item_key: 'm.stream_name', item_value: 's' }, { item_key: 'm.region', item_value: 'us-west-2' }]));
    expect(listed.code).toBe(0);
    const toml = check(
      ['[local_server.config_stores.kinesis_logger.contents]', '"endpoints" = "m"', '"m.stream_name" = "s"', '"m.region" = "nowhere"', '', '[other]'].join('\n'),
      'fastly.toml',
    );
    expect(toml.code).toBe(1);
    expect(toml.err).toContain('✗ m: m.region: "nowhere" is not an AWS region');
  });

  it('exits 2 on a usage error or an unreadable file', () => {
    expect(runCheck([], { out: () => {}, err: () => {} })).toBe(2);
    expect(check('{not json').code).toBe(2);
  });
});
