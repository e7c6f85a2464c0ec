/** The embedding API (src/library.ts) over the in-memory platform: which calls emitted lines travel in. */
import { afterEach, describe, expect, it } from 'vitest';
import { createKinesisLogging, KinesisLoggingConfigError } from '../../../src/handler/kinesis-logging.js';
import { resetLoadedService } from '../../../src/handler/endpoints.js';
import type { FetchEventLike } from '../../../src/handler/handle-request.js';
import { createFakePlatform, type BackendHandler } from '../../../src/testing/memory-platform.js';

const CONFIG = {
  endpoints: 'main,audit',
  'main.stream_name': 'logs',
  'main.region': 'us-east-1',
  'main.format': 'request %U',
  'audit.stream_name': 'logs',
  'audit.region': 'us-east-1',
  'audit.placement': 'none',
};
const KEYS = { access_key_id: 'AKIDEMBEDTEST', secret_access_key: 'embed-test-secret' };
const SECRETS = Object.fromEntries(['main', 'audit'].flatMap((e) => Object.entries(KEYS).map(([k, v]) => [`${e}.${k}`, v])));

/** Kinesis that accepts everything and keeps, per PutRecords call, the decoded lines. */
function recordingKinesis(calls: string[][]): BackendHandler {
  return async (request) => {
    if (request.headers.get('x-amz-target')?.endsWith('.DescribeStreamSummary')) return Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
    if (request.headers.get('x-amz-target')?.endsWith('.ListShards')) {
      const range = { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() };
      return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: range, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
    }
    const { Records } = (await request.json()) as { Records: { Data: string }[] };
    calls.push(Records.map((r) => Buffer.from(r.Data, 'base64').toString('utf8')));
    return Response.json({ FailedRecordCount: 0, Records: Records.map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })) });
  };
}

function event(path: string) {
  const pending: Promise<unknown>[] = [];
  const e: FetchEventLike & { settled: () => Promise<unknown> } = {
    request: new Request(`http://example.com${path}`),
    waitUntil: (p) => void pending.push(p),
    client: { address: '203.0.113.7', requestId: `req-${path}` },
    settled: async () => {
      // waitUntil may be called again while settling (a late emit): wait for those too.
      for (let seen = 0; seen < pending.length; seen = pending.length) await Promise.all(pending);
    },
  };
  return e;
}

afterEach(() => resetLoadedService());

describe('createKinesisLogging', () => {
  it('sends lines emitted while serving in the same PutRecords call as the request\'s own line', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    const e = event('/order');
    const response = await logging.handle(e, async () => {
      logging.emit(e, 'audit', ['audit one', 'audit two']);
      return new Response('ok');
    }, { backendRequestsForResponse: 0 });
    expect(await response.text()).toBe('ok');
    await e.settled();
    expect(calls).toEqual([['request /order', 'audit one', 'audit two']]);
  });

  it('sends lines emitted after the request was logged on their own', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    const e = event('/late');
    await (await logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
    await e.settled();
    logging.emit(e, 'audit', 'after the fact');
    await e.settled();
    expect(calls).toEqual([['request /late'], ['after the fact']]);
  });

  it('reports an unknown endpoint once and sends nothing for it', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    for (const path of ['/a', '/b']) {
      const e = event(path);
      await (await logging.handle(e, async () => {
        logging.emit(e, 'nope', 'lost?');
        return new Response('ok');
      }, { backendRequestsForResponse: 0 })).text();
      await e.settled();
    }
    expect(calls).toEqual([['request /a'], ['request /b']]);
    expect(platform.loggers.get('kinesis_logger_errors')!.lines).toEqual([
      'compute-kinesis-logger: emit: no usable endpoint named "nope" (see the configuration report); its lines are not sent',
    ]);
  });

  it('emits outside handle share one execution: one budget of 31 requests, and line numbers that never repeat', async () => {
    let putRecords = 0;
    const keys = new Set<string>();
    const failing: BackendHandler = async (request) => {
      if (request.headers.get('x-amz-target')?.endsWith('.PutRecords')) {
        putRecords++;
        for (const r of ((await request.json()) as { Records: { PartitionKey: string }[] }).Records) keys.add(r.PartitionKey);
      }
      return Response.json({ __type: 'InternalFailure', message: 'down' }, { status: 500 });
    };
    const config = { ...CONFIG, 'audit.retry_window_ms': '0', 'audit.fallback_log_endpoint': 'spill' };
    const platform = createFakePlatform({ config, secrets: SECRETS, backends: { kinesis: failing } });
    const logging = createKinesisLogging(platform);
    const e = event('/own');
    // An application that serves by itself and emits twelve times, each in its own turn of the event
    // loop (so each is its own delivery): 12 × 3 tries would be 36 requests.
    for (let i = 0; i < 12; i++) {
      logging.emit(e, 'audit', `emitted ${i}`);
      await Promise.resolve();
    }
    await e.settled();
    const kinesisRequests = platform.sent.filter((s) => s.backend === 'kinesis').length;
    expect(kinesisRequests).toBeLessThanOrEqual(31);
    expect(putRecords).toBeGreaterThanOrEqual(12);
    // Every line failed and reported, none lost; and their record ids are all different.
    expect(platform.loggers.get('spill')!.lines.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `emitted ${i}`).sort());
    expect(keys).toEqual(new Set(Array.from({ length: 12 }, (_, i) => `req-/own-${i}`)));
  });
});

describe('createKinesisLogging options', () => {
  const inCode = {
    endpoints: {
      main: { stream_name: 'logs', region: 'us-east-1', format: 'code %U' },
      copy: { destination: 'log_endpoint', log_endpoint: 'copies', format: 'copy %U %>s' },
    },
    service: { error_log_endpoint: 'code_errors' },
    stores: { secrets: 'app_secrets', kv: 'app_kv' },
  } as const;

  it('takes endpoints in code: no Config Store lookup, the named Secret and KV stores, a log_endpoint destination', async () => {
    const calls: string[][] = [];
    const opened: string[] = [];
    const base = createFakePlatform({ secrets: { 'main.access_key_id': 'AKIDCODE', 'main.secret_access_key': 'code-secret' }, backends: { kinesis: recordingKinesis(calls) } });
    const platform = {
      ...base,
      openConfig: (name: string) => {
        throw new Error(`no Config Store should be opened, asked for ${name}`);
      },
      openSecrets: (name: string) => (opened.push(`secrets:${name}`), base.openSecrets(name)),
      openKv: (name: string) => (opened.push(`kv:${name}`), base.openKv(name)),
    };
    const logging = createKinesisLogging(platform, inCode);
    const e = event('/in-code');
    await (await logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
    await e.settled();
    expect(calls).toEqual([['code /in-code']]);
    expect(base.loggers.get('copies')!.lines).toEqual(['copy /in-code 200']);
    expect(new Set(opened)).toEqual(new Set(['secrets:app_secrets', 'kv:app_kv']));
    // Problems would go to the error log endpoint named in code: there are none.
    expect(base.loggers.get('code_errors')!.lines).toEqual([]);
  });

  it('refuses a wrong configuration in code when it is created, with the loader\'s own messages', () => {
    const platform = createFakePlatform({});
    const attempt = () =>
      createKinesisLogging(platform, {
        endpoints: { main: { stream_name: 'logs', region: 'mars-1', secret_key: 'wJalrXUtnFEMI' } as never, other: { destination: 'log_endpoint' } },
      });
    expect(attempt).toThrow(KinesisLoggingConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as KinesisLoggingConfigError).problems).toEqual([
        'main.secret_key: secrets do not belong in the Config Store: remove it here and store it in the Secret Store as main.secret_access_key',
        'other.log_endpoint: missing: the Fastly log endpoint to write to (destination is "log_endpoint")',
      ]);
      expect((error as Error).message).not.toContain('wJalrXUtnFEMI');
    }
    expect(() => createKinesisLogging(platform, { service: { error_log_endpoint: 'x' } })).toThrow(/service: settings in code need the endpoints in code too/);
    expect(() => createKinesisLogging(platform, { endpoints: { main: { stream_name: 's', region: 'us-east-1' } }, service: { erorr_log_endpoint: 'x' } as never })).toThrow(
      /service: erorr_log_endpoint: not a service setting; expected one of error_log_endpoint/,
    );
  });

  it('reads the Config Store it is told to, and its secrets from the Secret Store it is told to', async () => {
    const calls: string[][] = [];
    const base = createFakePlatform({ config: CONFIG, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const asked: string[] = [];
    const platform = {
      ...base,
      openConfig: (name: string) => (asked.push(`config:${name}`), base.openConfig(name)),
      openSecrets: (name: string) => (asked.push(`secrets:${name}`), base.openSecrets(name)),
    };
    const logging = createKinesisLogging(platform, { stores: { config: 'my_config', secrets: 'my_secrets' } });
    const e = event('/named');
    await (await logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
    await e.settled();
    expect(calls).toEqual([['request /named']]);
    expect(new Set(asked)).toEqual(new Set(['config:my_config', 'secrets:my_secrets']));
  });
});
