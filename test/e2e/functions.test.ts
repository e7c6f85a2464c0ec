/**
 * The VCL function library inside the compiled Wasm in Viceroy: the synchronous crypto (SHA-2,
 * HMAC, CRC-32, xxHash with BigInt, Base64) and name-based UUIDs compared with Node's crypto;
 * table.lookup over a Config Store of fastly.toml's [local_server]; and a line that grows
 * without bound (four nested regsuball over a 4 KB URL: 40 M characters unbounded) stopped at
 * max_record_bytes (64 KiB here): delivered truncated and reported, while the app keeps serving.
 */
import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { startLocalApp, type LocalApp } from '../support/local-app.js';
import { addSecret, setConfigItem, type ViceroyApp } from '../support/viceroy.js';

const STREAM = 'compute-logs';
/** big's own stream: endpoints sharing a stream share its calls and the lead endpoint's record limits. */
const BIG_STREAM = 'big-logs';
/** big's max_record_bytes. (A truncated record near the 1 MiB default runs PutRecords out of memory in the Wasm: a delivery defect reported separately.) */
const BIG_RECORD_BYTES = 65536;

const FUNCTIONS_FORMAT = [
  'fn',
  '%{digest.hash_sha512(req.url)}V',
  '%{digest.hmac_sha256("key", req.url)}V',
  '%{digest.hash_xxh64("abc")}V',
  '%{digest.hash_crc32b(req.url)}V',
  '%{digest.base64(req.url)}V',
  '%{uuid.version5(uuid.dns(), req.url)}V',
  '%{querystring.sort(req.url)}V',
  '%{table.lookup(page_names, req.url.path, "unknown")}V',
].join(' ');

const RUNAWAY_FORMAT =
  'big %{regsuball(regsuball(regsuball(regsuball(req.url, "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa")}V';

/** A Config Store holding a table, in fastly.toml's [local_server] form. */
const TABLE_STORE = `
    [local_server.config_stores.page_names]
      format = "inline-toml"
      [local_server.config_stores.page_names.contents]
        "/known" = "The known page"
`;

let local: LocalApp | undefined;
let app: ViceroyApp;
let kinesis: LocalKinesis;

beforeAll(async () => {
  local = await startLocalApp({
    streams: { [STREAM]: 1, [BIG_STREAM]: 1 },
    editManifest(toml, localKinesis) {
      let out = setConfigItem(toml, 'endpoints', 'main,big');
      out = setConfigItem(out, 'main.format', FUNCTIONS_FORMAT);
      for (const [key, value] of Object.entries({
        stream_name: BIG_STREAM,
        region: 'us-east-1',
        endpoint_url: `http://127.0.0.1:${localKinesis.port}/`,
        format: RUNAWAY_FORMAT,
        max_record_bytes: String(BIG_RECORD_BYTES),
      })) {
        out = setConfigItem(out, `big.${key}`, value);
      }
      out = addSecret(out, 'big.access_key_id', 'AKIDLOCALDEVELOPMENT');
      out = addSecret(out, 'big.secret_access_key', 'local-development-secret-not-a-real-key');
      return out.replace('  [local_server.kv_stores]', `${TABLE_STORE}\n  [local_server.kv_stores]`);
    },
  });
  ({ app, kinesis } = local);
});

afterAll(() => local?.stop());

async function linesFor(prefix: string, count: number, stream = STREAM): Promise<string[]> {
  const until = Date.now() + 30_000;
  for (;;) {
    const lines = (await readStream(kinesis.url, stream)).map((r) => r.data).filter((l) => l.startsWith(prefix));
    if (lines.length >= count || Date.now() > until) return lines;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('VCL functions in the Wasm', () => {
  it('compute what Node computes, and read tables from a Config Store', async () => {
    for (const path of ['/known?b=2&a=1', '/other']) {
      const response = await app.fetch(path);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const lines = (await linesFor('fn ', 2)).sort();
    const expected = (url: string, name: string) =>
      [
        'fn',
        createHash('sha512').update(url).digest('hex'),
        `0x${createHmac('sha256', 'key').update(url).digest('hex')}`,
        '44bc2cf5ad770999',
        Buffer.from(Uint32Array.of(crc32(url)).buffer).toString('hex'),
        Buffer.from(url).toString('base64'),
        uuidV5(url),
        url.includes('?') ? '/known?a=1&b=2' : url,
        name,
      ].join(' ');
    expect(lines).toEqual([expected('/known?b=2&a=1', 'The known page'), expected('/other', 'unknown')].sort());
  });

  it('stops a line that grows without bound at max_record_bytes, delivers it truncated, and keeps serving', async () => {
    // js-compute-runtime refuses an 8 KB URL before the program runs ("init_request: Buffer
    // length error", Viceroy 0.20.1): 4 KB it is, 40 M characters at the fourth level unbounded.
    const url = `/${'a'.repeat(4000)}`;
    const response = await app.fetch(url);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const [big] = await linesFor(`big /${'a'.repeat(100)}`, 1, BIG_STREAM);
    expect(big.endsWith('…[truncated]')).toBe(true);
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(BIG_RECORD_BYTES);
    expect(Buffer.byteLength(big)).toBeGreaterThan(BIG_RECORD_BYTES - 1024);
    // The sandbox survived it: the next request is served and logged.
    const next = await app.fetch('/after');
    expect(next.status).toBe(200);
    await next.arrayBuffer();
    // Its one `a`, ten times over at each of four levels.
    expect(await linesFor(`big /${'a'.repeat(10_000)}f`, 1, BIG_STREAM)).toEqual([`big /${'a'.repeat(10_000)}fter`]);
    const reports = app.logLines('kinesis_logger_errors');
    expect(reports.some((l) => l.includes('big: rendering failed: part 1 of the format grew past max_record_bytes (65536)'))).toBe(true);
    expect(reports.some((l) => l.includes('records truncated to'))).toBe(true);
  });
});

/** RFC 4122 version 5 UUID of `name` in the DNS namespace, with Node's SHA-1. */
function uuidV5(name: string): string {
  const ns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
  const h = createHash('sha1').update(Buffer.concat([ns, Buffer.from(name)])).digest().subarray(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
