/**
 * A format that reads the body's size (%b), through the compiled Wasm in Viceroy: a body with a
 * Content-Length goes back untouched and is logged with that length; an unsized (chunked) body is
 * counted on its way to the client; HEAD, 304 and empty answers print `-`. Every figure is checked
 * against the bytes the client actually received. A counted body whose client goes away is logged
 * by the stalled-body bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import { setConfigItem, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';

let local: LocalApp | undefined;
let app: ViceroyApp;
let kinesis: LocalKinesis;

beforeAll(async () => {
  local = await startLocalApp({ streams: { [STREAM]: 2 }, editManifest: (toml) => setConfigItem(toml, 'main.format', '%m %{req.url}V %>s %b %B') });
  ({ app, kinesis } = local);
});

afterAll(() => local?.stop());

describe('the body size a format reads, in Viceroy', () => {
  it('is the Content-Length of a body passed through, the count of an unsized one, and - where no body is sent', async () => {
    const cases: { method: string; path: string }[] = [
      { method: 'GET', path: '/bytes/2000000' },
      { method: 'GET', path: '/chunked/300000' },
      { method: 'GET', path: '/chunked/1' },
      { method: 'GET', path: '/status/404' },
      { method: 'HEAD', path: '/bytes/1000' },
      { method: 'GET', path: '/status/304' },
      { method: 'GET', path: '/empty' },
    ];
    const received = new Map<string, number>();
    for (const { method, path } of cases) {
      const answer = await app.fetch(path, { method });
      received.set(`${method} ${path}`, (await answer.arrayBuffer()).byteLength);
    }
    expect(received.get('GET /bytes/2000000')).toBe(2_000_000);
    expect(received.get('GET /chunked/300000')).toBe(300_000);

    const until = Date.now() + 30_000;
    let lines: string[] = [];
    while (lines.length < cases.length && Date.now() < until) {
      lines = (await readStream(kinesis.url, STREAM)).map((r) => r.data);
      if (lines.length < cases.length) await new Promise((r) => setTimeout(r, 250));
    }
    for (const { method, path } of cases) {
      const bytes = received.get(`${method} ${path}`)!;
      const line = lines.find((l) => l.startsWith(`${method} ${path} `));
      expect(line, `${method} ${path}`).toBeDefined();
      // %b prints - for 0; %B prints 0.
      expect(line!.split(' ').slice(3), `${method} ${path}`).toEqual([bytes === 0 ? '-' : String(bytes), String(bytes)]);
    }
    expect(app.logLines('kinesis_logger_errors')).toEqual([]);
  });

  it('logs a counted body whose client left by the stalled-body bound, with the bytes it pulled', async () => {
    const started = Date.now();
    // Unsized, and the format reads %b: counted. Viceroy does not tell the program that the client
    // left (the body's stream is simply no longer read), so the request is logged by the
    // stalled-body bound, MAX_BODY_WAIT_MS (60 s) after it began.
    const leaving = new AbortController();
    const chunked = await app.fetch('/chunked/20000000?client=leaves', { signal: leaving.signal });
    await chunked.body!.getReader().read();
    leaving.abort();
    let line: string | undefined;
    while (!line && Date.now() - started < 80_000) {
      line = (await readStream(kinesis.url, STREAM)).map((r) => r.data).find((l) => l.startsWith('GET /chunked/20000000?client=leaves '));
      if (!line) await new Promise((r) => setTimeout(r, 250));
    }
    // A lower bound: load can only lengthen the wait, so it cannot fail this on a slow machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(55_000);
    const counted = Number(line!.split(' ')[4]);
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThan(20_000_000);
  }, 100_000);
});
