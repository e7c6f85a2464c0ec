/**
 * `compression = gzip` inside the compiled Wasm: the runtime's own CompressionStream compresses
 * each record (js-compute 3.46 in Viceroy 0.20.1), and what lands in kinesalite is one gzip member
 * per record that a consumer gunzips back into the rendered line — Fastly's Kinesis default format.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import { setConfigItem, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
const REQUESTS = 12;

let local: LocalApp | undefined;
let app: ViceroyApp;
let kinesis: LocalKinesis;

beforeAll(async () => {
  local = await startLocalApp({
    streams: { [STREAM]: 2 },
    editManifest: (toml) => setConfigItem(toml, 'main.compression', 'gzip'),
  });
  ({ app, kinesis } = local);
});

afterAll(() => local?.stop());

describe('compression = gzip, in Viceroy', () => {
  it('stores each line as a gzip member that gunzips to the rendered line', async () => {
    for (let i = 0; i < REQUESTS; i++) await (await app.fetch(`/gzip/${i}?q=${'x'.repeat(i * 50)}`)).arrayBuffer();
    const until = Date.now() + 30_000;
    let records = await readStream(kinesis.url, STREAM);
    while (records.length < REQUESTS && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      records = await readStream(kinesis.url, STREAM);
    }
    expect(records).toHaveLength(REQUESTS);
    const lines = records.map((r) => {
      expect([...r.bytes.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8]); // gzip magic, deflate
      return gunzipSync(r.bytes).toString('utf8');
    });
    const logged = lines.map((line) => JSON.parse(line) as { url: string; cache_status: string });
    expect(logged.map((l) => l.url).sort()).toEqual(Array.from({ length: REQUESTS }, (_, i) => `/gzip/${i}?q=${'x'.repeat(i * 50)}`).sort());
    expect(logged.every((l) => l.cache_status === 'MISS')).toBe(true);
    // Compressed: the longest line (550 repeated characters in its URL) is stored in far fewer bytes.
    const longest = records.reduce((a, b) => (gunzipSync(a.bytes).length > gunzipSync(b.bytes).length ? a : b));
    expect(longest.bytes.length).toBeLessThan(gunzipSync(longest.bytes).length / 2);
    expect(app.output()).not.toMatch(/logging failed|CompressionStream/);
  });
});
