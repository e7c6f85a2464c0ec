/**
 * An endpoint whose backend the service does not define, with the real app in Viceroy: Kinesis
 * through a backend missing from fastly.toml, and STS (iam_role) through another. Such a call
 * never leaves; retrying cannot help. Each line fails at once (no retry, no attempt counted as
 * reaching Kinesis), goes to the fallback endpoint, and the cause is reported once per sandbox with
 * what to fix, while the endpoint beside it delivers as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startDemoOrigin, type DemoOrigin } from '../support/origin.js';
import { addSecret, setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
const REQUESTS = 4;

let kinesis: LocalKinesis;
let origin: DemoOrigin;
let app: ViceroyApp;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  await createStream(kinesis.url, STREAM, 1);
  origin = await startDemoOrigin();
  app = await startViceroy({
    ports: { origin: origin.port, kinesis: kinesis.port },
    editManifest(toml) {
      const config: Record<string, string> = {
        endpoints: 'main,lost,role',
        'main.format': 'main %U',
        'lost.stream_name': 'lost-logs',
        'lost.region': 'us-east-1',
        'lost.format': 'lost %U',
        'lost.backend': 'no_such_backend',
        'lost.fallback_log_endpoint': 'lost_fallback',
        'role.stream_name': 'role-logs',
        'role.region': 'us-east-1',
        'role.endpoint_url': `http://127.0.0.1:${kinesis.port}/`,
        'role.format': 'role %U',
        'role.iam_role': 'arn:aws:iam::123456789012:role/logger',
        'role.sts_backend': 'no_such_sts',
      };
      let out = toml;
      for (const [key, value] of Object.entries(config)) out = setConfigItem(out, key, value);
      for (const name of ['lost', 'role']) {
        out = addSecret(out, `${name}.access_key_id`, 'AKIDLOCALDEVELOPMENT');
        out = addSecret(out, `${name}.secret_access_key`, 'local-development-secret-not-a-real-key');
      }
      return out;
    },
  });
});

afterAll(async () => {
  await app?.shutdown();
  await origin?.stop();
  await kinesis?.stop();
});

async function until(condition: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

describe('a backend the service does not define, in Viceroy', () => {
  it('fails the lines at once, reports the cause once per sandbox with what to fix, and leaves the other endpoint alone', async () => {
    const paths: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const path = `/r${i}`;
      const response = await app.fetch(path);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      paths.push(path);
      // Requests in sequence, each after the previous one's lost line reached the fallback (so one sandbox serves them all).
      await until(() => app.logLines('lost_fallback').length > i, 30_000);
    }
    expect(app.logLines('lost_fallback')).toEqual(paths.map((p) => `lost ${p}`));

    const stored = async () => (await readStream(kinesis.url, STREAM)).map((r) => r.data);
    await until(async () => (await stored()).length >= REQUESTS, 10_000);
    expect((await stored()).sort()).toEqual(paths.map((p) => `main ${p}`).sort());

    const reports = app.logLines('kinesis_logger_errors');
    if (process.env.DEBUG_E2E) console.log(reports.join('\n'));
    const lost = reports.filter((l) => l.includes('lost-logs'));
    const role = reports.filter((l) => l.includes('role-logs'));
    // Said by the deliveries, with what to fix; the shard map's refresh through the same backend adds nothing.
    expect(reports.filter((l) => l.includes('shard map'))).toEqual([]);
    // Once per cause in a sandbox: never once per request (Viceroy reuses a sandbox for requests in sequence).
    for (const lines of [lost, role]) {
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThan(REQUESTS);
    }
    for (const line of lost) {
      expect(line).toMatch(/^Failed to put record onto stream lost-logs: BackendNotDefined /);
      expect(line).toContain('"no_such_backend"');
      expect(line).toContain('[local_server.backends.no_such_backend]');
      expect(line).toMatch(/\(1 of 1 records; not sent: a configuration error/);
    }
    for (const line of role) {
      expect(line).toMatch(/^Failed to put record onto stream role-logs: BackendNotDefined /);
      expect(line).toContain('"no_such_sts"');
    }
    // Nothing was retried as if it had reached Kinesis.
    expect(reports.filter((l) => /NetworkError|gave up after/.test(l))).toEqual([]);
  });
});
