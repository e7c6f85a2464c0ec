import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';

const VALID = JSON.stringify({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1' } });
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
/** What a fastly.toml declares beside its configuration so that its endpoints can deliver (check-manifest.test.ts). */
const DECLARED = [
  '[local_server.backends.kinesis]',
  'url = "http://127.0.0.1:4567/"',
  '[local_server.kv_stores]',
  'kinesis_logger_state = []',
  '[local_server.secret_stores]',
  'kinesis_logger_secrets = [{key = "n.access_key_id", data = "a"}, {key = "n.secret_access_key", data = "b"}, {key = "o.access_key_id", data = "a"}, {key = "o.secret_access_key", data = "b"}]',
  '[setup.backends.kinesis]',
  'address = "kinesis.ap-south-1.amazonaws.com"',
  '[setup.kv_stores.kinesis_logger_state]',
  '[setup.secret_stores.kinesis_logger_secrets.entries."p.access_key_id"]',
  '[setup.secret_stores.kinesis_logger_secrets.entries."p.secret_access_key"]',
];

function check(content: string, name = 'config.json', ...flags: string[]) {
  return cli(['check', name, ...flags], { [name]: content });
}

describe('compute-kinesis-logger check', () => {
  it('accepts a valid configuration, says what it read and which secrets it needs', () => {
    const result = check(VALID);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toContain('read config.json (2 items)\n');
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
      '✗ a.period',
      '✗ a.format',
      '✗ a.sample_rate',
      '✗ b.iam_role',
      '✗ b.response_condition',
    ]);
    expect(result.err).toContain('%{json.escape(req.url}V\n');
    expect(result.err).toMatch(/\n\s*\^/);
    expect(result.err).toContain('7 problem(s)');
  });

  it('reads the JSON that fastly config-store-entry list prints', () => {
    const listed = check(JSON.stringify([{ item_key: 'endpoints', item_value: 'm' }, { item_key: 'm', item_value: '{"stream_name": "s", "region": "us-west-2"}' }]));
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('✓ m: stream s in us-west-2');
  });

  it('reads a fastly.toml\'s [local_server] contents and its [setup] items, checks each, and says which it read', () => {
    const toml = [
      '[local_server.config_stores.kinesis_logger]',
      'format = "inline-toml"',
      '[local_server.config_stores.kinesis_logger.contents]',
      '"endpoints" = "m,n,o"  # three endpoints',
      '"m" = \'{"stream_name": "s", "region": "nowhere"}\'',
      '# a literal multi-line string, as a long format is best written',
      "n = '''",
      '{"stream_name": "s", "region": "us-east-1",',
      ' "format": "%h \\"%r\\" %>s"}\'\'\'',
      '"o" = "{\\"stream_name\\": \\"s\\", \\"region\\": \\"eu-west-1\\"}"',
      '',
      '[setup.config_stores.kinesis_logger.items.endpoints]',
      'value = "p"',
      'description = "endpoint names"',
      '[setup.config_stores.kinesis_logger.items.p]',
      'value = \'{"stream_name": "prod-logs", "region": "ap-south-1"}\'',
      ...DECLARED,
    ].join('\n');
    const result = check(toml, 'fastly.toml');
    expect(result.out.split('\n')[0]).toBe('read [local_server.config_stores.kinesis_logger.contents] (4 items) and [setup.config_stores.kinesis_logger.items] (2 items)');
    expect(result.err).toBe('✗ m.region: "nowhere" is not an AWS region\n1 problem(s) in [local_server.config_stores.kinesis_logger.contents]; the app disables endpoints with problems and keeps serving traffic.\n');
    expect(result.code).toBe(1);
    const [local, setup] = result.out.split('\n[setup.config_stores.kinesis_logger.items]:\n');
    expect(local).toContain('✓ n: stream s in us-east-1');
    expect(local).toContain('✓ o: stream s in eu-west-1');
    expect(local).not.toContain('prod-logs');
    expect(setup).toBe(
      '✓ p: stream prod-logs in ap-south-1, placement format_version_default, user_credentials\n' +
        '  needs secrets p.access_key_id and p.secret_access_key in secret store kinesis_logger_secrets\n' +
        '1 endpoint(s) valid for config store kinesis_logger.\n',
    );
  });

  it('reads a [local_server] store kept in a JSON file beside the fastly.toml, and [setup] alone', () => {
    const toml = [
      '[local_server.config_stores.kinesis_logger]\nformat = "json"\nfile = "local/items.json"',
      '[local_server.backends.kinesis]\nurl = "http://127.0.0.1:4567/"',
      '[local_server.kv_stores]\nkinesis_logger_state = []',
      '[local_server.secret_stores.kinesis_logger_secrets]\nformat = "json"\nfile = "local/secrets.json"',
    ].join('\n');
    // Viceroy's json form: a flat object of strings, the endpoint's JSON as text.
    const stored = JSON.stringify({ endpoints: 'main', main: JSON.stringify({ stream_name: 'logs', region: 'eu-west-1' }) });
    const secrets = JSON.stringify({ 'main.access_key_id': 'AKIDLOCAL', 'main.secret_access_key': 'local-secret' });
    const result = cli(['check', 'app/fastly.toml'], {
      'app/fastly.toml': toml,
      [`${process.cwd()}/app/local/items.json`]: stored,
      [`${process.cwd()}/app/local/secrets.json`]: secrets,
    });
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('read [local_server.config_stores.kinesis_logger] file "local/items.json" (2 items)\n');

    const setupOnly = check('[setup.config_stores.kinesis_logger.items.endpoints]\nvalue = "main"\n[setup.config_stores.kinesis_logger.items.main]\n', 'fastly.toml');
    expect(setupOnly.out.split('\n')[0]).toBe('read [setup.config_stores.kinesis_logger.items] (2 items)');
    // The Fastly CLI creates an item without a value as "example", which is not an endpoint's JSON.
    expect(setupOnly.err).toContain('note: main has no value: fastly compute publish would create it as "example"');
    expect(setupOnly.err).toContain('✗ main: not JSON');
    expect(setupOnly.code).toBe(1);
  });

  it('reads standard input with "-", as JSON or as TOML', () => {
    expect(cli(['check', '-'], { '-': VALID })).toMatchObject({ code: 0, err: '' });
    const toml = cli(['check', '-'], { '-': `[local_server.config_stores.kinesis_logger.contents]\nendpoints = "main"\nmain = '{"stream_name": "logs", "region": "nowhere"}'\n` });
    expect(toml.out).toContain('read [local_server.config_stores.kinesis_logger.contents] (2 items)');
    expect(toml.err).toContain('✗ main.region: "nowhere" is not an AWS region');
    expect(toml.code).toBe(1);
  });

  it('--json prints one document a script can read, with the same exit status', () => {
    const result = check(JSON.stringify({ endpoints: 'ok,bad', ok: { stream_name: 'logs', region: 'eu-west-1', iam_role: 'arn:aws:iam::123456789012:role/w' }, bad: { region: 'eu-west-1' } }), 'c.json', '--json');
    expect(result.code).toBe(1);
    expect(result.err).toBe('');
    expect(JSON.parse(result.out)).toEqual({
      file: 'c.json',
      valid: false,
      sources: [
        {
          source: 'c.json',
          items: 3,
          valid: false,
          notes: [],
          endpoints: [
            { name: 'ok', destination: 'kinesis', stream_name: 'logs', region: 'eu-west-1', placement: 'format_version_default', access_method: 'iam_role', iam_role: 'arn:aws:iam::123456789012:role/w', secrets: ['ok.access_key_id', 'ok.secret_access_key'] },
          ],
          problems: [{ endpoint: 'bad', field: 'bad.stream_name', message: 'missing: the Kinesis stream to write to' }],
          warnings: [],
        },
      ],
    });
    expect(JSON.parse(check(VALID, 'v.json', '--json').out).valid).toBe(true);
  });

  it('warns, with a caret, about a regex whose engine caps its subjects, naming the pattern and the construct, and still exits 0', () => {
    const result = check(
      JSON.stringify({
        endpoints: 'main',
        main: { stream_name: 'logs', region: 'eu-west-1', format: '%{regsub(req.url, "^((a)\\2*)+$", "x")}V %{regsub(req.url, "^/[a-z]+", "x")}V', response_condition: 'req.url ~ "^/(\\w+\\.)+com$"' },
      }),
    );
    expect(result.code).toBe(0);
    const warnings = result.err.split('\n').filter((l) => l.startsWith('⚠ '));
    // The format's back-reference and the condition's RE2 pattern; ^/[a-z]+ runs on the native engine.
    expect(warnings).toEqual([
      expect.stringMatching(/^⚠ main\.format: regular expression "\^\(\(a\)\\\\2\*\)\+\$" needs the backtracking engine for back-reference \\2, which RE2 lacks, so subjects over 12 characters do not match it .* at line 1, column 25$/),
      expect.stringMatching(/^⚠ main\.response_condition: regular expression "\^\/\(\\\\w\+\\\\\.\)\+com\$" runs on RE2 .* subjects over 256 characters do not match it.* at line 1, column 12$/),
    ]);
    expect(result.err).toMatch(/\n\s*\^/);
    expect(result.out).toContain('✓ main: stream logs in eu-west-1');
  });

  it('never echoes text from an item that does not parse: a pasted secret stays out of every message', () => {
    const item = `{"stream_name": "logs", "region": "eu-west-1", "secret_key": ${SECRET}"}`;
    const inItem = check(JSON.stringify({ endpoints: 'main', main: item }));
    expect(inItem.code).toBe(1);
    expect(inItem.err).toContain(
      '✗ main: not JSON (expected a value (object, array, string, number, true, false or null), found a letter, at line 1, column 62); expected an object such as',
    );
    const inFile = check(`{"endpoints": "main",\n "main": {"secret_key": ${SECRET}"}}`);
    expect(inFile).toEqual({ code: 2, out: '', err: 'check: config.json: not JSON: expected a value (object, array, string, number, true, false or null), found a letter, at line 2, column 25\n' });
    const inToml = check(`[local_server.config_stores.kinesis_logger.contents]\nmain = ${SECRET}\n`, 'fastly.toml');
    expect(inToml.code).toBe(2);
    expect(inToml.err).toMatch(/^check: fastly\.toml: not TOML: .+, at line 2, column \d+\n$/);
    for (const output of [inItem, inFile, inToml].flatMap((r) => [r.out, r.err])) {
      for (let i = 0; i + 6 <= SECRET.length; i++) expect(output).not.toContain(SECRET.slice(i, i + 6));
    }
  });

  it('exits 2 on a usage error or an unreadable file, saying which', () => {
    expect(cli(['check'])).toMatchObject({ code: 2, err: expect.stringMatching(/^check: missing <config\.json \| fastly\.toml \| ->\nusage: /) });
    expect(cli(['check', 'a.json', 'b.json']).err).toMatch(/^check: unexpected argument "b\.json"/);
    expect(cli(['check', 'nowhere.json'])).toEqual({ code: 2, out: '', err: 'check: nowhere.json: cannot read it (no such file)\n' });
    expect(check('[1, 2]').err).toMatch(/entry 0 needs string item_key and item_value/);
    expect(check('{"endpoints": ["a"]}').err).toMatch(/item "endpoints" must be a string/);
    expect(check('[setup.other]\n', 'fastly.toml').err).toBe(
      'check: fastly.toml: neither [local_server.config_stores.kinesis_logger] nor [setup.config_stores.kinesis_logger.items] is in this file\n',
    );
  });
});
