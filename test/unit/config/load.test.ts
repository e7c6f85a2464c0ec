import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../../src/config/load.js';
import { KINESIS_DEFAULT_FORMAT } from '../../../src/format/index.js';
import { FakeConfig } from '../../support/fakes/platform.js';

const minimal = { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'eu-west-1' };

describe('loadServiceConfig', () => {
  it('reads a minimal endpoint with Fastly defaults', () => {
    const config = loadServiceConfig(new FakeConfig(minimal));
    expect(config.errors).toEqual([]);
    expect(config.endpoints).toHaveLength(1);
    const [endpoint] = config.endpoints;
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
    const config = loadServiceConfig(new FakeConfig({ endpoints: 'main', 'main.topic': 'logs', 'main.region': 'us-east-1' }));
    expect(config.endpoints[0].streamName).toBe('logs');
  });

  it('uses the .com.cn domain for China regions', () => {
    const config = loadServiceConfig(new FakeConfig({ ...minimal, 'main.region': 'cn-north-1' }));
    expect(config.endpoints[0].kinesisUrl).toBe('https://kinesis.cn-north-1.amazonaws.com.cn/');
  });

  it('builds a dynamic backend for the endpoint URL host when asked', () => {
    const config = loadServiceConfig(new FakeConfig({ ...minimal, 'main.backend': 'dynamic' }));
    expect(config.endpoints[0].kinesisBackend).toEqual({ kind: 'dynamic', host: 'kinesis.eu-west-1.amazonaws.com', useSsl: true });
  });

  it('reports a missing endpoints key', () => {
    const config = loadServiceConfig(new FakeConfig({}));
    expect(config.endpoints).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([
      'service: endpoints: missing: list the endpoint names, comma separated (e.g. "main")',
    ]);
  });

  it('collects every problem of an endpoint, naming the key', () => {
    const config = loadServiceConfig(
      new FakeConfig({ endpoints: 'main', 'main.stream_name': 'bad name!', 'main.region': 'eu-west', 'main.period': '5', 'main.placement': 'vcl_log' }),
    );
    expect(config.endpoints).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([
      'main: main.stream_name: "bad name!" is not a stream name (1-128 of a-z A-Z 0-9 _ . -)',
      'main: main.region: "eu-west" is not an AWS region',
      'main: main.placement: "vcl_log" is not one of format_version_default, waf_debug, none',
      'main: main.period: "5" is not an integer from 60 to 86400',
    ]);
  });

  it('disables only the broken endpoint', () => {
    const config = loadServiceConfig(new FakeConfig({ ...minimal, endpoints: 'main, other', 'other.region': 'us-east-1' }));
    expect(config.endpoints.map((e) => e.name)).toEqual(['main']);
    expect(config.errors.map((e) => e.message)).toEqual(['other: other.stream_name: missing: the Kinesis stream to write to']);
  });

  it('requires a role ARN for iam_role access', () => {
    const config = loadServiceConfig(new FakeConfig({ ...minimal, 'main.access_method': 'iam_role' }));
    expect(config.errors.map((e) => e.message)).toEqual(['main: main.iam_role: missing: the role ARN to assume (access_method is iam_role)']);
    const ok = loadServiceConfig(new FakeConfig({ ...minimal, 'main.iam_role': 'arn:aws:iam::123456789012:role/fastly-logs', 'main.external_id': 'cust-123' }));
    expect(ok.endpoints[0].access).toMatchObject({ method: 'iam_role', roleArn: 'arn:aws:iam::123456789012:role/fastly-logs', externalId: 'cust-123' });
  });
});
