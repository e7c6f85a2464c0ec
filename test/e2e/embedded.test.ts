/**
 * The embedding API in a real Compute program: examples/embedded, compiled to Wasm and run in
 * Viceroy. Its own routes answer; every request is logged automatically; POST /orders also emits
 * an audit line through an endpoint whose placement is `none`.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import type { DemoOrigin } from '../support/origin.js';
import { addSecret, REPO_ROOT, setConfigItem, type ViceroyApp } from '../support/viceroy.js';

const EXAMPLE_WASM = path.join(REPO_ROOT, 'bin/example.wasm');

let local: LocalApp | undefined;
let app: ViceroyApp;
let kinesis: LocalKinesis;
let origin: DemoOrigin;

beforeAll(async () => {
  execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/js-compute-runtime'), ['bin/example.cjs', 'bin/example.wasm'], { cwd: REPO_ROOT, stdio: 'pipe' });
  local = await startLocalApp({
    streams: { 'compute-logs': 1, 'audit-trail': 1 },
    wasm: EXAMPLE_WASM,
    editManifest(toml, localKinesis) {
      let out = setConfigItem(toml, 'endpoints', 'main,audit');
      out = setConfigItem(out, 'main.format', 'request %m %U %>s');
      for (const [key, value] of Object.entries({ stream_name: 'audit-trail', region: 'us-east-1', endpoint_url: `http://127.0.0.1:${localKinesis.port}/`, placement: 'none', format: '%m' })) {
        out = setConfigItem(out, `audit.${key}`, value);
      }
      out = addSecret(out, 'audit.access_key_id', 'AKIDLOCALDEVELOPMENT');
      return addSecret(out, 'audit.secret_access_key', 'local-development-secret-not-a-real-key');
    },
  });
  ({ app, kinesis, origin } = local);
}, 180_000);

afterAll(() => local?.stop());

async function records(stream: string, atLeast: number): Promise<string[]> {
  const until = Date.now() + 20_000;
  for (;;) {
    const found = (await readStream(kinesis.url, stream)).map((r) => r.data);
    if (found.length >= atLeast || Date.now() > until) return found.sort();
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('an application embedding the logger', () => {
  it('serves its own responses, logs every request, and sends the lines it emits through a placement-none endpoint', async () => {
    const home = await app.fetch('/home');
    expect(await home.text()).toBe('embedded app: /home\n');
    const order = await app.fetch('/orders', { method: 'POST', body: JSON.stringify({ sku: 'kb-42', quantity: 3 }), headers: { 'content-type': 'application/json' } });
    expect(order.status).toBe(201);
    expect(await order.json()).toEqual({ accepted: true });

    expect(await records('compute-logs', 2)).toEqual(['request GET /home 200', 'request POST /orders 201']);
    // The audit endpoint got only what the application emitted: no automatic line.
    expect(await records('audit-trail', 1)).toEqual([JSON.stringify({ event: 'order', sku: 'kb-42', quantity: 3 })]);
    // The application answered itself (Viceroy's own start-up health check of the backend aside).
    expect(origin.seen.filter((line) => /home|orders/.test(line))).toEqual([]);
    expect(app.logLines('kinesis_logger_errors')).toEqual([]);
  });
});
