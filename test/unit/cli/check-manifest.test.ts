/**
 * `check fastly.toml` fails a manifest whose endpoints could not deliver: a backend their requests
 * go through, the KV store, the secret store or an endpoint's keys — in [local_server] and in
 * [setup] alike; in [setup], where secret values cannot be, a reminder of the keys to create.
 * The repository's own fastly.toml passes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';

const ENDPOINTS = {
  endpoints: 'main,role,copy',
  main: '{"stream_name": "logs", "region": "us-east-1"}',
  role: '{"stream_name": "logs", "region": "eu-west-1", "iam_role": "arn:aws:iam::123456789012:role/x", "backend": "kinesis_eu"}',
  // A Fastly log endpoint destination needs no backend, no KV store and no keys.
  copy: '{"destination": "log_endpoint", "log_endpoint": "copies"}',
};

function contents(table: string): string[] {
  return [`[${table}]`, ...Object.entries(ENDPOINTS).map(([key, value]) => `${key} = '${value}'`)];
}

const LOCAL_STORE = ['[local_server.config_stores.kinesis_logger]', 'format = "inline-toml"', ...contents('local_server.config_stores.kinesis_logger.contents')];
const SETUP_STORE = Object.entries(ENDPOINTS).flatMap(([key, value]) => [`[setup.config_stores.kinesis_logger.items.${key}]`, `value = '${value}'`]);

const LOCAL_RESOURCES = [
  '[local_server.backends.kinesis]', 'url = "http://127.0.0.1:4567/"',
  '[local_server.backends.kinesis_eu]', 'url = "http://127.0.0.1:4567/"',
  '[local_server.backends.sts]', 'url = "http://127.0.0.1:4568/"',
  '[local_server.kv_stores]', 'kinesis_logger_state = []',
  '[local_server.secret_stores]',
  'kinesis_logger_secrets = [' +
    ['main.access_key_id', 'main.secret_access_key', 'role.access_key_id', 'role.secret_access_key'].map((key) => `{key = "${key}", data = "x"}`).join(', ') +
    ']',
];
const SETUP_RESOURCES = [
  '[setup.backends.kinesis]', 'address = "kinesis.us-east-1.amazonaws.com"', 'port = 443',
  '[setup.backends.kinesis_eu]', 'address = "kinesis.eu-west-1.amazonaws.com"', 'port = 443',
  '[setup.backends.sts]', 'address = "sts.eu-west-1.amazonaws.com"', 'port = 443',
  '[setup.kv_stores.kinesis_logger_state]', 'description = "maps"',
  '[setup.secret_stores.kinesis_logger_secrets]', 'description = "keys"',
];

function check(lines: string[]) {
  return cli(['check', 'fastly.toml'], { 'fastly.toml': lines.join('\n') });
}

/** The ✗ lines, without the marker. */
function problems(err: string): string[] {
  return err.split('\n').filter((l) => l.startsWith('✗ ')).map((l) => l.slice(2));
}

describe('check fastly.toml: what the endpoints need from the manifest', () => {
  it('passes a manifest that declares every backend, store and key, in both places', () => {
    const result = check([...LOCAL_STORE, ...LOCAL_RESOURCES, ...SETUP_STORE, ...SETUP_RESOURCES]);
    expect(result).toMatchObject({ code: 0, err: '' });
    // [setup] cannot hold secret values: keys not declared as entries are a reminder under their endpoint.
    const [, setup] = result.out.split('\n[setup.config_stores.kinesis_logger.items]:\n');
    expect(setup).toContain(
      '✓ main: stream logs in us-east-1, placement format_version_default, user_credentials\n' +
        '  needs secrets main.access_key_id and main.secret_access_key in secret store kinesis_logger_secrets\n' +
        '  not declared under [setup.secret_stores.kinesis_logger_secrets.entries]: create main.access_key_id and main.secret_access_key after the first publish ' +
        '(fastly secret-store-entry create --name=main.access_key_id …); until then the endpoint sends nothing\n',
    );
    // Declared entries are asked for at publish: no reminder.
    const declared = check([
      ...LOCAL_STORE, ...LOCAL_RESOURCES, ...SETUP_STORE, ...SETUP_RESOURCES,
      ...['main', 'role'].flatMap((name) => [`[setup.secret_stores.kinesis_logger_secrets.entries."${name}.access_key_id"]`, `[setup.secret_stores.kinesis_logger_secrets.entries."${name}.secret_access_key"]`]),
    ]);
    expect(declared).toMatchObject({ code: 0, err: '' });
    expect(declared.out).not.toContain('not declared');
  });

  it('[local_server]: reports each backend, the KV store, and each endpoint\'s missing keys', () => {
    const result = check([...LOCAL_STORE, '[local_server.backends.origin]', 'url = "http://127.0.0.1:8081/"', '[[local_server.secret_stores.kinesis_logger_secrets]]', 'key = "main.access_key_id"', 'data = "x"']);
    expect(result.code).toBe(1);
    expect(problems(result.err)).toEqual([
      '[local_server.backends.kinesis]: missing: endpoint main sends Kinesis requests through backend kinesis; add it with url = "https://kinesis.us-east-1.amazonaws.com/"',
      '[local_server.backends.kinesis_eu]: missing: endpoint role sends Kinesis requests through backend kinesis_eu; add it with url = "https://kinesis.eu-west-1.amazonaws.com/"',
      '[local_server.backends.sts]: missing: endpoint role sends STS AssumeRole requests through backend sts; add it with url = "https://sts.eu-west-1.amazonaws.com/"',
      '[local_server.kv_stores]: no kinesis_logger_state: the KV store that shares shard maps between instances (without it, every instance lists shards on its own); add kinesis_logger_state = [] under it',
      '[local_server.secret_stores.kinesis_logger_secrets]: no main.secret_access_key: endpoint main cannot sign without it; add {key = "main.secret_access_key", data = "…"}',
      '[local_server.secret_stores.kinesis_logger_secrets]: no role.access_key_id or role.secret_access_key: endpoint role cannot sign without them; ' +
        'add {key = "role.access_key_id", data = "…"} and {key = "role.secret_access_key", data = "…"}',
    ]);
    expect(result.err).toContain('6 problem(s) in what the fastly.toml declares beside [local_server.config_stores.kinesis_logger.contents]: the endpoints above cannot deliver until it is fixed.');
  });

  it('[setup]: reports each backend, the KV store and the secret store', () => {
    const result = check([...SETUP_STORE, '[setup.backends.kinesis]', 'address = "kinesis.us-east-1.amazonaws.com"']);
    expect(result.code).toBe(1);
    expect(problems(result.err)).toEqual([
      '[setup.backends.kinesis_eu]: missing: endpoint role sends Kinesis requests through backend kinesis_eu; add it with address = "kinesis.eu-west-1.amazonaws.com" and port = 443',
      '[setup.backends.sts]: missing: endpoint role sends STS AssumeRole requests through backend sts; add it with address = "sts.eu-west-1.amazonaws.com" and port = 443',
      '[setup.kv_stores.kinesis_logger_state]: missing: the KV store that shares shard maps between instances (without it, every instance lists shards on its own); add it with a description',
      '[setup.secret_stores.kinesis_logger_secrets]: missing: the secret store that holds the endpoints\' AWS keys (endpoints main, role sign with them); ' +
        'add it with a description; its entries are created after publishing with fastly secret-store-entry create',
    ]);
  });

  it('reads the other spellings: object_stores, a secret store in a JSON file, a KV store named by kv_store; dynamic backends need none', () => {
    const config = {
      endpoints: 'main',
      main: '{"stream_name": "logs", "region": "us-east-1", "backend": "dynamic"}',
      kv_store: 'maps',
    };
    const toml = [
      '[local_server.config_stores.kinesis_logger]', 'format = "inline-toml"', '[local_server.config_stores.kinesis_logger.contents]',
      ...Object.entries(config).map(([key, value]) => `${key} = '${value}'`),
      '[local_server.object_stores]', 'maps = []',
      '[local_server.secret_stores.kinesis_logger_secrets]', 'format = "json"', 'file = "secrets.json"',
    ].join('\n');
    const ok = cli(['check', 'app/fastly.toml'], {
      'app/fastly.toml': toml,
      [`${process.cwd()}/app/secrets.json`]: JSON.stringify({ 'main.access_key_id': 'a', 'main.secret_access_key': 'b' }),
    });
    expect(ok).toMatchObject({ code: 0, err: '' });
    const unreadable = cli(['check', 'app/fastly.toml'], { 'app/fastly.toml': toml });
    expect(unreadable.code).toBe(0);
    expect(unreadable.err).toBe(
      '⚠ [local_server.secret_stores.kinesis_logger_secrets]: its file could not be read: check that it holds main.access_key_id and main.secret_access_key (endpoint main)\n',
    );
  });

  it('says the same in --json, under problems and warnings', () => {
    const result = cli(['check', 'fastly.toml', '--json'], { 'fastly.toml': [...SETUP_STORE, ...SETUP_RESOURCES.slice(0, 9)].join('\n') });
    expect(result.code).toBe(1);
    const [source] = (JSON.parse(result.out) as { sources: { problems: unknown[]; warnings: unknown[] }[] }).sources;
    expect(source.problems).toEqual([
      expect.objectContaining({ endpoint: 'manifest', field: '[setup.kv_stores.kinesis_logger_state]' }),
      expect.objectContaining({ endpoint: 'manifest', field: '[setup.secret_stores.kinesis_logger_secrets]' }),
    ]);
  });

  it('passes the repository\'s own fastly.toml', () => {
    expect(check([readFileSync('fastly.toml', 'utf8')])).toMatchObject({ code: 0, err: '' });
  });
});
