import { describe, expect, it } from 'vitest';
import { loadServiceConfig, lookupsToLoad, NotEnoughConfigLookups } from '../../../src/config/load.js';
import { PRE_RESPONSE_CONFIG_LOOKUPS } from '../../../src/config/schema.js';
import { KINESIS_DEFAULT_FORMAT } from '../../../src/format/index.js';
import { configItems, FakeConfig } from '../../../src/testing/memory-stores.js';
import { kinesisEndpoint } from '../../support/endpoints.js';

const minimal = { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'eu-west-1' };

describe('loadServiceConfig', () => {
  it('reads a minimal endpoint with Fastly defaults', () => {
    const config = loadServiceConfig(new FakeConfig(configItems(minimal)));
    expect(config.errors).toEqual([]);
    expect(config.endpoints).toHaveLength(1);
    const endpoint = kinesisEndpoint(config.endpoints[0]);
    expect(endpoint.name).toBe('main');
    expect(endpoint.streamName).toBe('logs');
    expect(endpoint.format.source).toBe(KINESIS_DEFAULT_FORMAT);
    expect(endpoint.placement).toBe('format_version_default');
    expect(endpoint.periodSeconds).toBe(3600);
    expect(endpoint.access).toEqual({ method: 'user_credentials' });
    expect(endpoint.kinesisUrl).toBe('https://kinesis.eu-west-1.amazonaws.com/');
    expect(endpoint.kinesisBackend).toEqual({ kind: 'static', name: 'kinesis' });
  });

  it('accepts Fastly\'s field name "topic" for the stream', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({ endpoints: 'main', 'main.topic': 'logs', 'main.region': 'us-east-1' })));
    expect(kinesisEndpoint(config.endpoints[0]).streamName).toBe('logs');
  });

  it('uses the .com.cn domain for China regions', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({ ...minimal, 'main.region': 'cn-north-1' })));
    expect(kinesisEndpoint(config.endpoints[0]).kinesisUrl).toBe('https://kinesis.cn-north-1.amazonaws.com.cn/');
  });

  it('builds a dynamic backend for the endpoint URL host when asked', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({ ...minimal, 'main.backend': 'dynamic' })));
    expect(kinesisEndpoint(config.endpoints[0]).kinesisBackend).toEqual({ kind: 'dynamic', host: 'kinesis.eu-west-1.amazonaws.com', useSsl: true });
  });

  it('reports a missing endpoints key', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({})));
    expect(config.endpoints).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([
      'service: endpoints: missing: list the endpoint names, comma separated (e.g. "main")',
    ]);
  });

  it('collects every problem of an endpoint, naming the key', () => {
    const config = loadServiceConfig(
      new FakeConfig(configItems({ endpoints: 'main', 'main.stream_name': 'bad name!', 'main.region': 'eu-west', 'main.period': '5', 'main.placement': 'vcl_log' })),
    );
    expect(config.endpoints).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([
      'main.stream_name: "bad name!" is not a stream name (1-128 of a-z A-Z 0-9 _ . -)',
      'main.region: "eu-west" is not an AWS region',
      'main.period: "5" is not an integer from 60 to 86400',
      'main.placement: "vcl_log" is not one of format_version_default, waf_debug, none',
    ]);
  });

  it('disables only the broken endpoint', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({ ...minimal, endpoints: 'main, other', 'other.region': 'us-east-1' })));
    expect(config.endpoints.map((e) => e.name)).toEqual(['main']);
    expect(config.errors.map((e) => e.message)).toEqual(['other.stream_name: missing: the Kinesis stream to write to']);
  });

  it('requires a role ARN for iam_role access', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({ ...minimal, 'main.access_method': 'iam_role' })));
    expect(config.errors.map((e) => e.message)).toEqual(['main.iam_role: missing: the role ARN to assume (access_method is iam_role)']);
    const ok = loadServiceConfig(new FakeConfig(configItems({ ...minimal, 'main.iam_role': 'arn:aws:iam::123456789012:role/fastly-logs', 'main.external_id': 'cust-123' })));
    expect(kinesisEndpoint(ok.endpoints[0]).access).toMatchObject({ method: 'iam_role', roleArn: 'arn:aws:iam::123456789012:role/fastly-logs', externalId: 'cust-123' });
  });

  it('reads each endpoint from one JSON item, numbers and null included', () => {
    const store = new FakeConfig({ endpoints: 'main', main: '{"stream_name": "logs", "region": "eu-west-1", "period": 120, "external_id": null}' });
    const config = loadServiceConfig(store);
    expect(config.errors).toEqual([]);
    expect(kinesisEndpoint(config.endpoints[0]).periodSeconds).toBe(120);
  });

  it('reads 21 endpoints within the 32 lookups Compute allows, and says which ones it had to ignore', () => {
    const names = Array.from({ length: 28 }, (_, i) => `e${i}`);
    const flat: Record<string, string> = { endpoints: names.join(',') };
    for (const name of names) Object.assign(flat, { [`${name}.stream_name`]: 'logs', [`${name}.region`]: 'us-east-1', [`${name}.iam_role`]: 'arn:aws:iam::123456789012:role/r' });
    const store = new FakeConfig(configItems(flat));
    const config = loadServiceConfig(store); // FakeConfig throws on the 33rd lookup
    // The first request of a sandbox makes one lookup before the response, then loads.
    expect(store.lookups + PRE_RESPONSE_CONFIG_LOOKUPS).toBeLessThanOrEqual(32);
    expect(config.endpoints).toHaveLength(21);
    expect(config.errors.map((e) => e.message)).toEqual([
      'service: endpoints: 28 endpoints listed, at most 21 are read (Compute allows 32 Config Store lookups per request); ignored: e21, e22, e23, e24, e25, e26, e27',
    ]);
  });

  it('counts its lookups exactly (lookupsToLoad), and stops after the endpoints key when they do not fit in what is left', () => {
    const flat = { ...minimal, endpoints: 'main,b,c', 'b.stream_name': 'logs', 'b.region': 'us-east-1', 'c.stream_name': 'logs', 'c.region': 'us-east-1' };
    const full = new FakeConfig(configItems(flat));
    expect(loadServiceConfig(full, { lookupsLeft: lookupsToLoad(3) }).endpoints).toHaveLength(3);
    expect(full.lookups).toBe(lookupsToLoad(3));
    expect(lookupsToLoad(3)).toBe(13);
    const short = new FakeConfig(configItems(flat));
    const attempt = () => loadServiceConfig(short, { lookupsLeft: 12 });
    expect(attempt).toThrow(NotEnoughConfigLookups);
    expect(attempt).toThrow('loading needs 13 Config Store lookups (the endpoints key, 3 endpoint item(s), 9 other service keys) and the execution had 12 left');
    // Only the endpoints key was read, each time: no half-read configuration whose last keys took their defaults.
    expect(short.lookups).toBe(2);
  });

  it('explains an endpoint item that is missing, not JSON, or not an object', () => {
    const config = loadServiceConfig(new FakeConfig({ endpoints: 'a,b,c', b: '{"stream_name": "logs",', c: '["logs"]' }));
    expect(config.endpoints).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([
      'a: missing: an item "a" holding the endpoint\'s settings as JSON, e.g. {"stream_name": "logs", "region": "us-east-1"}',
      expect.stringMatching(/^b: not JSON \(.+\); expected an object such as \{"stream_name"/),
      'c: expected a JSON object of the endpoint\'s fields, e.g. {"stream_name": "logs", "region": "us-east-1"}',
    ]);
  });

  it('names unknown fields with the likely one, and refuses secrets without echoing them', () => {
    const config = loadServiceConfig(
      new FakeConfig({
        endpoints: 'main',
        main: JSON.stringify({ stream_nme: 'logs', region: 'us-east-1', secret_key: 'wJalrXUtnFEMI/K7MDENG', format: { a: 1 } }),
      }),
    );
    const messages = config.errors.map((e) => e.message);
    expect(messages).toEqual([
      expect.stringMatching(/^main\.stream_nme: unknown field \(did you mean stream_name\?\); expected one of stream_name, topic, region, /),
      'main.secret_key: secrets do not belong in the Config Store: remove it here and store it in the Secret Store as main.secret_access_key',
      'main.format: expected a string or a number, got an object',
    ]);
    expect(messages.join('\n')).not.toContain('wJalrXUtnFEMI');
  });

  it('refuses endpoint names that are service keys, and log endpoint names that the Logger API would refuse', () => {
    const config = loadServiceConfig(new FakeConfig({ ...configItems(minimal), endpoints: 'main,kv_store', error_log_endpoint: 'my errors' }));
    expect(config.endpoints.map((e) => e.name)).toEqual(['main']);
    expect(config.errorLogEndpoint).toBe('kinesis_logger_errors');
    expect(config.errors.map((e) => e.message)).toEqual([
      'service: endpoints: name 2 of the list: "kv_store" is not a valid endpoint name (letters, digits, _ and -, up to 64, not starting with -; ' +
        'not one of endpoints, error_log_endpoint, kv_store, waf_corp, waf_workspace, timing_log_endpoint, phase_log_endpoint, metrics_log_endpoint, metrics_interval_s, trusted_upstreams, __proto__)',
      'service: error_log_endpoint: "my errors" is not a log endpoint name (1-255 of A-Z a-z 0-9 _ . -); using the default',
    ]);
  });

  it('reads the metrics keys: the interval defaults to 0 (a line after every delivery), a bad one is named and the default kept', () => {
    const metricsWith = (items: Record<string, string>) => loadServiceConfig(new FakeConfig({ ...configItems(minimal), metrics_log_endpoint: 'cw_metrics', ...items }));
    expect(loadServiceConfig(new FakeConfig(configItems(minimal))).metrics).toBeUndefined();
    expect(metricsWith({}).metrics).toEqual({ logEndpoint: 'cw_metrics', intervalSeconds: 0 });
    expect(metricsWith({ metrics_interval_s: '0' })).toMatchObject({ metrics: { intervalSeconds: 0 }, errors: [] });
    expect(metricsWith({ metrics_interval_s: '10' })).toMatchObject({ metrics: { intervalSeconds: 10 }, errors: [] });
    expect(metricsWith({ metrics_interval_s: '3600' })).toMatchObject({ metrics: { intervalSeconds: 3600 }, errors: [] });
    for (const bad of ['0.5', '-1', '3601', '', ' ', '60s', 'NaN']) {
      const config = metricsWith({ metrics_interval_s: bad });
      expect(config.metrics).toEqual({ logEndpoint: 'cw_metrics', intervalSeconds: 0 });
      expect(config.errors.map((e) => e.message)).toEqual([
        `service: metrics_interval_s: ${JSON.stringify(bad)} is not a whole number of seconds from 0 (a line after every delivery) to 3600; using 0`,
      ]);
    }
  });

  it('disables an endpoint whose format the engine cannot take, whatever the error, and keeps the others', () => {
    const deep = '%{' + '('.repeat(5000) + 'req.url' + ')'.repeat(5000) + '}V';
    const config = loadServiceConfig(new FakeConfig(configItems({ ...minimal, endpoints: 'main,deep', 'deep.stream_name': 'logs', 'deep.region': 'us-east-1', 'deep.format': deep })));
    expect(config.endpoints.map((e) => e.name)).toEqual(['main']);
    expect(config.errors).toHaveLength(1);
    expect(config.errors[0].field).toBe('format');
  });

  it('reads a log_endpoint destination: its log endpoint and line limit, refusing the fields only Kinesis reads', () => {
    const ok = loadServiceConfig(new FakeConfig(configItems({ endpoints: 'dd', 'dd.destination': 'log_endpoint', 'dd.log_endpoint': 'my-datadog', 'dd.format': '%h %r' })));
    expect(ok.errors).toEqual([]);
    expect(ok.endpoints[0]).toMatchObject({ name: 'dd', destination: 'log_endpoint', logEndpoint: 'my-datadog', line: { maxRecordBytes: 1024 * 1024, oversize: 'truncate' } });
    const bad = loadServiceConfig(
      new FakeConfig(configItems({ endpoints: 'a,b,c,d', 'a.destination': 'log_endpoint', 'b.destination': 'log_endpoint', 'b.log_endpoint': 'x', 'b.stream_name': 'logs', 'b.iam_role': 'arn:aws:iam::123456789012:role/r', 'c.destination': 'syslog', 'd.stream_name': 'logs', 'd.region': 'us-east-1', 'd.log_endpoint': 'x' })),
    );
    expect(bad.endpoints).toEqual([]);
    expect(bad.errors.map((e) => e.message)).toEqual([
      'a.log_endpoint: missing: the Fastly log endpoint to write to (destination is "log_endpoint")',
      'b.stream_name: not used with destination "log_endpoint" (Fastly\'s platform sends the lines); remove it',
      'b.iam_role: not used with destination "log_endpoint" (Fastly\'s platform sends the lines); remove it',
      'c.destination: "syslog" is not one of kinesis, log_endpoint',
      'd.log_endpoint: only read with destination "log_endpoint"; remove it, or set destination',
    ]);
  });
});

describe('trusted_upstreams', () => {
  it('reads addresses and ranges; a bad entry is reported and trusts nobody', () => {
    const good = loadServiceConfig(new FakeConfig({ ...configItems(minimal), trusted_upstreams: '10.0.0.0/8, 2001:db8::1' }));
    expect(good.errors).toEqual([]);
    expect(good.trustedUpstreams).toHaveLength(2);
    const bad = loadServiceConfig(new FakeConfig({ ...configItems(minimal), trusted_upstreams: '10.0.0.0/8, proxy.example' }));
    expect(bad.trustedUpstreams).toEqual([]);
    expect(bad.errors.map((e) => e.message)).toEqual([
      'service: trusted_upstreams: entry 2, "proxy.example", is not an IP address or CIDR range (such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32); no upstream is trusted',
    ]);
    expect(bad.endpoints).toHaveLength(1);
  });
});

describe('load-time JSON check', () => {
  it('warns about a JSON format whose line cannot parse, and keeps the endpoint', () => {
    const config = loadServiceConfig(new FakeConfig({ ...configItems({ ...minimal, 'main.format': '{"ua":%{User-Agent}i}' }) }));
    expect(config.errors).toEqual([]);
    expect(config.endpoints).toHaveLength(1);
    expect(config.warnings).toEqual([expect.stringMatching(/^main\.format: %\{User-Agent\}i prints text here, .* at line 1, column 7\n/)]);
    expect(loadServiceConfig(new FakeConfig(configItems(minimal))).warnings).toEqual([]);
  });
});

describe('load-time regex warnings', () => {
  it('names each pattern whose engine caps its subjects, and the construct, in the format and the condition; the endpoint stays enabled', () => {
    const config = loadServiceConfig(
      new FakeConfig(
        configItems({
          ...minimal,
          'main.format': '%{regsub(req.url, "^/(?!api)", "x")}V %{regsub(req.url, "^/[a-z]+", "y")}V',
          'main.response_condition': 'req.http.X ~ "(a+)+b"',
        }),
      ),
    );
    expect(config.errors).toEqual([]);
    expect(config.endpoints).toHaveLength(1);
    expect(config.warnings).toEqual([
      'main.format: regular expression "^/(?!api)" needs the backtracking engine for negative look-ahead (?!, which RE2 lacks, so subjects over 12 characters do not match it (regsub returns its input, ~ is false, fastly.error is EREGRECUR) at line 1, column 22',
      expect.stringMatching(/^main\.response_condition: regular expression "\(a\+\)\+b" runs on RE2 .* subjects over 256 characters do not match it.* at line 1, column 15$/),
    ]);
  });
});
