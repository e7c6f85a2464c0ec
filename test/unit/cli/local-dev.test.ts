/**
 * The CLI's local development commands, local-kinesis and tail (src/cli/local-kinesis.ts, tail.ts):
 * their options through the dispatcher, and their run functions over stand-ins (no kinesalite, no
 * network, no signals). The real kinesalite path is test/integration/cli-local-kinesis.test.ts.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/commands.js';
import type { CliIo } from '../../../src/cli/io.js';
import { LOCAL_KINESIS_COMMAND, runLocalKinesis } from '../../../src/cli/local-kinesis.js';
import { type KinesisCaller, recordText, runTail, StreamTail, TAIL_COMMAND } from '../../../src/cli/tail.js';
import { KinesaliteMissingError, type LocalKinesis } from '../../../src/testing/local-kinesis.js';

function capture() {
  const seen = { out: '', err: '' };
  const io: CliIo = { out: (t) => (seen.out += t), err: (t) => (seen.err += t), readFile: () => '' };
  return { io, seen };
}

async function cliAsync(argv: string[]) {
  const { io, seen } = capture();
  const code = await runCli(argv, io);
  return { code, ...seen };
}

describe('local-kinesis and tail options', () => {
  it.each([LOCAL_KINESIS_COMMAND, TAIL_COMMAND])('$name --help lists every option and the exit statuses', async (spec) => {
    const result = await cliAsync([spec.name, '--help']);
    expect(result.code).toBe(0);
    for (const option of Object.keys(spec.options)) expect(result.out).toMatch(new RegExp(`\\n  --${option}\\b`));
    expect(result.out).toContain('exit status:');
  });

  it.each([
    [['local-kinesis', '--port', '45x'], /^local-kinesis: --port: "45x" is not a port \(0-65535; 0 = any free one\)\nusage: compute-kinesis-logger local-kinesis \[--port <port>\] \[--stream <name>\] \[--shards <n>\]\n/],
    [['local-kinesis', '--port', '65536'], /--port: "65536" is not a port/],
    [['local-kinesis', '--port', '0x10'], /--port: "0x10" is not a port/],
    [['local-kinesis', '--shards', '0'], /--shards: "0" is not a shard count \(1-5000\)/],
    [['local-kinesis', '--shards', '5001'], /--shards: "5001" is not a shard count/],
    [['local-kinesis', '--stream', 'logs/prod'], /--stream: "logs\/prod" is not a stream name \(1-128 of a-z A-Z 0-9 _ \. -\)/],
    [['local-kinesis', '--stream', '\u001b[31mred'], /--stream: "\\u001b\[31mred" is not a stream name/],
    [['local-kinesis', 'extra'], /unexpected argument "extra" \(this command takes options only\)/],
    [['tail', '--url', 'localhost:4567'], /^tail: --url: "localhost:4567" is not an http or https URL\n/],
    [['tail', '--url', 'not a url'], /^tail: --url: "not a url" is not a URL \(e\.g\. http:\/\/127\.0\.0\.1:4567\/\)\n/],
    [['tail', '--new=yes'], /^tail: --new takes no value\n/],
    [['tail', '--port', '4567'], /^tail: unknown option --port\n/],
  ])('%j is a usage error (exit 2) naming the option', async (argv, message) => {
    const result = await cliAsync(argv);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(message);
  });
});

/** A "kinesalite" that records what was asked of it: the port it started on, the stream it created, its stop. */
function fakeKinesalite(failure?: Error) {
  const seen = { ports: [] as number[], streams: [] as string[], stops: 0 };
  let stop!: () => void;
  const deps = {
    start: async (port: number): Promise<LocalKinesis> => {
      if (failure) throw failure;
      seen.ports.push(port);
      return { url: `http://127.0.0.1:${port}/`, port, stop: async () => void seen.stops++ };
    },
    createStream: async (url: string, stream: string, shards: number) => void seen.streams.push(`${url} ${stream} ${shards}`),
    stopRequested: () => new Promise<void>((resolve) => (stop = resolve)),
  };
  return { deps, seen, stop: () => stop() };
}

describe('runLocalKinesis', () => {
  it('creates nothing and says what to install when kinesalite is missing (exit 2, one line)', async () => {
    const { io, seen } = capture();
    const kinesalite = fakeKinesalite(new KinesaliteMissingError());
    expect(await runLocalKinesis({}, io, kinesalite.deps)).toBe(2);
    expect(seen).toEqual({ out: '', err: 'local-kinesis: kinesalite is not installed in this project: npm install --save-dev kinesalite\n' });
    expect(kinesalite.seen.streams).toEqual([]);
  });

  it('says the port is taken, and how to choose another', async () => {
    const { io, seen } = capture();
    const kinesalite = fakeKinesalite(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }));
    expect(await runLocalKinesis({ port: '4567' }, io, kinesalite.deps)).toBe(2);
    expect(seen.err).toBe('local-kinesis: 127.0.0.1:4567 is already in use (another local Kinesis, or npm run dev?): choose another with --port\n');
  });

  it('starts on the default port, prints one line with the fastly.toml URL once the stream exists, and stops on request', async () => {
    const { io, seen } = capture();
    const kinesalite = fakeKinesalite();
    const running = runLocalKinesis({}, io, kinesalite.deps);
    await expect.poll(() => seen.out).not.toBe('');
    expect(kinesalite.seen).toEqual({ ports: [4567], streams: ['http://127.0.0.1:4567/ compute-logs 4'], stops: 0 });
    expect(seen.out).toBe(
      'local-kinesis: listening on http://127.0.0.1:4567/, stream compute-logs (4 shards) ACTIVE; ' +
        'for fastly.toml: [local_server.backends.kinesis] url = "http://127.0.0.1:4567/"; Ctrl-C stops it\n',
    );
    kinesalite.stop();
    expect(await running).toBe(0);
    expect(kinesalite.seen.stops).toBe(1);
    expect(seen.out).toMatch(/\nlocal-kinesis: stopped\n$/);
    expect(seen.err).toBe('');
  });

  it('takes --port, --stream and --shards, and says "1 shard"', async () => {
    const { io, seen } = capture();
    const kinesalite = fakeKinesalite();
    const running = runLocalKinesis({ port: '4599', stream: 'orders', shards: '1' }, io, kinesalite.deps);
    await expect.poll(() => seen.out).not.toBe('');
    expect(kinesalite.seen.streams).toEqual(['http://127.0.0.1:4599/ orders 1']);
    expect(seen.out).toMatch(/^local-kinesis: listening on http:\/\/127\.0\.0\.1:4599\/, stream orders \(1 shard\) ACTIVE; /);
    kinesalite.stop();
    await running;
  });

  it('stops kinesalite again when the stream cannot be created', async () => {
    const { io } = capture();
    const kinesalite = fakeKinesalite();
    kinesalite.deps.createStream = async () => {
      throw new Error('CreateStream failed: 400');
    };
    await expect(runLocalKinesis({}, io, kinesalite.deps)).rejects.toThrow('CreateStream failed: 400');
    expect(kinesalite.seen.stops).toBe(1);
  });
});

/** An in-memory stream for StreamTail: shards with records; iterators are "<shard>:<position>". */
function memoryStream(shards: Record<string, string[]>) {
  const calls: string[] = [];
  const call: KinesisCaller = async <T>(operation: string, body: unknown): Promise<T> => {
    const request = body as Record<string, string>;
    if (operation === 'ListShards') {
      calls.push(operation);
      return { Shards: Object.keys(shards).map((ShardId) => ({ ShardId })) } as T;
    }
    if (operation === 'GetShardIterator') {
      calls.push(`${operation} ${request.ShardId} ${request.ShardIteratorType}`);
      const at = request.ShardIteratorType === 'LATEST' ? shards[request.ShardId].length : 0;
      return { ShardIterator: `${request.ShardId}:${at}` } as T;
    }
    const [shardId, at] = request.ShardIterator.split(':');
    const records = shards[shardId].slice(Number(at));
    return { Records: records.map((text) => ({ Data: Buffer.from(text).toString('base64') })), NextShardIterator: `${shardId}:${shards[shardId].length}` } as T;
  };
  return { call, calls };
}

describe('StreamTail', () => {
  it('prints the backlog first, then only what arrives, from every shard', async () => {
    const shards = { 'shardId-0': ['a1'], 'shardId-1': ['b1', 'b2'] };
    const tail = new StreamTail(memoryStream(shards).call, 'logs', true);
    expect(await tail.poll()).toEqual([
      { shardId: 'shardId-0', text: 'a1' },
      { shardId: 'shardId-1', text: 'b1' },
      { shardId: 'shardId-1', text: 'b2' },
    ]);
    expect(await tail.poll()).toEqual([]);
    shards['shardId-1'].push('b3');
    expect(await tail.poll()).toEqual([{ shardId: 'shardId-1', text: 'b3' }]);
  });

  it('with --new skips the backlog of the shards it first sees, but reads shards that appear later from their start', async () => {
    const shards: Record<string, string[]> = { 'shardId-0': ['old'] };
    const stream = memoryStream(shards);
    const tail = new StreamTail(stream.call, 'logs', false);
    expect(await tail.poll()).toEqual([]);
    shards['shardId-0'].push('new');
    shards['shardId-1'] = ['child1'];
    expect(await tail.poll()).toEqual([
      { shardId: 'shardId-0', text: 'new' },
      { shardId: 'shardId-1', text: 'child1' },
    ]);
    expect(stream.calls.filter((c) => c.startsWith('GetShardIterator'))).toEqual(['GetShardIterator shardId-0 LATEST', 'GetShardIterator shardId-1 TRIM_HORIZON']);
  });

  it('shows gzip records unzipped, and anything else as UTF-8', () => {
    expect(recordText(gzipSync('{"status":200}'))).toBe('{"status":200}');
    expect(recordText(Buffer.from('plain line, ünïcode'))).toBe('plain line, ünïcode');
    expect(recordText(Buffer.from([0x1f, 0x8b, 0x41]))).toBe('\\u001f\ufffdA');
  });

  it('keeps a record on one line, and terminal controls from the terminal, tabs aside', () => {
    expect(recordText(Buffer.from('a\tb\nc\r\u001b[2J\u0007\u009b1m\u007f'))).toBe('a\tb\\u000ac\\u000d\\u001b[2J\\u0007\\u009b1m\\u007f');
    expect(recordText(gzipSync('two\nlines'))).toBe('two\\u000alines');
  });
});

describe('runTail', () => {
  it('prints records as "<shard id>  <line>", says a problem once until it changes or ends, and stops on request', async () => {
    const { io, seen } = capture();
    const shards = { 'shardId-000000000000': ['GET / 200'] };
    const stream = memoryStream(shards);
    // Poll 1 and 2: nothing answers; 3: the stream is there; 4: stop.
    let polls = 0;
    const code = await runTail({ stream: 'logs', url: 'http://127.0.0.1:4999' }, io, {
      call: (url) => {
        expect(url).toBe('http://127.0.0.1:4999/');
        return (operation, body) => (polls <= 2 ? Promise.reject(new TypeError('fetch failed')) : stream.call(operation, body));
      },
      wait: async () => void polls++,
      isStopped: () => polls >= 4,
    });
    expect(code).toBe(0);
    expect(seen.out).toBe('shardId-000000000000  GET / 200\n');
    expect(seen.err).toBe(
      'tailing logs at http://127.0.0.1:4999/ (Ctrl-C to stop)\n' +
        'tail: nothing answers at http://127.0.0.1:4999/: start a local Kinesis (npx compute-kinesis-logger local-kinesis, or npm run dev); still trying (Ctrl-C to stop)\n' +
        'tail: reading logs again\n',
    );
  });

  it('names a stream that does not exist', async () => {
    const { io, seen } = capture();
    let polls = 0;
    await runTail({}, io, {
      call: () => () => Promise.reject(new Error('ListShards failed: 400 {"__type":"ResourceNotFoundException"}')),
      wait: async () => void polls++,
      isStopped: () => polls >= 3,
    });
    expect(seen.err).toBe(
      'tailing compute-logs at http://127.0.0.1:4567/ (Ctrl-C to stop)\ntail: no stream compute-logs at http://127.0.0.1:4567/ (another --stream?); still trying (Ctrl-C to stop)\n',
    );
  });
});
