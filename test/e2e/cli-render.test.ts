/**
 * The bundled CLI (`node bin/cli.cjs …`) as a process, as built by `npm run test:e2e`'s build:
 * render's stdout and exit codes; import's items fed to check, as a user migrating a VCL service
 * would; standard input, --help and --version.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve('bin/cli.cjs');
const dir = mkdtempSync(path.join(tmpdir(), 'format-cli-'));
const factsFile = path.join(dir, 'facts.json');
writeFileSync(
  factsFile,
  JSON.stringify({
    'time.start': '2024-03-05T14:07:09.123456Z',
    'time.end': '2024-03-05T14:07:09.170789Z',
    'req.method': 'GET',
    'req.url': '/a?x="1"',
    'req.proto': 'HTTP/1.1',
    'req.is_ssl': true,
    'req.http.User-Agent': 'curl/8.4.0',
    'resp.status': 200,
    'resp.body_bytes_written': 1234,
    'client.ip': '203.0.113.7',
    'client.geo.city': 'london',
  }),
);

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return cliWithInput('{"req.url": "/stdin"}', ...args);
}

function cliWithInput(input: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/cli.cjs render', () => {
  it('renders a line (exit 0)', () => {
    const r = cli('render', '--format', '%h %{json.escape(req.url)}V', '--facts', factsFile);
    expect(r).toEqual({ status: 0, stdout: '203.0.113.7 /a?x=\\"1\\"\n', stderr: '' });
  });

  it('derives everything from raw facts, like production', () => {
    const r = cli('render', '--format', '%t "%r" %>s %b %D %{time.elapsed}V %{time.start.sec}V %{req.url.path}V %{client.geo.city}V', '--facts', factsFile);
    expect(r.stdout).toBe('[05/Mar/2024:14:07:09 +0000] "GET /a?x="1" HTTP/1.1" 200 1234 47333 0.047 1709647629 /a london\n');
    expect(r.status).toBe(0);
  });

  it('reads the format from @file (one trailing newline dropped) and facts from stdin', () => {
    const formatFile = path.join(dir, 'format.txt');
    writeFileSync(formatFile, '{\n"url":"%U"}\n');
    const r = cli('render', '--format', `@${formatFile}`, '--facts', '-');
    expect(r).toEqual({ status: 0, stdout: '{ "url":"/stdin"}\n', stderr: '' });
  });

  it('prints the caret report and exits 2 for a format that does not compile', () => {
    const r = cli('render', '--format', '%{req.url', '--facts', factsFile);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "render: format error: unterminated '%{': expected '}' followed by a directive letter (write \\} for a literal brace) at line 1, column 1\n%{req.url\n^\n",
    );
  });

  it('exits 2 on usage errors', () => {
    expect(cli('render').status).toBe(2);
    expect(cli('render', '--format').status).toBe(2);
    expect(cli('render', '--format', '%h', '--bogus').status).toBe(2);
    expect(cli('nonsense').status).toBe(2);
    expect(cli().status).toBe(2);
  });

  it('exits 2 on unusable facts', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"resp.status": "abc"}');
    const r = cli('render', '--format', '%s', '--facts', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('render: facts: "resp.status" must be a number, found "abc"\n');
    expect(cli('render', '--format', '%s', '--facts', path.join(dir, 'missing.json')).status).toBe(2);
  });
});

describe('bin/cli.cjs import, check, --help, --version', () => {
  const fixtures = path.resolve('test/fixtures/vcl-import');

  it('import prints items that check accepts, from files and through a pipe', () => {
    const imported = cli('import', path.join(fixtures, 'kinesis-list-cli.json'), '--conditions', path.join(fixtures, 'conditions-list-cli.json'), '--json');
    expect(imported.status).toBe(1); // two of the five endpoints cannot be carried over
    expect(imported.stderr).toBe('');
    const { items, refused } = JSON.parse(imported.stdout) as { items: Record<string, unknown>; refused: { vcl_name: string }[] };
    expect(refused.map((r) => r.vcl_name)).toEqual(['legacy', 'api']);
    const itemsFile = path.join(dir, 'items.json');
    writeFileSync(itemsFile, JSON.stringify(items));
    const checked = cli('check', itemsFile);
    expect(checked.stderr).toBe('');
    expect(checked.status).toBe(0);
    expect(checked.stdout).toContain('3 endpoint(s) valid for config store kinesis_logger.');
    const piped = cliWithInput(JSON.stringify(items), 'check', '-', '--json');
    expect(piped.status).toBe(0);
    expect((JSON.parse(piped.stdout) as { valid: boolean }).valid).toBe(true);
    for (const output of [imported.stdout, cli('import', path.join(fixtures, 'kinesis-list-cli.json')).stdout]) {
      expect(output).not.toContain('EXAMPLEKEY');
      expect(output).not.toContain('AKIAIOSFODNN7EXAMPLE');
    }
  });

  it('check reads this repo\'s fastly.toml, [local_server] and [setup]', () => {
    const r = cli('check', 'fastly.toml');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('read [local_server.config_stores.kinesis_logger.contents] (2 items) and [setup.config_stores.kinesis_logger.items] (2 items)');
  });

  it('--help on every command exits 0; --version prints the version; an unknown option exits 2', () => {
    for (const command of ['render', 'check', 'import']) {
      const r = cli(command, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: compute-kinesis-logger ${command} `));
    }
    expect(cli('--version').stdout).toMatch(/^compute-kinesis-logger \d+\.\d+\.\d+\n$/);
    expect(cli('check', 'fastly.toml', '--bogus').status).toBe(2);
  });
});

describe('bin/cli.cjs render: regexes against hostile subjects, and facts from a VCL service', () => {
  const hostile = path.join(dir, 'hostile.json');
  writeFileSync(hostile, JSON.stringify({ 'req.http.X': `${'a'.repeat(40)}!`, 'fastly.ff.visits_this_service': 1 }));

  it('answers ^(a+)+$ against a 40-character hostile header at once, on the linear-time engine', () => {
    const r = cli('render', '--format', '%{if(req.http.X ~ "^(a+)+$", "match", "no match")}V %{regsub(req.http.X, "^(a|a)*!$", "replaced")}V', '--facts', hostile);
    expect(r.stdout).toBe('no match replaced\n');
    expect(r.status).toBe(0);
  });

  it('runs a pattern RE2 cannot express (a back-reference) on the capped backtracking engine: past 12 characters it gives up, as PCRE does at its limit', () => {
    const r = cli('render', '--format', '%{regsub(req.http.X, "(a+)+\\1", "")}V', '--facts', hostile);
    expect([r.status, r.stdout]).toEqual([0, `${'a'.repeat(40)}!\n`]);
  });

  it('accepts a variable whose value is fixed on the edge, with a note on stderr', () => {
    const r = cli('render', '--format', '%{fastly.ff.visits_this_service}V', '--facts', hostile);
    expect(r).toEqual({ status: 0, stdout: '0\n', stderr: 'render: note: fastly.ff.visits_this_service: not used: the Compute edge always renders 0\n' });
  });
});
