/**
 * Hostile requests through the compiled Wasm in Viceroy:
 * - headers built to break JSON (quotes, backslashes, forged fields, invalid UTF-8): every record
 *   of every default JSON format parses and has exactly the fields of a harmless request, and
 *   client_ip is the real client whatever Fastly-Client-IP the client sent — the origin gets the
 *   same rewritten header;
 * - a 40-character header against `^(a+)+$` in a response condition and in a format: answered by
 *   the linear-time engine (a backtracking engine needs ~2^40 steps, far past Compute's 50 ms of
 *   CPU, and the line would be lost); the request is served and logged (regex-sweep.test.ts runs
 *   many more shapes).
 * The vCPU figures of the timing lines are printed, not asserted.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../src/testing/listen.js';
import { createStream, readStream, startLocalKinesis, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { addSecret, setConfigItem, startViceroy, type ViceroyApp } from '../support/viceroy.js';
import {
  BIGQUERY_EXAMPLE_FORMAT,
  DATADOG_DEFAULT_FORMAT,
  FASTLY_UI_JSON_FORMAT,
  KINESIS_DEFAULT_FORMAT,
} from '../../src/format/index.js';
import { LINEAR_SUBJECT_MAX_CHARS } from '../../src/format/regex/index.js';
import { seededRandom } from '../../src/testing/seeded-random.js';

const FORMATS: Record<string, string> = {
  kinesis: KINESIS_DEFAULT_FORMAT,
  datadog: DATADOG_DEFAULT_FORMAT,
  bigquery: BIGQUERY_EXAMPLE_FORMAT,
  ui: FASTLY_UI_JSON_FORMAT,
};
const REGEX_STREAM = 'regex';
const DEVICE_STREAM = 'device';
const BOT_UA = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)';
/** Viceroy's device detection answers from the manifest (reference/compute.md §1.3). */
const DEVICE_DETECTION = `
[local_server.device_detection]
  format = "inline-toml"
  [local_server.device_detection.user_agents."${BOT_UA}"]
  user_agent = {}
  os = {}
  device = {name = "Googlebot", brand = "Google", model = "bot", hwtype = "Bot", is_desktop = false, is_mobile = false, is_touchscreen = false, is_bot = true}
  [local_server.device_detection.user_agents."${PHONE_UA}"]
  user_agent = {}
  os = {}
  device = {name = "iPhone", brand = "Apple", model = "iPhone", hwtype = "Mobile Phone", is_mobile = true, is_tablet = false, is_touchscreen = true}
`;
const HOSTILE_REQUESTS = 24;

let kinesis: LocalKinesis;
let origin: Listening;
const originClientIps: Array<string | undefined> = [];
let app: ViceroyApp;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  origin = await listen(
    http.createServer((req, res) => {
      // Viceroy itself probes a backend at start (GET / with a Host header only): not the app's.
      if (req.url !== '/') originClientIps.push(req.headers['fastly-client-ip'] as string | undefined);
      res.end('ok\n');
    }),
  );
  for (const name of [...Object.keys(FORMATS), REGEX_STREAM, DEVICE_STREAM]) await createStream(kinesis.url, name, 1);
  app = await startViceroy({
    ports: { origin: origin.port, kinesis: kinesis.port },
    editManifest(toml) {
      let out = setConfigItem(toml + DEVICE_DETECTION, 'endpoints', [...Object.keys(FORMATS), REGEX_STREAM, DEVICE_STREAM].join(','));
      out = setConfigItem(out, 'timing_log_endpoint', 'timing');
      for (const [name, format] of Object.entries(FORMATS)) out = endpoint(out, name, { format });
      out = endpoint(out, REGEX_STREAM, {
        format: '%{if(req.http.X ~ "^(a|a)*$", "alt", "no-alt")}V %{regsub(req.http.X, "^(a+)+!$", "nested!")}V %{std.strlen(req.http.X)}V',
        response_condition: 'req.http.X ~ "^(a+)+$" || req.http.X ~ "!$"',
      });
      out = endpoint(out, DEVICE_STREAM, {
        format: '%{client.class.bot}V %{client.bot.name}V %{client.platform.vendor}V %{client.platform.model}V %{client.platform.hwtype}V %{client.platform.mobile}V %{client.display.touchscreen}V %U',
        response_condition: 'req.url ~ "^/device"',
      });
      return out;
    },
  });
});

afterAll(async () => {
  await app?.shutdown();
  await origin?.stop();
  await kinesis?.stop();
});

function endpoint(toml: string, name: string, fields: Record<string, string>): string {
  let out = toml;
  const all = { stream_name: name, region: 'us-east-1', endpoint_url: `http://127.0.0.1:${kinesis.port}/`, ...fields };
  for (const [field, value] of Object.entries(all)) out = setConfigItem(out, `${name}.${field}`, value);
  out = addSecret(out, `${name}.access_key_id`, 'AKIDLOCALDEVELOPMENT');
  return addSecret(out, `${name}.secret_access_key`, 'local-development-secret-not-a-real-key');
}

async function settle(stream: string, atLeast: number): Promise<string[]> {
  const until = Date.now() + 30_000;
  for (;;) {
    const records = await readStream(kinesis.url, stream);
    if (records.length >= atLeast || Date.now() > until) {
      await new Promise((r) => setTimeout(r, 500));
      return (await readStream(kinesis.url, stream)).map((r) => r.data);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => [`${prefix}${key}`, ...keyPaths(v, `${prefix}${key}.`)]);
}

/** Header values an HTTP client can send (bytes 0x20–0xFF and tab), built to break JSON. */
const PIECES = ['"', '\\', '\\"', '","x":"', '"}', '}', '{', ',', ':', '\\u00', '\\u0041', '\\n', '\\q', '\t', '\u00ff', '\u00e9', 'a', ' ', 'null', '%22'];
const random = seededRandom(0xbad_5eed);
function hostileValue(): string {
  let value = '';
  for (let i = 1 + Math.floor(random() * 8); i > 0; i--) value += PIECES[Math.floor(random() * PIECES.length)];
  return value.trim() || '"';
}

describe('hostile requests in Viceroy', () => {
  it('every default JSON format stays valid JSON with its own fields; client_ip is the real client, for the origin too', async () => {
    await (await app.fetch('/harmless')).arrayBuffer();
    for (let i = 0; i < HOSTILE_REQUESTS; i++) {
      const headers: Record<string, string> = {
        'Fastly-Client-IP': i === 0 ? '1.2.3.4","is_tls":"false","x":"' : hostileValue(),
        'Fastly-Orig-Host': i === 0 ? 'h"} ' : hostileValue(),
      };
      for (const name of ['User-Agent', 'Referer', 'Accept-Language', 'Accept-Charset', 'Accept', 'Via', 'X-Forwarded-For', 'DNT']) {
        headers[name] = hostileValue();
      }
      const response = await app.fetch(`/hostile/${i}`, { headers });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const expected = HOSTILE_REQUESTS + 1;
    expect(originClientIps).toHaveLength(expected);
    expect(new Set(originClientIps)).toEqual(new Set(['127.0.0.1']));

    for (const name of Object.keys(FORMATS)) {
      const lines = await settle(name, expected);
      expect(lines, name).toHaveLength(expected);
      const parsed = lines.map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`${name}: not JSON: ${line}`);
        }
      });
      const fields = keyPaths(parsed[0]).sort();
      expect(fields.length).toBeGreaterThan(5);
      for (const record of parsed) expect(keyPaths(record).sort(), name).toEqual(fields);
      const clientIps = parsed.map((r) => r.client_ip ?? (r.network as { client: { ip: unknown } } | undefined)?.client.ip);
      expect(new Set(clientIps), name).toEqual(new Set(['127.0.0.1']));
    }
  });

  it('a 40-character header against nested quantifiers is answered at once, in a condition and in a format', async () => {
    const matching = 'a'.repeat(40);
    const hostile = `${matching}!`;
    const overLong = `${'a'.repeat(LINEAR_SUBJECT_MAX_CHARS)}!`;
    for (const x of [hostile, matching, overLong]) {
      const response = await app.fetch('/regex', { headers: { X: x } });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    // The hostile header fails ^(a+)+$ (at once) and matches !$, so it is logged; the over-long
    // one is one past the linear engine's bound, so regsub replaces nothing there (as PCRE's limit would).
    const lines = await settle(REGEX_STREAM, 3);
    expect(lines.sort()).toEqual([`alt ${matching} 40`, 'no-alt nested! 41', `no-alt ${overLong} ${overLong.length}`].sort());

    const timing = app.logLines('timing');
    console.log(`vCPU per request (41 hostile, 40, ${overLong.length} characters): ${timing.slice(-3).map((l) => /vcpu_ms=(\d+)/.exec(l)?.[1]).join(', ')} ms`);
    // Only the load-time warnings that these patterns run on RE2, with its cap: no error.
    expect(app.logLines('kinesis_logger_errors').filter((l) => l.includes('regex') && !l.includes('configuration: warning: regex.'))).toEqual([]);
  });

  it('device detection comes from fastly:device (Viceroy answers from its manifest)', async () => {
    for (const [path, ua] of [['/device/bot', BOT_UA], ['/device/phone', PHONE_UA], ['/device/other', 'curl/8.4.0']]) {
      await (await app.fetch(path, { headers: { 'User-Agent': ua } })).arrayBuffer();
    }
    const lines = await settle(DEVICE_STREAM, 3);
    expect(lines.sort()).toEqual([
      '0 (null) (null) (null) (null) 0 0 /device/other',
      '0 (null) Apple iPhone Mobile Phone 1 1 /device/phone',
      '1 Googlebot Google bot Bot 0 0 /device/bot',
    ]);
  });
});
