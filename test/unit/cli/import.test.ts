import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../../src/config/load.js';
import { cli } from './run-cli.js';
import { kinesisEndpoint } from '../../support/endpoints.js';

const FIXTURES = path.resolve('test/fixtures/vcl-import');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const FILES = {
  'kinesis.json': fixture('kinesis-list-cli.json'),
  'conditions.json': fixture('conditions-list-cli.json'),
  'api.json': fixture('kinesis-list-api.json'),
};
/** Every secret value in the fixtures (AWS's documented example keys). */
const SECRET_VALUES = ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAI44QH8DHBEXAMPLE', 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'];

interface ImportJson {
  items: Record<string, string | Record<string, string>>;
  secrets: { key: string; what: string; command: string }[];
  endpoints: { name: string; vcl_name: string; mapped: string[]; notes: string[] }[];
  refused: { vcl_name: string; reason: string }[];
}

function importJson(...args: string[]): { code: number; result: ImportJson } {
  const { code, out, err } = cli(['import', ...args, '--json'], FILES);
  expect(err).toBe('');
  return { code, result: JSON.parse(out) as ImportJson };
}

/** The items as the Config Store holds them: strings, an endpoint's as its JSON text. */
function store(items: ImportJson['items']) {
  return { get: (key: string) => (key in items ? (typeof items[key] === 'string' ? items[key] : JSON.stringify(items[key])) : null) };
}

function expectNoSecretIn(text: string) {
  for (const secret of SECRET_VALUES) {
    for (let i = 0; i + 6 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 6));
  }
}

describe('compute-kinesis-logger import', () => {
  it('carries over the endpoints of `fastly logging kinesis list --json`, with their conditions, and refuses the two it cannot', () => {
    const { code, result } = importJson('kinesis.json', '--conditions', 'conditions.json');
    expect(code).toBe(1);
    expect(result.items).toEqual({
      endpoints: 'main_logs,errors,audit',
      main_logs: { stream_name: 'web-logs', region: 'eu-west-1' },
      errors: {
        stream_name: 'web-errors',
        region: 'eu-west-1',
        format: '{"status":%>s,"url":"%{json.escape(req.url)}V","ua":"%{json.escape(req.http.User-Agent)}V"}',
        response_condition: 'resp.status >= 500',
        iam_role: 'arn:aws:iam::123456789012:role/fastly-kinesis',
      },
      audit: { stream_name: 'audit', region: 'us-east-2', format: '{"event":"%{req.http.X-Audit}V"}', placement: 'none', iam_role: 'arn:aws:iam::123456789012:role/fastly-audit' },
    });
    expect(result.refused.map((r) => r.vcl_name)).toEqual(['legacy', 'api']);
    expect(result.refused[0].reason).toMatch(/^format_version "1": only format version 2 is rendered here\. Convert the format to version 2/);
    expect(result.refused[1].reason).toMatch(/^response_condition "is api" is a REQUEST condition: a logging endpoint's condition is tested after the response, as a RESPONSE condition/);
  });

  it('prints items that the app\'s own loader reads without a problem, and that check accepts', () => {
    for (const args of [['kinesis.json', '--conditions', 'conditions.json'], ['api.json']]) {
      const { result } = importJson(...args);
      const config = loadServiceConfig(store(result.items));
      expect(config.errors).toEqual([]);
      expect(config.endpoints.map((e) => e.name)).toEqual(result.endpoints.map((e) => e.name));
      const checked = cli(['check', 'items.json'], { 'items.json': JSON.stringify(result.items) });
      expect(checked).toMatchObject({ code: 0, err: '' });
    }
    const { result } = importJson('kinesis.json', '--conditions', 'conditions.json');
    const errors = kinesisEndpoint(loadServiceConfig(store(result.items)).endpoints.find((e) => e.name === 'errors'));
    expect(errors.responseCondition?.source).toBe('resp.status >= 500');
    expect(errors.access).toMatchObject({ method: 'iam_role', roleArn: 'arn:aws:iam::123456789012:role/fastly-kinesis' });
  });

  it('maps every input field or explains its absence', () => {
    for (const [file, args] of [['kinesis-list-cli.json', ['kinesis.json', '--conditions', 'conditions.json']], ['kinesis-list-api.json', ['api.json']]] as const) {
      const input = JSON.parse(fixture(file)) as Record<string, unknown>[];
      const { result } = importJson(...args);
      for (const endpoint of result.endpoints) {
        const fields = input.find((e) => (e.Name ?? e.name) === endpoint.vcl_name) as Record<string, unknown>;
        const told = [...endpoint.mapped, ...endpoint.notes].join('\n');
        const apiName: Record<string, string> = { StreamName: 'topic', IAMRole: 'iam_role', ProcessingRegion: 'log_processing_region', ServiceVersion: 'version', ServiceID: 'service_id' };
        for (const [field, value] of Object.entries(fields)) {
          if (value === null || value === '') continue; // not set: nothing to carry over
          const name = apiName[field] ?? field.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
          if (name === 'name' && endpoint.name === endpoint.vcl_name) continue; // the item's key
          expect(told, `${endpoint.vcl_name}.${name}`).toContain(name);
        }
      }
    }
  });

  it('lists the secrets still to create, with commands, and never a secret value', () => {
    const human = cli(['import', 'kinesis.json', '--conditions', 'conditions.json'], FILES);
    const { result } = importJson('kinesis.json', '--conditions', 'conditions.json');
    expect(result.secrets.map((s) => s.key)).toEqual([
      'main_logs.access_key_id',
      'main_logs.secret_access_key',
      'errors.access_key_id',
      'errors.secret_access_key',
      'audit.access_key_id',
      'audit.secret_access_key',
    ]);
    expect(result.secrets[1].command).toBe('fastly secret-store-entry create --store-id "$SECRET_STORE_ID" --name=main_logs.secret_access_key');
    for (const secret of result.secrets) expect(human.out).toContain(secret.command);
    expectNoSecretIn(human.out + human.err + JSON.stringify(result));
    expectNoSecretIn(JSON.stringify(importJson('api.json').result));
  });

  it('prints config-store-entry commands whose values are the items, quoted for the shell', () => {
    const human = cli(['import', 'api.json'], FILES);
    expect(human.code).toBe(0);
    const commands = human.out.split('\n').filter((l) => l.includes('fastly config-store-entry update'));
    expect(commands).toHaveLength(3);
    expect(commands[1]).toBe(
      `  fastly config-store-entry update --upsert --store-id "$CONFIG_STORE_ID" --key=test-kinesis --value='{"stream_name":"stream-name","region":"us-east-1","format":"%h %t \\"%r\\" %>s %b","placement":"none"}'`,
    );
    const quoted = cli(['import', 'one.json'], { 'one.json': JSON.stringify({ name: 'q', topic: 's', region: 'us-east-1', format: "it's %h" }) });
    expect(quoted.out).toContain(`--key=q --value='{"stream_name":"s","region":"us-east-1","format":"it'\\''s %h"}'`);
  });

  it('reads `describe --json` (one object) and standard input', () => {
    const one = JSON.stringify({ Name: 'solo', StreamName: 'logs', Region: 'sa-east-1', FormatVersion: 2 });
    const result = cli(['import', '-', '--json'], { '-': one });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).items).toEqual({ endpoints: 'solo', solo: { stream_name: 'logs', region: 'sa-east-1' } });
  });

  it('refuses a condition name it cannot resolve, saying what to pass', () => {
    const { code, result } = importJson('kinesis.json');
    expect(code).toBe(1);
    expect(result.refused.find((r) => r.vcl_name === 'errors')?.reason).toBe(
      'response_condition "5xx responses" is the name of a condition: pass --conditions <file> with the output of fastly vcl condition list --version <version> --json',
    );
    const missing = cli(['import', 'k.json', '--conditions', 'c.json', '--json'], {
      'k.json': JSON.stringify([{ name: 'e', topic: 's', region: 'us-east-1', response_condition: 'gone' }]),
      'c.json': JSON.stringify([{ name: 'other', statement: 'resp.status == 404', type: 'RESPONSE' }]),
    });
    expect(JSON.parse(missing.out).refused).toEqual([{ vcl_name: 'e', reason: 'response_condition "gone": no condition of that name in the conditions given' }]);
  });

  it('refuses what the app\'s loader refuses, with its message: a format that does not compile, waf_debug without WAF keys', () => {
    const input = JSON.stringify([
      { name: 'bad', topic: 's', region: 'us-east-1', format: '%{json.escape(req.url}V' },
      { name: 'waf', topic: 's', region: 'us-east-1', placement: 'waf_debug' },
      { name: 'ok', topic: 's', region: 'us-east-1' },
    ]);
    const refused = cli(['import', 'k.json', '--json'], { 'k.json': input });
    const result = JSON.parse(refused.out) as ImportJson;
    expect(refused.code).toBe(1);
    expect(result.items).toEqual({ endpoints: 'ok', ok: { stream_name: 's', region: 'us-east-1' } });
    expect(result.refused.map((r) => r.vcl_name)).toEqual(['bad', 'waf']);
    expect(result.refused[0].reason).toMatch(/^bad\.format: .* at line 1, column \d+\n%\{json\.escape\(req\.url\}V\n\s*\^/);
    expect(result.refused[1].reason).toBe('waf.placement: waf_debug needs Next-Gen WAF inspection: set the service keys waf_corp and waf_workspace (--waf-corp, --waf-workspace)');

    const withWaf = cli(['import', 'k.json', '--json', '--waf-corp', 'acme', '--waf-workspace', 'prod'], { 'k.json': input });
    const items = (JSON.parse(withWaf.out) as ImportJson).items;
    expect(items).toMatchObject({ endpoints: 'waf,ok', waf_corp: 'acme', waf_workspace: 'prod', waf: { placement: 'waf_debug' } });
    expect(loadServiceConfig(store(items)).errors).toEqual([]);
    expect(cli(['import', 'k.json', '--waf-corp', 'acme'], { 'k.json': input }).err).toMatch(/^import: --waf-corp and --waf-workspace go together\n/);
  });

  it('gives clashing or invalid names a valid, unique name, and notes fields it does not know', () => {
    const input = JSON.stringify([
      { name: 'a b', topic: 's', region: 'us-east-1' },
      { name: 'a/b', topic: 's', region: 'us-east-1', brand_new_field: 'x' },
      { name: 'endpoints', topic: 's', region: 'us-east-1' },
    ]);
    const result = JSON.parse(cli(['import', 'k.json', '--json'], { 'k.json': input }).out) as ImportJson;
    expect(result.endpoints.map((e) => e.name)).toEqual(['a_b', 'a_b_2', 'endpoints_2']);
    expect(result.endpoints[1].notes).toContain("brand_new_field: not a field of Fastly's Kinesis endpoint known to this tool; ignored");
    expect(loadServiceConfig(store(result.items)).errors).toEqual([]);
  });

  it('exits 2 on input it cannot use, without quoting it', () => {
    const broken = cli(['import', 'k.json'], { 'k.json': `[{"name": "e", "secret_key": ${SECRET_VALUES[1]}}]` });
    expect(broken).toEqual({ code: 2, out: '', err: 'import: k.json: not JSON: expected a value (object, array, string, number, true, false or null), found a letter, at line 1, column 30\n' });
    expect(cli(['import', 'k.json'], { 'k.json': '[1]' }).err).toBe(
      'import: k.json: the Kinesis endpoints: entry 0 is not a JSON object (expected the output of fastly … list --json or describe --json)\n',
    );
    expect(cli(['import']).code).toBe(2);
    expect(cli(['import', 'kinesis.json', '--conditions']).err).toMatch(/^import: --conditions needs a value\n/);
  });
});
