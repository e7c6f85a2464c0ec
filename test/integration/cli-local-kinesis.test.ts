/**
 * The CLI's local-kinesis and tail against the real kinesalite over HTTP on 127.0.0.1: the stream
 * local-kinesis creates takes records, tail prints them as "<shard id>  <line>", and kinesalite is
 * looked for in the current directory's project (the user's), not beside this package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { LocalKinesisError, runLocalKinesis, startLocalStream } from '../../src/cli/local-kinesis.js';
import { runTail } from '../../src/cli/tail.js';
import { createStream, kinesisCall, listAllShards, startLocalKinesis } from '../../src/testing/local-kinesis.js';

function capture() {
  const seen = { out: '', err: '' };
  const io: CliIo = { out: (t) => (seen.out += t), err: (t) => (seen.err += t), readFile: () => '' };
  return { io, seen };
}

const cwd = process.cwd();
afterEach(() => process.chdir(cwd));

describe('local-kinesis + tail with kinesalite', () => {
  it('creates the stream with its shards, and tail prints every record put into it, backlog first', async () => {
    const lk = capture();
    let stop!: () => void;
    const running = runLocalKinesis({ port: '0', stream: 'orders', shards: '3' }, lk.io, {
      start: startLocalKinesis,
      createStream,
      stopRequested: () => new Promise<void>((resolve) => (stop = resolve)),
    });
    await expect.poll(() => lk.seen.out, { timeout: 20_000 }).toMatch(/ACTIVE/);
    const url = /listening on (\S+),/.exec(lk.seen.out)![1];
    expect(lk.seen.out).toContain(`[local_server.backends.kinesis] url = "${url}"`);
    expect(await listAllShards(url, 'orders')).toHaveLength(3);

    const put = (text: string, key: string) => kinesisCall(url, 'PutRecord', { StreamName: 'orders', PartitionKey: key, Data: Buffer.from(text).toString('base64') });
    await put('before the tail', 'a');

    const tail = capture();
    let done = false;
    const tailing = runTail({ stream: 'orders', url }, tail.io, {
      call: (target) => (operation, body) => kinesisCall(target, operation, body),
      wait: () => new Promise((resolve) => setTimeout(resolve, 50)),
      isStopped: () => done,
    });
    await expect.poll(() => tail.seen.out, { timeout: 10_000 }).toContain('before the tail');
    await put('while tailing', 'b');
    await expect.poll(() => tail.seen.out, { timeout: 10_000 }).toContain('while tailing');
    done = true;
    expect(await tailing).toBe(0);
    expect(tail.seen.out.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^shardId-00000000000[0-2] {2}before the tail$/),
      expect.stringMatching(/^shardId-00000000000[0-2] {2}while tailing$/),
    ]);
    expect(tail.seen.err).toBe(`tailing orders at ${url} (Ctrl-C to stop)\n`);

    stop();
    expect(await running).toBe(0);
    // Stopped: nothing listens there any more.
    await expect(listAllShards(url, 'orders')).rejects.toThrow();
  });

  it('finds kinesalite in the current directory\'s project only, and says how to install it elsewhere', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'ckl-no-kinesalite-'));
    process.chdir(empty);
    try {
      await expect(startLocalStream({ port: 0, stream: 's', shards: 1 })).rejects.toThrow(
        new LocalKinesisError('kinesalite is not installed in this project: npm install --save-dev kinesalite', 'kinesalite-missing'),
      );
    } finally {
      process.chdir(cwd);
      rmSync(empty, { recursive: true });
    }
  });

  it('says the port is taken', async () => {
    const first = await startLocalKinesis();
    try {
      await expect(startLocalStream({ port: first.port, stream: 's', shards: 1 })).rejects.toThrow(`127.0.0.1:${first.port} is already in use`);
    } finally {
      await first.stop();
    }
  });
});
