/**
 * Kinesis going away under traffic, with the real app in Viceroy (issue 14.14): for 20 s every
 * connection to Kinesis is reset (PutRecords and ListShards alike), then it comes back.
 *   - retry_window_ms = 30000: lines of requests served during the outage are retried, with waits
 *     growing to seconds, until Kinesis answers: every one is delivered, none reported.
 *   - retry_window_ms = 1000: the window ends long before the outage: every line is reported and
 *     handed to the fallback endpoint, none silently lost.
 * Responses are served meanwhile as usual: logging runs after them, in waitUntil.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createStream, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
const OUTAGE_MS = 20_000;
const REQUESTS = 6;

interface Stack {
  kinesis: LocalKinesis;
  proxy: FaultProxy;
  origin: DemoOrigin;
  app: ViceroyApp;
  /** While true, every Kinesis connection is reset before anything is forwarded. */
  outage: { on: boolean };
}

let stack: Stack | undefined;

afterEach(async () => {
  if (!stack) return;
  await stack.app.shutdown();
  await stack.proxy.stop();
  await stack.origin.stop();
  await stack.kinesis.stop();
  stack = undefined;
});

async function start(retryWindowMs: number): Promise<Stack> {
  const kinesis = await startLocalKinesis();
  await createStream(kinesis.url, STREAM, 2);
  const outage = { on: false };
  const proxy = await startFaultProxy({
    target: kinesis.url,
    operations: ['PutRecords', 'ListShards'],
    faults: () => (outage.on ? { kind: 'reset' } : undefined),
  });
  const origin = await startDemoOrigin();
  const app = await startViceroy({
    ports: { origin: origin.port, kinesis: proxy.port },
    editManifest(toml) {
      let out = setConfigItem(toml, 'main.format', '%U');
      out = setConfigItem(out, 'main.retry_window_ms', String(retryWindowMs));
      return setConfigItem(out, 'main.fallback_log_endpoint', 'kinesis_fallback');
    },
  });
  stack = { kinesis, proxy, origin, app, outage };
  return stack;
}

/** Requests spread over the first part of the outage; their responses are the origin's. */
async function requestsDuringOutage(s: Stack, prefix: string): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const path = `/${prefix}/${i}`;
    const response = await s.app.fetch(path);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    paths.push(path);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return paths;
}

const reportsOf = (app: ViceroyApp) => app.logLines('kinesis_logger_errors').filter((l) => l.startsWith('Failed to put record onto stream'));
const reportedCount = (app: ViceroyApp) => reportsOf(app).reduce((sum, line) => sum + Number(/\((\d+) of \d+ records[;)]/.exec(line)?.[1] ?? NaN), 0);

async function until(condition: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
}

describe('a 20 s Kinesis outage, in Viceroy', () => {
  it('with retry_window_ms = 30000, loses nothing: every line of the outage is delivered once Kinesis is back', async () => {
    const s = await start(30_000);
    s.outage.on = true;
    const began = Date.now();
    const paths = await requestsDuringOutage(s, 'outage');
    await new Promise((r) => setTimeout(r, Math.max(0, began + OUTAGE_MS - Date.now())));
    s.outage.on = false;
    const stored = async () => (await readStream(s.kinesis.url, STREAM)).map((r) => r.data);
    await until(async () => (await stored()).length >= REQUESTS, 45_000);
    expect((await stored()).sort()).toEqual([...paths].sort());
    expect(s.proxy.stats.faultsApplied.reset).toBeGreaterThan(REQUESTS);
    if (process.env.DEBUG_E2E) console.log('resets during the outage', s.proxy.stats.faultsApplied.reset, 'calls', s.proxy.stats.calls);
    expect(reportsOf(s.app)).toEqual([]);
    expect(s.app.logLines('kinesis_fallback')).toEqual([]);
  });

  it('with retry_window_ms = 1000, reports every line of the outage and hands it to the fallback endpoint', async () => {
    const s = await start(1_000);
    s.outage.on = true;
    const paths = await requestsDuringOutage(s, 'short');
    await until(() => reportedCount(s.app) >= REQUESTS, 30_000);
    s.outage.on = false;
    expect(reportedCount(s.app)).toBe(REQUESTS);
    for (const line of reportsOf(s.app)) expect(line).toMatch(/^Failed to put record onto stream compute-logs: NetworkError .*\(1 of 1 records; gave up after \d+ attempts\)$/);
    expect(s.app.logLines('kinesis_fallback').sort()).toEqual([...paths].sort());
    expect(await readStream(s.kinesis.url, STREAM)).toEqual([]);
  });
});
