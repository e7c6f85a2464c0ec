/**
 * The digest workloads bench/digests.ts times, in Node and inside the Compute Wasm: each hash over
 * fixed inputs of 64 B, 1 KB and 6 KB, HMAC-SHA256, a render of a format made of digest functions,
 * and one full KPL aggregate (its MD5 trailer over ~50 KB).
 *
 * Owns: the inputs and the timing loop. Does not own: which implementation runs. This file imports
 * src/hash/ as the product does; bench/digests.ts bundles it twice, once as is and once with
 * src/hash/{md5,sha1,sha256,sha512,hmac}.js replaced by the adapters in ./noble/, so that every
 * path (the hashes, the format engine, the aggregator) runs the same code on both sides.
 */
import { compileFormat } from '../../src/format/index.js';
import type { RequestFacts } from '../../src/facts/request-facts.js';
import { hmac, HASHES } from '../../src/hash/hmac.js';
import { md5 } from '../../src/hash/md5.js';
import { sha1 } from '../../src/hash/sha1.js';
import { sha256 } from '../../src/hash/sha256.js';
import { sha512 } from '../../src/hash/sha512.js';
import { RecordAggregator } from '../../src/kinesis/kpl-record.js';

/** Input sizes for the per-hash workloads: a short key, a typical header, a large log value. */
export const SIZES = [64, 1024, 6144] as const;
export const HASH_NAMES = ['md5', 'sha1', 'sha256', 'sha512', 'hmac-sha256'] as const;

/** Lowercase hex, here rather than from src/hash/ so that both builds print digests with the same code. */
function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

/** Printable bytes from a fixed LCG, so that the same text can also travel in a header. */
function fixedBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = 0x21 + ((x >>> 24) % 94);
  }
  return out;
}

const INPUTS = new Map(SIZES.map((size) => [size, fixedBytes(size, size)]));
const HMAC_KEY = fixedBytes(32, 7);

const DIGEST_FORMAT =
  '%h %t "%r" %>s %{digest.hash_md5(req.url)}V %{digest.hash_sha1(req.http.user-agent)}V ' +
  '%{digest.hash_sha256(req.http.x-payload)}V %{digest.hash_sha512(req.http.x-payload)}V ' +
  '%{digest.hmac_sha256("secret", req.http.x-payload)}V %{digest.hmac_sha1_base64("secret", req.url)}V ' +
  '%{digest.hash_sha224(req.http.cookie)}V %{digest.hash_sha384(req.http.cookie)}V';

const RENDER_FACTS: RequestFacts = {
  timeStartUs: 1_764_633_600_000_000,
  timeEndUs: 1_764_633_600_004_250,
  method: 'GET',
  url: '/products/1234/detail.html?ref=home&utm_source=news&page=3',
  proto: 'HTTP/1.1',
  isSsl: true,
  requestHeaders: [
    ['host', 'www.example.com'],
    ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'],
    ['cookie', 'session=0123456789abcdef; theme=dark; consent=yes'],
    ['x-payload', new TextDecoder().decode(fixedBytes(1024, 99))],
  ],
  requestBodyBytes: 0,
  status: 200,
  responseReason: 'OK',
  responseHeaders: [['content-type', 'text/html']],
  responseBodyBytes: 1024,
  clientIp: '192.0.2.1',
  server: { hostname: 'cache-zzz-0', datacenter: 'ZZZ' },
  tls: {},
};

const KPL_LINE = fixedBytes(500, 500);
const KPL_EXPLICIT_HASH_KEY = '170141183460469231731687303715884105728';

/** One run of a workload; returns something derived from its output, so both builds can be compared. */
function runOnce(name: string): string {
  const [hashName, sizeText] = name.split(':');
  if (hashName === 'render') return compileFormat(DIGEST_FORMAT).render(RENDER_FACTS);
  if (hashName === 'kpl') {
    const aggregator = new RecordAggregator();
    for (let i = 0; aggregator.add(KPL_LINE, `request-${i}-0`, KPL_EXPLICIT_HASH_KEY); i++);
    const record = aggregator.flush()!;
    return `${record.userRecords} records ${toHex(record.data.subarray(record.data.length - 16))}`;
  }
  const input = INPUTS.get(Number(sizeText) as (typeof SIZES)[number]);
  if (input === undefined) throw new RangeError(`workload ${name}: unknown size ${sizeText} (one of ${SIZES.join(', ')})`);
  switch (hashName) {
    case 'md5':
      return toHex(md5(input));
    case 'sha1':
      return toHex(sha1(input));
    case 'sha256':
      return toHex(sha256(input));
    case 'sha512':
      return toHex(sha512(input));
    case 'hmac-sha256':
      return toHex(hmac(HASHES.sha256, HMAC_KEY, input));
    default:
      throw new RangeError(`workload ${name}: unknown hash ${hashName} (one of ${HASH_NAMES.join(', ')}, render, kpl)`);
  }
}

/** Every workload's name: `<hash>:<bytes>`, `render`, `kpl`. */
export const WORKLOADS: string[] = [...HASH_NAMES.flatMap((h) => SIZES.map((s) => `${h}:${s}`)), 'render', 'kpl'];

export interface Measurement {
  name: string;
  /** Microseconds per run, over `iterations` runs after one untimed run. */
  micros: number;
  /** The last run's output (a hex digest, a rendered line, or the aggregate's MD5 trailer). */
  output: string;
}

/** Times `iterations` runs of one workload with the given millisecond clock. */
export function measure(name: string, iterations: number, nowMs: () => number): Measurement {
  let output = runOnce(name);
  const start = nowMs();
  for (let i = 0; i < iterations; i++) output = runOnce(name);
  return { name, micros: ((nowMs() - start) * 1000) / iterations, output };
}
