/**
 * A secret pasted into the wrong place never comes back in a message: configuration problems (as
 * the loader makes them, on the error log endpoint, in KinesisLoggingConfigError), `check` (text
 * and JSON) and `import` (text and JSON). Each problem still names its position.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hiddenValue, isQuotable, loadServiceConfig, looksLikeCredential, quoteValue, redactCredentials } from '../../../src/config/index.js';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import { createKinesisLogging, KinesisLoggingConfigError } from '../../../src/handler/kinesis-logging.js';
import { createFakePlatform } from '../../../src/testing/memory-platform.js';
import { FakeConfig } from '../../../src/testing/memory-stores.js';
import { cli } from '../cli/run-cli.js';

/** Shapes of AWS credentials (AWS's documented examples and made-up ones of the same form). */
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SECRET_KEY_PLAIN = 'je7MtGbClwBFZ2Zp9UtkXh3yCo8nvbQXAMPLEKEY';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const TEMP_KEY_ID = 'ASIAY34FZKBOKMUTVV7A';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEJr' + 'Z2V4YW1wbGVzZXNzaW9udG9rZW4'.repeat(8);
const USER = 'svcU7TQ4';
const PASSWORD = 'pQ7xZr2mWv9Lk';
const URL_WITH_PASSWORD = `https://${USER}:${PASSWORD}@kinesis.us-east-1.amazonaws.com/`;

/** Each hostile value, and the parts of it that must never be printed. */
const HOSTILE: { value: string; secret: string[] }[] = [
  { value: SECRET_KEY, secret: [SECRET_KEY] },
  { value: SECRET_KEY_PLAIN, secret: [SECRET_KEY_PLAIN] },
  { value: KEY_ID, secret: [KEY_ID] },
  { value: TEMP_KEY_ID, secret: [TEMP_KEY_ID] },
  { value: SESSION_TOKEN, secret: [SESSION_TOKEN] },
  { value: URL_WITH_PASSWORD, secret: [USER, PASSWORD] },
];

/** No 7 consecutive characters of any secret part appear in `text`. */
function expectNothingOf(secret: string[], text: string): void {
  for (const part of secret) {
    const window = Math.min(7, part.length);
    for (let i = 0; i + window <= part.length; i++) expect(text, `"${part.slice(i, i + window)}" leaked`).not.toContain(part.slice(i, i + window));
  }
}

const KINESIS = { stream_name: 'logs', region: 'us-east-1' };
/** Fields whose alphabet a credential may fit: there such a value is valid, and nothing is reported. */
const MAY_ACCEPT = ['main.external_id', 'main.role_session_name'];
const ROLE = { ...KINESIS, access_method: 'iam_role', iam_role: 'arn:aws:iam::123456789012:role/logger' };

/** Endpoint items with the value in one field each, and the key each problem must name. */
function hostileConfigs(value: string): { items: Record<string, string>; key: string }[] {
  const endpoint = (fields: Record<string, string>, key: string) => ({ items: { endpoints: 'main', main: JSON.stringify(fields) }, key });
  const inKinesis = [
    'stream_name', 'region', 'format_version', 'placement', 'sample_rate', 'access_method', 'period', 'max_attempts', 'retry_window_ms',
    'max_record_bytes', 'max_request_bytes', 'oversize', 'aggregation', 'aggregation_max_bytes', 'compression', 'endpoint_url', 'backend',
    'fallback_log_endpoint', 'destination', 'iam_role',
  ].map((field) => endpoint({ ...KINESIS, [field]: value }, `main.${field}`));
  const inRole = ['external_id', 'role_session_name', 'role_duration_seconds', 'sts_url', 'sts_backend'].map((field) =>
    endpoint({ ...ROLE, [field]: value }, `main.${field}`),
  );
  return [
    ...inKinesis,
    ...inRole,
    endpoint({ region: 'us-east-1', topic: value }, 'main.topic'),
    // Text quoted under a caret: a format or a condition that does not compile.
    endpoint({ ...KINESIS, format: `${value} %{req.url` }, 'main.format'),
    endpoint({ ...KINESIS, response_condition: `req.http.X == "${value}" &&` }, 'main.response_condition'),
    endpoint({ ...KINESIS, partition_key: `%{${value}` }, 'main.partition_key'),
    endpoint({ destination: 'log_endpoint', log_endpoint: value }, 'main.log_endpoint'),
    // A field named by the secret, and the secret as an endpoint's name.
    endpoint({ ...KINESIS, [value]: 'x' }, 'main'),
    { items: { endpoints: `main,${value}`, main: JSON.stringify(KINESIS) }, key: 'endpoints' },
    ...['error_log_endpoint', 'timing_log_endpoint', 'phase_log_endpoint', 'metrics_log_endpoint', 'metrics_interval_s'].map((key) => ({
      items: { endpoints: 'main', main: JSON.stringify(KINESIS), [key]: value },
      key,
    })),
    { items: { endpoints: 'main', main: JSON.stringify(KINESIS), trusted_upstreams: `10.0.0.1, ${value}` }, key: 'trusted_upstreams' },
  ];
}

afterEach(() => resetLoadedService());

describe('what a configuration message shows of a value', () => {
  it('quotes short plain values, and describes the rest without showing them', () => {
    expect(quoteValue('eu-west')).toBe('"eu-west"');
    expect(quoteValue('bad name!')).toBe('"bad name!"');
    expect(quoteValue(SECRET_KEY)).toBe('<40 characters, not shown>');
    expect(quoteValue(SECRET_KEY, /^[a-z0-9-]$/)).toBe('<40 characters, not shown; character 2 is a letter>');
    expect(quoteValue(KEY_ID)).toBe('<20 characters, not shown>');
    expect(quoteValue('a\u001b[2Jb')).toBe('<6 characters, not shown; character 2 is a control character>');
    expect(hiddenValue('logs/raw', /^[a-z]$/)).toBe('<8 characters, not shown; character 5 is \'/\'>');
    for (const { value } of HOSTILE) expect(isQuotable(value), value).toBe(false);
    // Runs of 15 letters and digits are still quoted; 16 are not.
    expect(isQuotable('abcdefghijklmno')).toBe(true);
    expect(isQuotable('abcdefghijklmnop')).toBe(false);
  });

  it('masks credential shapes in any text, keeping its length', () => {
    for (const { value, secret } of HOSTILE) {
      const text = `before ${value} after`;
      const masked = redactCredentials(text);
      expect(masked).toHaveLength(text.length);
      expectNothingOf(secret, masked);
      expect(looksLikeCredential(value)).toBe(true);
    }
    for (const plain of ['KinesisProductionLogs', 'format_version_default', 'https://kinesis.us-east-1.amazonaws.com/', '%h %t "%r" %>s %b', 'ap-southeast-7']) {
      expect(redactCredentials(plain)).toBe(plain);
    }
  });
});

describe('a value that is not plain is described, not quoted', () => {
  it('a token-like or escape-laden value in a field that refuses it: its length and first wrong character', () => {
    const token = 'k3j4h5g6f7d8s9a0p1o2';
    const config = loadServiceConfig(
      new FakeConfig({
        endpoints: 'a,b,c',
        a: JSON.stringify({ ...KINESIS, region: token }),
        b: JSON.stringify({ ...KINESIS, placement: '\u001b]0;owned\u0007' }),
        c: JSON.stringify({ ...KINESIS, backend: 'my backend/' + token }),
      }),
    );
    expect(config.errors.map((e) => e.message)).toEqual([
      'a.region: <20 characters, not shown> is not an AWS region',
      'b.placement: <10 characters, not shown; character 1 is a control character> is not one of format_version_default, waf_debug, none',
      'c.backend: <31 characters, not shown; character 3 is a space> is not a backend name (1-255 of A-Z a-z 0-9 _ . -), nor "dynamic"',
    ]);
  });

  it('a stream name shaped like a secret key is refused, though Kinesis would take it: reports name the stream', () => {
    const config = loadServiceConfig(new FakeConfig({ endpoints: 'main', main: JSON.stringify({ ...KINESIS, stream_name: SECRET_KEY_PLAIN }) }));
    expect(config.endpoints).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([
      'main.stream_name: <40 characters, not shown> looks like a credential (an AWS key id, a secret key, a token or a URL\'s user:password): secrets belong in the Secret Store',
    ]);
  });

  it('a URL with a user name or password is refused; a wrong scheme is named alone', () => {
    const config = loadServiceConfig(
      new FakeConfig({
        endpoints: 'a,b,c',
        a: JSON.stringify({ ...KINESIS, endpoint_url: 'https://me:pw@kinesis.example/' }),
        // URL parsers read a backslash as a slash in http(s) URLs: the shape test does not see this one, the URL's own reading does.
        b: JSON.stringify({ ...KINESIS, endpoint_url: 'https:\\\\me:pw@kinesis.example/' }),
        c: JSON.stringify({ ...KINESIS, endpoint_url: 'ftp://kinesis.example/logs' }),
      }),
    );
    expect(config.errors.map((e) => e.message)).toEqual([
      "a.endpoint_url: <30 characters, not shown> looks like a credential (an AWS key id, a secret key, a token or a URL's user:password): secrets belong in the Secret Store",
      'b.endpoint_url: holds a user name or password (user:password@): remove it; credentials belong in the Secret Store',
      'c.endpoint_url: must be an http or https URL, not "ftp" (e.g. https://kinesis.eu-west-1.amazonaws.com/)',
    ]);
  });
});

describe('a secret in the wrong place never appears in a message', () => {
  it('loadServiceConfig: every problem names its key, none shows the secret', () => {
    for (const { value, secret } of HOSTILE) {
      for (const { items, key } of hostileConfigs(value)) {
        const config = loadServiceConfig(new FakeConfig(items));
        const messages = [...config.errors.map((e) => e.message), ...config.warnings].join('\n');
        if (!MAY_ACCEPT.includes(key) || config.errors.length > 0) expect(config.errors.map((e) => e.key), `${key} = ${value}`).toContain(key);
        expectNothingOf(secret, messages);
      }
    }
  });

  it('check, as text and as JSON', () => {
    for (const { value, secret } of HOSTILE) {
      for (const { items, key } of hostileConfigs(value)) {
        const text = cli(['check', 'c.json'], { 'c.json': JSON.stringify(items) });
        if (text.code === 0 && MAY_ACCEPT.includes(key)) continue;
        expect(text.code).toBe(1);
        expect(text.err).toContain(`${key}`);
        expectNothingOf(secret, text.out + text.err);
        const json = cli(['check', 'c.json', '--json'], { 'c.json': JSON.stringify(items) });
        expectNothingOf(secret, json.out + json.err);
      }
    }
  });

  it('import, as text and as JSON', () => {
    for (const { value, secret } of HOSTILE) {
      const endpoints = [
        { Name: value, StreamName: 'logs', Region: 'us-east-1' },
        { Name: 'region', StreamName: 'logs', Region: value },
        { Name: 'topic', StreamName: value, Region: 'us-east-1' },
        { Name: 'placement', StreamName: 'logs', Region: 'us-east-1', Placement: value },
        { Name: 'version', StreamName: 'logs', Region: 'us-east-1', FormatVersion: value },
        { Name: 'role', StreamName: 'logs', Region: 'us-east-1', IAMRole: value },
        { Name: 'processing', StreamName: 'logs', Region: 'us-east-1', ProcessingRegion: value },
        { Name: 'deleted', StreamName: 'logs', Region: 'us-east-1', DeletedAt: value },
        { Name: 'condition', StreamName: 'logs', Region: 'us-east-1', ResponseCondition: value },
        { Name: 'unknown', StreamName: 'logs', Region: 'us-east-1', [value]: 'x' },
        { Name: 'keys', StreamName: 'logs', Region: 'us-east-1', AccessKey: value, SecretKey: value },
      ];
      const conditions = [{ Name: value, Statement: `req.http.X == "${value}"`, Type: value }];
      const files = { 'k.json': JSON.stringify(endpoints), 'c.json': JSON.stringify(conditions) };
      const text = cli(['import', 'k.json', '--conditions', 'c.json'], files);
      expect(text.code).toBe(1);
      expectNothingOf(secret, text.out + text.err);
      const json = cli(['import', 'k.json', '--conditions', 'c.json', '--json'], files);
      expectNothingOf(secret, json.out + json.err);
    }
  });

  it('KinesisLoggingConfigError, for endpoints given in code', () => {
    for (const { value, secret } of HOSTILE) {
      for (const { items, key } of hostileConfigs(value)) {
        if (!items.main || items.endpoints !== 'main' || Object.keys(items).length > 2) continue;
        const fields = JSON.parse(items.main) as Record<string, string>;
        let thrown: unknown;
        try {
          createKinesisLogging(createFakePlatform({}), { endpoints: { main: fields } });
        } catch (error) {
          thrown = error;
        }
        if (thrown === undefined && MAY_ACCEPT.includes(key)) continue;
        expect(thrown, key).toBeInstanceOf(KinesisLoggingConfigError);
        const error = thrown as KinesisLoggingConfigError;
        expect(error.message).toContain(key);
        expectNothingOf(secret, [error.message, ...error.problems].join('\n'));
      }
    }
  });

  it('the error log endpoint, where the app reports a configuration that does not load', async () => {
    for (const { value, secret } of HOSTILE) {
      for (const { items, key } of hostileConfigs(value)) {
        if (MAY_ACCEPT.includes(key)) continue;
        resetLoadedService();
        const platform = createFakePlatform({ config: {} });
        // The Config Store items as they are: configItems' flat notation would split keys at dots.
        const withItems = { ...platform, openConfig: () => new FakeConfig(items) };
        const logging = createKinesisLogging(withItems);
        const pending: Promise<unknown>[] = [];
        const event = {
          request: new Request('http://example.com/'),
          waitUntil: (p: Promise<unknown>) => void pending.push(p),
          client: { address: '203.0.113.7', requestId: 'req-1' },
        };
        await (await logging.handle(event, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
        await Promise.all(pending);
        const lines = [...platform.loggers.values()].flatMap((logger) => logger.lines);
        expect(lines.join('\n')).toContain('compute-kinesis-logger: configuration:');
        expectNothingOf(secret, lines.join('\n'));
      }
    }
  });
});
