/**
 * End to end, through the compiled Wasm in Viceroy: every request is proxied unchanged and
 * produces exactly one record in a real local Kinesis, rendered with Fastly's Kinesis default
 * format, whose `host` is the Fastly-Orig-Host the first hop sets (the origin gets it too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, type LocalKinesis, type StoredRecord } from '../../src/testing/local-kinesis.js';
import type { DemoOrigin } from '../support/origin.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import type { ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs'; // the stream fastly.toml's local config names

/** Headers that legitimately differ between two HTTP hops. */
const HOP_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

interface Case {
  method: string;
  path: string;
  body?: BodyInit;
  headers?: Record<string, string>;
}

const CASES: Case[] = [
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/search?q=kinesis&page=2&empty=' },
  { method: 'GET', path: '/caf%C3%A9/%F0%9F%98%80/%E6%97%A5%E6%9C%AC' },
  { method: 'POST', path: '/echo?kind=form', body: 'a=1&b=' + 'x'.repeat(5000), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  { method: 'POST', path: '/echo', body: '' },
  { method: 'PUT', path: '/echo', body: new Uint8Array(200_000).fill(7) },
  { method: 'HEAD', path: '/bytes/1000' },
  { method: 'GET', path: '/bytes/2000000' },
  { method: 'GET', path: '/chunked/300000' },
  { method: 'GET', path: '/empty' },
  { method: 'GET', path: '/status/201' },
  { method: 'GET', path: '/status/301' },
  { method: 'GET', path: '/status/304' },
  { method: 'GET', path: '/status/404', headers: { referer: 'https://example.com/from', 'user-agent': 'e2e-test/1.0 "quoted"', 'accept-language': 'fr-CH, fr;q=0.9' } },
  { method: 'DELETE', path: '/status/500' },
  { method: 'GET', path: '/status/503' },
];

let local: LocalApp | undefined;
let app: ViceroyApp;
let kinesis: LocalKinesis;
let origin: DemoOrigin;

beforeAll(async () => {
  local = await startLocalApp({
    streams: { [STREAM]: 4 },
  });
  ({ app, kinesis, origin } = local);
});

afterAll(() => local?.stop());

async function snapshot(response: Response) {
  const headers = [...response.headers.entries()].filter(([name]) => !HOP_HEADERS.has(name)).sort();
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function waitForRecords(count: number, deadlineMs = 30_000): Promise<StoredRecord[]> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const records = await readStream(kinesis.url, STREAM);
    if (records.length >= count || Date.now() > until) return records;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the Compute app in Viceroy', () => {
  it('serves every response exactly as the origin sends it, and logs one record per request', async () => {
    for (const c of CASES) {
      const init: RequestInit = { method: c.method, body: c.body, headers: c.headers, redirect: 'manual' };
      const direct = await snapshot(await fetch(new URL(c.path, origin.url), init));
      const proxied = await snapshot(await app.fetch(c.path, init));
      expect(proxied.status, `${c.method} ${c.path}`).toBe(direct.status);
      expect(proxied.headers, `${c.method} ${c.path}`).toEqual(direct.headers);
      expect(proxied.body.equals(direct.body), `${c.method} ${c.path} body`).toBe(true);
    }

    const records = await waitForRecords(CASES.length);
    if (records.length !== CASES.length) console.error(app.output());
    expect(records).toHaveLength(CASES.length);

    const lines = records.map((r) => JSON.parse(r.data) as Record<string, string>);
    for (const c of CASES) {
      const matching = lines.filter((l) => l.request === c.method && l.url === c.path);
      expect(matching, `one record for ${c.method} ${c.path}`).toHaveLength(1);
      const line = matching[0];
      expect(line.is_tls).toBe('false');
      expect(line.client_ip).toBe('127.0.0.1');
      expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      // A clock check (UTC, not local time or the epoch), not a speed check: 120 s is this test's own timeout.
      expect(Math.abs(Date.parse(line.timestamp + 'Z') - Date.now())).toBeLessThan(120_000);
      expect(Number(line.time_elapsed)).toBeGreaterThan(0);
      expect(line.request_referer).toBe(c.headers?.referer ?? '');
      expect(line.request_user_agent).toBe(c.headers?.['user-agent'] ?? 'node'); // JSON.parse succeeded: quotes were escaped
      // Node's fetch sends `accept-language: *` and `user-agent: node` unless told otherwise.
      expect(line.request_accept_language).toBe(c.headers?.['accept-language'] ?? '*');
      // Fastly-Orig-Host, set on the first hop as Fastly's edge does: the Host the client sent.
      expect(line.host).toBe(new URL(app.url).host);
      expect(line.cache_status).toBe(c.method === 'GET' || c.method === 'HEAD' ? 'MISS' : 'PASS');
      // Viceroy's built-in loopback geolocation record (San Francisco, US).
      expect(line.geo_country_code).toBe('US');
    }
    expect(app.logLines('kinesis_logger_errors')).toEqual([]);
  });

  it('logs at once a request whose client left mid-body or whose origin dropped it: bodies go back untouched', async () => {
    // The Kinesis default format reads no body size, so no body is watched (handler/proxy.ts),
    // in a sandbox's first request too (it loads the configuration before the response to know).
    // Each request below waits until the one before it is logged, so arrivals are told apart.
    const loggedAfter = async (url: string, send: () => Promise<void>): Promise<number> => {
      const started = Date.now();
      await send();
      while (Date.now() - started < 80_000) {
        const records = await readStream(kinesis.url, STREAM);
        if (records.some((r) => (JSON.parse(r.data) as { url: string }).url === url)) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 250));
      }
      return Infinity;
    };
    const leaveAfterOneChunk = (path: string) => async () => {
      const leaving = new AbortController();
      const answer = await app.fetch(path, { signal: leaving.signal });
      await answer.body!.getReader().read();
      leaving.abort();
    };
    await loggedAfter('/warm', async () => void (await (await app.fetch('/warm')).arrayBuffer()));
    await new Promise((r) => setTimeout(r, 300));
    // Margin of the 10 s bounds below: the failure they catch is a request logged only by the
    // stalled-body bound, 60 s after it began (body-bytes.test.ts); logged at once, a line reaches
    // the stream in well under a second, so load would have to slow that tenfold to fail here.
    // 20 MB, more than the socket buffers hold: the client reads one chunk and goes away.
    expect(await loggedAfter('/bytes/20000000?client=leaves', leaveAfterOneChunk('/bytes/20000000?client=leaves'))).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await loggedAfter('/chunked/20000000?client=leaves', leaveAfterOneChunk('/chunked/20000000?client=leaves'))).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 300));
    // The origin promises 10,000 bytes, sends 5,000 and drops the connection: the client sees a
    // failed body, and the request is logged at once.
    const cutShort = async () => {
      const cut = await app.fetch('/abort/5000');
      expect(cut.status).toBe(200);
      await expect(cut.arrayBuffer()).rejects.toThrow();
    };
    expect(await loggedAfter('/abort/5000', cutShort)).toBeLessThan(10_000);
    const records = await readStream(kinesis.url, STREAM);
    for (const url of ['/bytes/20000000?client=leaves', '/chunked/20000000?client=leaves', '/abort/5000']) {
      expect(records.filter((r) => r.data.includes(`"url":"${url}"`)), url).toHaveLength(1);
    }
  }, 100_000);
});

describe('Fastly-Orig-Host on the first hop, in Viceroy', () => {
  it('sends the origin the Fastly-Orig-Host a Fastly edge would: the Host the client sent, not one it forged', async () => {
    const host = new URL(app.url).host;
    const requests: Record<string, string>[] = [{}, { 'Fastly-Orig-Host': 'forged.example"}' }];
    for (const headers of requests) {
      const before = origin.seen.length;
      await (await app.fetch('/orig-host', { headers })).arrayBuffer();
      const i = origin.seen.indexOf('GET /orig-host', before);
      expect(i, 'the origin saw the request').toBeGreaterThanOrEqual(0);
      expect(origin.seenHeaders[i]['fastly-orig-host']).toBe(host);
      expect(origin.seenHeaders[i].host).toBe(host);
    }
    const until = Date.now() + 30_000;
    let logged: Record<string, string>[] = [];
    while (logged.length < 2 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      logged = (await readStream(kinesis.url, STREAM)).map((r) => JSON.parse(r.data) as Record<string, string>).filter((l) => l.url === '/orig-host');
    }
    expect(logged.map((l) => l.host)).toEqual([host, host]);
  });
});
