/** The configuration keys of delivery and credentials: defaults and validation messages naming the key. */
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../../src/config/load.js';
import { configItems, FakeConfig } from '../../../src/testing/memory-stores.js';
import { kinesisEndpoint } from '../../support/endpoints.js';

const minimal = { endpoints: 'main', 'main.stream_name': 'logs', 'main.region': 'eu-west-1', 'main.format': '%m' };
const role = { ...minimal, 'main.iam_role': 'arn:aws:iam::123456789012:role/fastly-logs' };

const messages = (config: Record<string, string>) => loadServiceConfig(new FakeConfig(configItems(config))).errors.map((e) => e.message);
const endpoint = (config: Record<string, string>) => kinesisEndpoint(loadServiceConfig(new FakeConfig(configItems(config))).endpoints[0]);

describe('delivery keys', () => {
  it("default to 3 attempts, a 10 s retry window, the stream's record size (1 MiB until read), 5 MiB calls, truncate, no fallback endpoint, record-id partition keys", () => {
    expect(endpoint(minimal).delivery).toEqual({
      maxAttempts: 3,
      retryWindowMs: 10_000,
      maxRecordBytes: 1024 * 1024,
      recordSizeFromStream: true,
      maxRequestBytes: 5 * 1024 * 1024,
      oversize: 'truncate',
    });
    expect(endpoint(minimal).fallbackLogEndpoint).toBeUndefined();
    expect(endpoint(minimal).partitionKey).toBeUndefined();
  });

  it('retry_window_ms: 0 (off) up to 60 s, inside the logging deadline', () => {
    expect(endpoint({ ...minimal, 'main.retry_window_ms': '0' }).delivery.retryWindowMs).toBe(0);
    expect(endpoint({ ...minimal, 'main.retry_window_ms': '30000' }).delivery.retryWindowMs).toBe(30_000);
    expect(messages({ ...minimal, 'main.retry_window_ms': '90000' })).toEqual(['main.retry_window_ms: "90000" is not an integer from 0 to 60000']);
  });

  it('partition_key: a format compiled at load (errors with a caret), never empty', () => {
    expect(endpoint({ ...minimal, 'main.partition_key': '%{req.http.X-Tenant}V' }).partitionKey?.source).toBe('%{req.http.X-Tenant}V');
    const [unterminated] = messages({ ...minimal, 'main.partition_key': '%{req.http.X-Tenant' });
    expect(unterminated).toMatch(/^main\.partition_key: /);
    expect(unterminated).toContain('^');
    expect(messages({ ...minimal, 'main.partition_key': '%{no.such.variable}V' })[0]).toMatch(/^main\.partition_key: .*no\.such\.variable/s);
    expect(messages({ ...minimal, 'main.partition_key': ' ' })).toEqual(['main.partition_key: empty: leave it out for the record id, or give a format such as %{req.http.X-Tenant}V']);
  });

  it('accept the 10 MiB limits of raised streams', () => {
    const e = endpoint({ ...minimal, 'main.max_record_bytes': String(10 * 1024 * 1024), 'main.max_request_bytes': String(10 * 1024 * 1024), 'main.oversize': 'drop', 'main.max_attempts': '5' });
    expect(e.delivery).toEqual({ maxAttempts: 5, retryWindowMs: 10_000, maxRecordBytes: 10 * 1024 * 1024, recordSizeFromStream: false, maxRequestBytes: 10 * 1024 * 1024, oversize: 'drop' });
  });

  it('compress with gzip when asked, and name any other compression', () => {
    expect(endpoint({ ...minimal, 'main.compression': 'gzip' }).delivery.compression).toBe('gzip');
    expect(endpoint({ ...minimal, 'main.compression': 'none' }).delivery.compression).toBeUndefined();
    expect(messages({ ...minimal, 'main.compression': 'zstd' })).toEqual(['main.compression: "zstd" is not one of none, gzip']);
  });

  it('name the key in every problem', () => {
    expect(
      messages({
        ...minimal,
        'main.max_attempts': '0',
        'main.max_record_bytes': '20000000',
        'main.max_request_bytes': 'lots',
        'main.oversize': 'split',
        'main.fallback_log_endpoint': 'has space',
      }),
    ).toEqual([
      'main.max_attempts: "0" is not an integer from 1 to 10',
      'main.max_record_bytes: "20000000" is not an integer from 1024 to 10485760',
      'main.max_request_bytes: "lots" is not an integer from 65536 to 10485760',
      'main.oversize: "split" is not one of truncate, drop',
      'main.fallback_log_endpoint: "has space" is not a log endpoint name (1-255 of A-Z a-z 0-9 _ . -)',
    ]);
  });

  it('refuse a record limit larger than the call limit', () => {
    expect(messages({ ...minimal, 'main.max_request_bytes': String(512 * 1024) })).toEqual([
      'main.max_record_bytes: 1048576 is larger than max_request_bytes (524288): a record must fit in one PutRecords call',
    ]);
  });

  it('read the fallback log endpoint', () => {
    expect(endpoint({ ...minimal, 'main.fallback_log_endpoint': 'kinesis_fallback' }).fallbackLogEndpoint).toBe('kinesis_fallback');
  });
});

describe('iam_role STS keys', () => {
  it('default to the regional STS endpoint through the static backend "sts"', () => {
    expect(endpoint(role).access).toEqual({
      method: 'iam_role',
      roleArn: 'arn:aws:iam::123456789012:role/fastly-logs',
      externalId: undefined,
      sessionName: 'compute-kinesis-logger',
      durationSeconds: 3600,
      stsUrl: 'https://sts.eu-west-1.amazonaws.com/',
      stsBackend: { kind: 'static', name: 'sts' },
    });
    expect(endpoint({ ...role, 'main.region': 'cn-north-1' }).access).toMatchObject({ stsUrl: 'https://sts.cn-north-1.amazonaws.com.cn/' });
  });

  it('take sts_url and a dynamic backend for its host', () => {
    expect(endpoint({ ...role, 'main.sts_url': 'http://127.0.0.1:4599', 'main.sts_backend': 'dynamic' }).access).toMatchObject({
      stsUrl: 'http://127.0.0.1:4599/',
      stsBackend: { kind: 'dynamic', host: '127.0.0.1:4599', useSsl: false },
    });
    expect(endpoint({ ...role, 'main.sts_backend': 'my_sts' }).access).toMatchObject({ stsBackend: { kind: 'static', name: 'my_sts' } });
  });

  it('name the key when sts_url or sts_backend is wrong', () => {
    expect(messages({ ...role, 'main.sts_url': 'not a url' })).toEqual(['main.sts_url: "not a url" is not a URL (e.g. https://sts.eu-west-1.amazonaws.com/)']);
    expect(messages({ ...role, 'main.sts_url': 'ftp://sts.example' })).toEqual(['main.sts_url: must be an http or https URL, not "ftp" (e.g. https://sts.eu-west-1.amazonaws.com/)']);
    expect(messages({ ...role, 'main.sts_backend': 'a b' })).toEqual(['main.sts_backend: "a b" is not a backend name (1-255 of A-Z a-z 0-9 _ . -), nor "dynamic"']);
  });
});
