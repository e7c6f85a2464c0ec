/**
 * The library inside someone else's app (issue 20 §2), over the in-memory platform: the
 * application's own Config Store lookups, instances made per request, the options' checks, the
 * application's own failures, many lines at once, emitted lines' newlines, and where a missing key
 * was looked for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_LOOKUPS_PER_EXECUTION } from '../../../src/config/index.js';
import { FAILED_LOAD_RETRY_MS, resetLoadedService } from '../../../src/handler/endpoints.js';
import { MAX_EMITTED_LINES_PER_EXECUTION, resetEmittedCounts } from '../../../src/handler/executions.js';
import type { FetchEventLike } from '../../../src/handler/handle-request.js';
import { createKinesisLogging, MAX_INSTANCES_KEPT, REPORTED_AFTER_INSTANCES, type KinesisLoggingOptions } from '../../../src/handler/kinesis-logging.js';
import { createFakePlatform, type BackendHandler, type FakePlatform } from '../../../src/testing/memory-platform.js';
import { configItems } from '../../../src/testing/memory-stores.js';

const THREE_ENDPOINTS = {
  endpoints: 'main,audit,copy',
  'main.stream_name': 'logs',
  'main.region': 'us-east-1',
  'main.format': 'request %U %>s',
  'audit.stream_name': 'logs',
  'audit.region': 'us-east-1',
  'audit.placement': 'none',
  'copy.destination': 'log_endpoint',
  'copy.log_endpoint': 'app_log',
  'copy.placement': 'none',
  trusted_upstreams: '10.0.0.0/8',
};
const KEYS = { access_key_id: 'AKIDEMBEDDING', secret_access_key: 'embedding-test-secret' };
const SECRETS = Object.fromEntries(['main', 'audit'].flatMap((e) => Object.entries(KEYS).map(([k, v]) => [`${e}.${k}`, v])));

/** Kinesis that accepts everything and keeps, per PutRecords call, the decoded lines. */
function recordingKinesis(calls: string[][]): BackendHandler {
  return async (request) => {
    if (request.headers.get('x-amz-target')?.endsWith('.ListShards')) {
      const range = { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() };
      return Response.json({ Shards: [{ ShardId: 'shardId-000000000000', HashKeyRange: range, SequenceNumberRange: { StartingSequenceNumber: '1' } }] });
    }
    if (request.headers.get('x-amz-target')?.endsWith('.DescribeStreamSummary')) {
      return Response.json({ StreamDescriptionSummary: { StreamStatus: 'ACTIVE', OpenShardCount: 1 } });
    }
    const { Records } = (await request.json()) as { Records: { Data: string }[] };
    calls.push(Records.map((r) => Buffer.from(r.Data, 'base64').toString('utf8')));
    return Response.json({ FailedRecordCount: 0, Records: Records.map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })) });
  };
}

function event(path: string, headers: Record<string, string> = {}) {
  const pending: Promise<unknown>[] = [];
  const e: FetchEventLike & { settled: () => Promise<unknown> } = {
    request: new Request(`http://example.com${path}`, { headers }),
    waitUntil: (p) => void pending.push(p),
    client: { address: '203.0.113.7', requestId: `req-${path}` },
    settled: async () => {
      for (let seen = 0; seen < pending.length; seen = pending.length) await Promise.all(pending);
    },
  };
  return e;
}

/**
 * A platform whose Config Stores count every lookup of the current execution, whoever makes it
 * (the logger or the application), and refuse the one past 32 as Compute does. `newExecution()`
 * starts the next request's count.
 */
function lookupCountingPlatform(config: Record<string, string>, calls: string[][]) {
  const platform = createFakePlatform({ config, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
  const items: Record<string, Record<string, string>> = { kinesis_logger: configItems(config), app_settings: { greeting: 'hello' } };
  const counts = { lookups: 0, refused: 0, opened: 0 };
  platform.openConfig = (name) => {
    counts.opened++;
    const store = items[name];
    if (!store) throw new TypeError(`ConfigStore constructor: No ConfigStore named '${name}' exists`);
    return {
      get(key) {
        if (++counts.lookups > CONFIG_LOOKUPS_PER_EXECUTION) {
          counts.refused++;
          throw new Error('ConfigStore.get: too many lookups in this execution');
        }
        return store[key] ?? null;
      },
    };
  };
  return { platform, counts, newExecution: () => (counts.lookups = 0) };
}

/** The application's function: `n` lookups of its own, then a response. */
function appMaking(platform: FakePlatform, n: number) {
  return async () => {
    const store = platform.openConfig('app_settings');
    for (let i = 0; i < n; i++) store.get('greeting');
    return new Response('app');
  };
}

afterEach(() => {
  resetLoadedService();
  resetEmittedCounts();
});

describe("the application's own Config Store lookups (§2.1)", () => {
  it('declared: a load that does not fit is not attempted, the report says what ran out, and an execution with room loads', async () => {
    const calls: string[][] = [];
    const { platform, counts, newExecution } = lookupCountingPlatform(THREE_ENDPOINTS, calls);
    const logging = createKinesisLogging(platform);
    const errors = () => platform.loggers.get('kinesis_logger_errors')?.lines ?? [];

    for (const path of ['/busy-1', '/busy-2']) {
      newExecution();
      const e = event(path);
      const response = await logging.handle(e, appMaking(platform, 24), { backendRequestsForResponse: 0, configLookupsForResponse: 24 });
      expect(await response.text()).toBe('app');
      await e.settled();
      expect(counts.lookups).toBeLessThanOrEqual(CONFIG_LOOKUPS_PER_EXECUTION);
    }
    expect(counts.refused).toBe(0);
    expect(calls).toEqual([]);
    // Once, and exactly: what the load needs, what was left, and why. With 7 left, not even the
    // endpoints key is read: no load fits in fewer than 11.
    expect(errors()).toEqual([
      'compute-kinesis-logger: configuration: Config Store "kinesis_logger" not loaded: Config Store lookups ran out: loading needs at least 11 Config Store lookups ' +
        '(the endpoints key, one or more endpoint item(s), 9 other service keys) and the execution had 7 left (Compute allows 32 per execution; the application declared 24 ' +
        'of its own (configLookupsForResponse); the logger had spent 1); logging is off for such requests, traffic is served; loaded by the first execution with 11 lookups left',
    ]);

    newExecution();
    const e = event('/quiet');
    await (await logging.handle(e, appMaking(platform, 2), { backendRequestsForResponse: 0, configLookupsForResponse: 2 })).text();
    await e.settled();
    expect(counts.refused).toBe(0);
    expect(calls).toEqual([['request /quiet 200']]);
  });

  it('near the limit, the configuration is loaded whole or not at all: trusted_upstreams is never dropped silently', async () => {
    const calls: string[][] = [];
    const { platform, counts, newExecution } = lookupCountingPlatform(THREE_ENDPOINTS, calls);
    const logging = createKinesisLogging(platform);
    // 20 of the application's, 1 before the response: 11 left, two short of the 13 the load needs.
    newExecution();
    const first = event('/near');
    await (await logging.handle(first, appMaking(platform, 20), { backendRequestsForResponse: 0, configLookupsForResponse: 20 })).text();
    await first.settled();
    expect(counts.refused).toBe(0);
    expect(calls).toEqual([]);
    expect(platform.loggers.get('kinesis_logger_errors')!.lines).toEqual([
      'compute-kinesis-logger: configuration: Config Store "kinesis_logger" not loaded: Config Store lookups ran out: loading needs 13 Config Store lookups ' +
        '(the endpoints key, 3 endpoint item(s), 9 other service keys) and the execution had 11 left (Compute allows 32 per execution; the application declared 20 ' +
        'of its own (configLookupsForResponse); the logger had spent 2); logging is off for such requests, traffic is served; loaded by the first execution with 13 lookups left',
    ]);
    // The next request, from a trusted upstream (10.0.0.0/8), loads everything: the address it forwards is kept.
    newExecution();
    const second = event('/trusted', { 'fastly-client-ip': '198.51.100.9' });
    second.client!.address = '10.1.2.3';
    let seen: string | null = null;
    await (
      await logging.handle(second, async (request) => ((seen = request.headers.get('fastly-client-ip')), new Response('ok')), { backendRequestsForResponse: 0 })
    ).text();
    await second.settled();
    expect(seen).toBe('198.51.100.9');
    expect(calls).toEqual([['request /trusted 200']]);
  });

  it('undeclared: the platform refuses a lookup, the report says to declare them, and the failed load is kept for a while, not retried per request', async () => {
    const calls: string[][] = [];
    const clock = { now: 1_000_000 };
    const { platform, counts, newExecution } = lookupCountingPlatform(THREE_ENDPOINTS, calls);
    platform.nowMs = () => clock.now;
    const logging = createKinesisLogging(platform);
    const serve = async (path: string) => {
      newExecution();
      const e = event(path);
      await (await logging.handle(e, appMaking(platform, 24), { backendRequestsForResponse: 0 })).text();
      await e.settled();
      return counts.lookups;
    };
    // 1 before the response + 24 of the application's + the load's, until the 33rd is refused.
    expect(await serve('/a')).toBe(33);
    expect(counts.refused).toBe(1);
    // Kept: the next requests make no lookup for loading at all.
    expect(await serve('/b')).toBe(25);
    clock.now += FAILED_LOAD_RETRY_MS - 1;
    expect(await serve('/c')).toBe(25);
    // After FAILED_LOAD_RETRY_MS it is tried again (and fails again, the same way).
    clock.now += 1;
    expect(await serve('/d')).toBe(33);
    expect(counts.refused).toBe(2);
    const errors = platform.loggers.get('kinesis_logger_errors')!.lines;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/config store "kinesis_logger" cannot be read \(ConfigStore\.get: too many lookups in this execution\)/);
    expect(errors[0]).toContain('if the application makes Config Store lookups of its own, declare them: configLookupsForResponse');
    expect(calls).toEqual([]);
  });

  it('a missing Config Store is not opened again on every request', async () => {
    const platform = createFakePlatform({});
    let opened = 0;
    platform.openConfig = (name) => {
      opened++;
      throw new TypeError(`ConfigStore constructor: No ConfigStore named '${name}' exists`);
    };
    const clock = { now: 0 };
    platform.nowMs = () => clock.now;
    const logging = createKinesisLogging(platform);
    for (let i = 0; i < 5; i++) {
      const e = event(`/${i}`);
      await (await logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
      await e.settled();
      clock.now += 100;
    }
    // Each request's check before the response (waf_corp) opens it; the load only the first time.
    expect(opened).toBe(5 + 1);
  });
});

describe('createKinesisLogging called per request (§2.2)', () => {
  const inCode = (): KinesisLoggingOptions => ({
    endpoints: { main: { stream_name: 'logs', region: 'us-east-1', format: 'code %U', access_method: 'iam_role', iam_role: 'arn:aws:iam::123456789012:role/logs' } },
    stores: { secrets: 'app_secrets' },
  });

  it('identical options share one instance: 50 requests read the secrets once and assume the role once', async () => {
    const calls: string[][] = [];
    let stsCalls = 0;
    const sts: BackendHandler = () => {
      stsCalls++;
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      return new Response(
        `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIATEMP</AccessKeyId><SecretAccessKey>temp</SecretAccessKey><SessionToken>token</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
        { headers: { 'content-type': 'text/xml' } },
      );
    };
    const base = createFakePlatform({ secrets: { 'main.access_key_id': 'AKIDBASE', 'main.secret_access_key': 'base-secret' }, backends: { kinesis: recordingKinesis(calls), sts } });
    let secretReads = 0;
    const platform: FakePlatform = {
      ...base,
      openSecrets: (name) => {
        const store = base.openSecrets(name);
        return { get: (key) => (secretReads++, store.get(key)) };
      },
    };
    for (let i = 0; i < 50; i++) {
      // A new options object each time, as an application that builds them in its handler does.
      const logging = createKinesisLogging(platform, inCode());
      const e = event(`/r${i}`);
      await (await logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
      await e.settled();
    }
    expect(calls.flat()).toHaveLength(50);
    expect(secretReads).toBe(3);
    expect(stsCalls).toBe(1);
    expect(createKinesisLogging(platform, inCode())).toBe(createKinesisLogging(platform, { stores: { secrets: 'app_secrets' }, endpoints: inCode().endpoints }));
    expect(base.loggers.get('kinesis_logger_errors')?.lines ?? []).toEqual([]);
  });

  it('different options per request: reported once past a few, and only the last ones kept', async () => {
    const platform = createFakePlatform({ backends: { kinesis: recordingKinesis([]) } });
    const made = new Set<object>();
    const total = MAX_INSTANCES_KEPT + 4;
    for (let i = 0; i < total; i++) {
      const logging = createKinesisLogging(platform, { endpoints: { copy: { destination: 'log_endpoint', log_endpoint: 'copies', format: `copy ${i} %U` } } });
      made.add(logging);
      const e = event(`/d${i}`);
      await (await logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
      await e.settled();
      // Said when the first one past REPORTED_AFTER_INSTANCES is made, not before.
      expect(platform.loggers.get('kinesis_logger_errors')?.lines ?? []).toHaveLength(i < REPORTED_AFTER_INSTANCES ? 0 : 1);
    }
    expect(made.size).toBe(total);
    expect(platform.loggers.get('copies')!.lines).toHaveLength(total);
    const errors = platform.loggers.get('kinesis_logger_errors')!.lines;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^compute-kinesis-logger: createKinesisLogging: more than ${REPORTED_AFTER_INSTANCES} instances with different options were made in this sandbox`));
    // The last MAX_INSTANCES_KEPT are kept (the same instance again); the one before was given up and is made anew.
    const options = (i: number): KinesisLoggingOptions => ({ endpoints: { copy: { destination: 'log_endpoint', log_endpoint: 'copies', format: `copy ${i} %U` } } });
    expect(made.has(createKinesisLogging(platform, options(total - 1)))).toBe(true);
    expect(made.has(createKinesisLogging(platform, options(total - MAX_INSTANCES_KEPT)))).toBe(true);
    expect(made.has(createKinesisLogging(platform, options(total - MAX_INSTANCES_KEPT - 1)))).toBe(false);
  });
});

describe('the options of handle and emit are checked (§2.3)', () => {
  const platform = () => createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis([]) } });

  it.each([
    ['NaN', Number.NaN, 'not NaN'],
    ['a negative number', -20, 'not -20'],
    ['more than Compute allows', 33, 'not 33'],
    ['a fraction', 1.5, 'not 1.5'],
    ['a string', '3', 'not the string "3"'],
  ])('backendRequestsForResponse as %s is a TypeError naming it', (_, value, says) => {
    const logging = createKinesisLogging(platform());
    const e = event('/x');
    const expected = `compute-kinesis-logger: handle: options.backendRequestsForResponse must be a whole number from 0 to 32 (the backend requests your application makes; Compute allows 32 per execution), ${says}`;
    expect(() => logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: value as number })).toThrow(new TypeError(expected));
    expect(() => logging.emit(e, 'audit', 'x', { backendRequestsForResponse: value as number })).toThrow(TypeError);
  });

  it('checks configLookupsForResponse, option names, respond, the endpoint name and the lines', () => {
    const logging = createKinesisLogging(platform());
    const e = event('/x');
    expect(() => logging.handle(e, async () => new Response('ok'), { configLookupsForResponse: -1 })).toThrow(
      'options.configLookupsForResponse must be a whole number from 0 to 32 (the Config Store lookups your application makes',
    );
    expect(() => logging.handle(e, async () => new Response('ok'), { backendRequestForResponse: 2 } as never)).toThrow(
      'handle: options.backendRequestForResponse is not an option; expected backendRequestsForResponse or configLookupsForResponse',
    );
    expect(() => logging.handle(e, 'not a function' as never)).toThrow('handle: respond must be a function, not the string "not a function"');
    expect(() => logging.emit(e, '', 'x')).toThrow('emit: endpointName must be the name of an endpoint, not the string ""');
    expect(() => logging.emit(e, 'audit', 42 as never)).toThrow('emit: lines must be a string or an array of strings, not 42');
    expect(() => logging.emit(e, 'audit', ['ok', { line: 1 }] as never)).toThrow('emit: lines[1] must be a string, not an object');
    expect(() => createKinesisLogging(platform(), { stores: { secrets: 7 } } as never)).toThrow('options.stores.secrets must be a store name, not 7');
  });

  it("emit without handle: the deadline counts from the request's start, not from the first emit", async () => {
    const calls: string[][] = [];
    const clock = { now: 10_000_000 };
    const p = createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) }, now: () => clock.now, requestStartMs: () => 10_000_000 });
    const logging = createKinesisLogging(p);
    // The application emits its first line 95 s into the request: logging's 90 s are over.
    clock.now += 95_000;
    const e = event('/slow');
    logging.emit(e, 'audit', 'too late');
    await e.settled();
    expect(calls).toEqual([]);
    expect(p.loggers.get('kinesis_logger_errors')!.lines).toContainEqual(expect.stringMatching(/^Failed to put record onto stream logs: BudgetExhausted/));
  });

  it('emit without handle: a request start the runtime cannot have meant (older than an execution lives) is not believed', async () => {
    const calls: string[][] = [];
    const p = createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) }, requestStartMs: () => 0 });
    const logging = createKinesisLogging(p);
    const e = event('/clock');
    logging.emit(e, 'audit', 'on time');
    await e.settled();
    expect(calls).toEqual([['on time']]);
  });
});

describe("the application's own failures (§2.4)", () => {
  it('respond throws: the client gets a 500 (not "origin unreachable"), the request is logged with it, and the exception goes to the error log once per cause', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    const failing = (message: string) => async () => {
      throw new TypeError(message);
    };
    for (const [path, message] of [['/a', 'order is undefined'], ['/b', 'order is undefined'], ['/c', 'cart is\nempty']]) {
      const e = event(path);
      const response = await logging.handle(e, failing(message), { backendRequestsForResponse: 0 });
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('internal server error\n');
      await e.settled();
    }
    expect(calls.flat()).toEqual(['request /a 500', 'request /b 500', 'request /c 500']);
    const errors = platform.loggers.get('kinesis_logger_errors')!.lines;
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^compute-kinesis-logger: respond: the application's function threw TypeError: order is undefined \(at .*embedding\.test\.ts:\d+:\d+\)/);
    expect(errors[0]).toContain('; the client got a 500 and the request is logged with it');
    expect(errors[1]).toContain('threw TypeError: cart is\\nempty');
  });

  it('respond returns something that is not a Response: a 500, and the request is logged with the lines emitted before', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    const e = event('/wrong');
    const response = await logging.handle(
      e,
      (async () => {
        logging.emit(e, 'audit', 'before the mistake');
        return { status: 200, body: 'not a Response' };
      }) as never,
      { backendRequestsForResponse: 0 },
    );
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('internal server error\n');
    await e.settled();
    expect(calls).toEqual([['request /wrong 500', 'before the mistake']]);
    expect(platform.loggers.get('kinesis_logger_errors')!.lines).toEqual([
      "compute-kinesis-logger: respond: the application's function returned an object (Object), not a Response; the client got a 500 and the request is logged with it",
    ]);
  });
});

describe('many lines at once (§2.5)', () => {
  it('a very large batch neither throws nor loses the request\'s own line: the lines past the maximum are counted and reported once', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    const batch = Array.from({ length: 200_000 }, (_, i) => `line ${i}`);
    const e = event('/bulk');
    await (await logging.handle(e, async () => (logging.emit(e, 'copy', batch), new Response('ok')), { backendRequestsForResponse: 0 })).text();
    await e.settled();
    expect(calls).toEqual([['request /bulk 200']]);
    const written = platform.loggers.get('app_log')!.lines;
    expect(written).toHaveLength(MAX_EMITTED_LINES_PER_EXECUTION);
    expect(written.at(-1)).toBe(`line ${MAX_EMITTED_LINES_PER_EXECUTION - 1}`);
    expect(platform.loggers.get('kinesis_logger_errors')!.lines).toEqual([
      `compute-kinesis-logger: emit: an execution emitted more than ${MAX_EMITTED_LINES_PER_EXECUTION} lines; the lines past that were not sent (counted on the admin page: emit.linesOverLimit)`,
    ]);
  });

  it('emits outside handle in the same turn share one delivery: one PutRecords call, no report per emit', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    const e = event('/own');
    for (let i = 0; i < 100; i++) logging.emit(e, 'audit', `emitted ${i}`);
    await e.settled();
    expect(calls).toEqual([Array.from({ length: 100 }, (_, i) => `emitted ${i}`)]);
    expect(platform.loggers.get('kinesis_logger_errors')?.lines ?? []).toEqual([]);
  });
});

describe('emitted lines are escaped like rendered ones (§2.6)', () => {
  it('CR and LF arrive as \\r and \\n at a log endpoint and in a Kinesis record', async () => {
    const calls: string[][] = [];
    const platform = createFakePlatform({ config: THREE_ENDPOINTS, secrets: SECRETS, backends: { kinesis: recordingKinesis(calls) } });
    const logging = createKinesisLogging(platform);
    const forged = 'user=alice\r\ncompute-kinesis-logger: admin: forged line';
    const e = event('/forge');
    await (await logging.handle(e, async () => (logging.emit(e, 'copy', forged), logging.emit(e, 'audit', forged), new Response('ok')), { backendRequestsForResponse: 0 })).text();
    await e.settled();
    const escaped = 'user=alice\\r\\ncompute-kinesis-logger: admin: forged line';
    expect(platform.loggers.get('app_log')!.lines).toEqual([escaped]);
    expect(calls).toEqual([['request /forge 200', escaped]]);
  });
});

describe('a missing key names the Secret Store (§2.8)', () => {
  it('in the report, when the library reads another Secret Store than the default', async () => {
    const platform = createFakePlatform({ config: THREE_ENDPOINTS, secrets: {}, backends: { kinesis: recordingKinesis([]) } });
    const logging = createKinesisLogging(platform, { stores: { secrets: 'shop_secrets' } });
    const e = event('/keys');
    await (await logging.handle(e, async () => new Response('ok'), { backendRequestsForResponse: 0 })).text();
    await e.settled();
    expect(platform.loggers.get('kinesis_logger_errors')!.lines).toContain(
      'Failed to put record onto stream logs: MissingCredentials secret main.access_key_id: missing or empty in Secret Store "shop_secrets" (endpoint main); ' +
        'its lines are not sent until the secret exists, and are counted on the admin page',
    );
  });
});
