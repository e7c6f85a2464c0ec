/**
 * The embedding API in a real Compute program: examples/embedded, compiled to Wasm and run in
 * Viceroy. Its own routes answer; every request is logged automatically; POST /orders also emits
 * an audit line through an endpoint whose placement is `none`; POST /notes emits a line with a
 * line break to a Fastly log endpoint; GET /settings makes 20 Config Store lookups of its own;
 * GET /fail throws.
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
      out = setConfigItem(out, 'endpoints', 'main,audit,notes');
      for (const [key, value] of Object.entries({ destination: 'log_endpoint', log_endpoint: 'app_notes', placement: 'none' })) {
        out = setConfigItem(out, `notes.${key}`, value);
      }
      // The application's own store: 20 settings it reads on GET /settings.
      const flags = Array.from({ length: 20 }, (_, i) => `        "flag_${i}" = "${i % 2 === 0 ? 'on' : 'off'}"`).join('\n');
      out = out.replace(
        '  [local_server.kv_stores]',
        `    [local_server.config_stores.app_settings]\n      format = "inline-toml"\n\n      [local_server.config_stores.app_settings.contents]\n${flags}\n\n  [local_server.kv_stores]`,
      );
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

describe("the application's own lookups, failures and lines (issue 20 §2)", () => {
  it('a handler that throws: the client gets a 500, the request is logged with it, and the exception goes to the error log once', async () => {
    for (let i = 0; i < 2; i++) {
      const failed = await app.fetch('/fail');
      expect(failed.status).toBe(500);
      expect(await failed.text()).toBe('internal server error\n');
    }
    expect((await records('compute-logs', 4)).filter((line) => line.includes('/fail'))).toEqual(['request GET /fail 500', 'request GET /fail 500']);
    const reports = app.logLines('kinesis_logger_errors').filter((line) => line.includes('respond:'));
    // Once per cause in a sandbox; Viceroy runs each request in a new one, so once per request here.
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports[0]).toMatch(/^compute-kinesis-logger: respond: the application's function threw Error: the application failed \(at .+\); the client got a 500 and the request is logged with it$/);
  });

  it('a line break in an emitted line arrives escaped at the log endpoint: one line, not a forged second one', async () => {
    const noted = await app.fetch('/notes', { method: 'POST', body: 'hello\r\ncompute-kinesis-logger: forged' });
    expect(noted.status).toBe(204);
    const until = Date.now() + 20_000;
    while (app.logLines('app_notes').length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(app.logLines('app_notes')).toEqual(['note: hello\\r\\ncompute-kinesis-logger: forged']);
  });

  it('a route that declares its own Config Store lookups is served, and the report says exactly which lookups ran out', async () => {
    const settings = await app.fetch('/settings');
    expect(settings.status).toBe(200);
    expect(await settings.json()).toEqual({ on: Array.from({ length: 10 }, (_, i) => `flag_${i * 2}`) });
    const until = Date.now() + 20_000;
    const ranOut = () => app.logLines('kinesis_logger_errors').filter((line) => line.includes('lookups ran out'));
    while (ranOut().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(ranOut()).toEqual([
      'compute-kinesis-logger: configuration: Config Store "kinesis_logger" not loaded: Config Store lookups ran out: loading needs 13 Config Store lookups ' +
        '(the endpoints key, 3 endpoint item(s), 9 other service keys) and the execution had 11 left (Compute allows 32 per execution; the application declared 20 ' +
        'of its own (configLookupsForResponse); the logger had spent 2); logging is off for such requests, traffic is served; loaded by the first execution with 13 lookups left',
    ]);
    // Not logged; the next request, with no lookups of its own, is.
    const home = await app.fetch('/after-settings');
    expect(home.status).toBe(200);
    await home.text();
    const lines = await records('compute-logs', 5);
    expect(lines).toContain('request GET /after-settings 200');
    expect(lines.filter((line) => line.includes('/settings'))).toEqual([]);
  });
});
