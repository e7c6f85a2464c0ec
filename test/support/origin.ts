/**
 * The demo origin: a small deterministic HTTP server on 127.0.0.1 used by `npm run dev` and the
 * end-to-end tests. Its answers depend only on the request, so a test can fetch the same request
 * directly and through the Compute app and compare them byte for byte.
 *
 *   /status/<code>     that status (3xx with a Location header), small text body
 *   /bytes/<n>         n deterministic bytes, Content-Length set
 *   /chunked/<n>       n bytes in several chunks, no Content-Length
 *   /empty             200, empty body
 *   /echo              the method, path, query and request body echoed back
 *   /abort/<n>         promises 2n bytes (Content-Length), sends n, then drops the connection
 *   anything else      200 with a short greeting naming the path
 */
import http from 'node:http';
import { listen } from '../../src/testing/listen.js';

export interface DemoOrigin {
  url: string;
  port: number;
  /** Requests seen, in order (method + url). */
  seen: string[];
  /** The headers of each request seen, in the same order. */
  seenHeaders: http.IncomingHttpHeaders[];
  stop(): Promise<void>;
}

export function deterministicBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The last few bodies of /bytes/<n>, kept: benchmarks ask for the same 8 MiB many times. */
const recentBodies = new Map<number, Buffer>();
function bytesOfLength(n: number): Buffer {
  let bytes = recentBodies.get(n);
  if (!bytes) {
    bytes = deterministicBytes(n);
    if (recentBodies.size >= 4) recentBodies.delete(recentBodies.keys().next().value!);
    recentBodies.set(n, bytes);
  }
  return bytes;
}

export async function startDemoOrigin(port = 0): Promise<DemoOrigin> {
  const seen: string[] = [];
  const seenHeaders: http.IncomingHttpHeaders[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://origin');
    seen.push(`${req.method} ${req.url}`);
    seenHeaders.push(req.headers);
    const path = decodeURIComponent(url.pathname);
    res.setHeader('x-demo-origin', '1');

    let match;
    if ((match = /^\/status\/(\d{3})$/.exec(path))) {
      const code = Number(match[1]);
      if (code >= 300 && code < 400) res.setHeader('location', '/landed');
      const text = code === 204 || code === 304 ? '' : `status ${code}\n`;
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(text);
    } else if ((match = /^\/bytes\/(\d+)$/.exec(path))) {
      const bytes = bytesOfLength(Number(match[1]));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
      res.end(req.method === 'HEAD' ? undefined : bytes);
    } else if ((match = /^\/chunked\/(\d+)$/.exec(path))) {
      const bytes = deterministicBytes(Number(match[1]));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const step = Math.max(1, Math.ceil(bytes.length / 7));
      for (let i = 0; i < bytes.length; i += step) {
        res.write(bytes.subarray(i, i + step));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    } else if ((match = /^\/abort\/(\d+)$/.exec(path))) {
      const bytes = deterministicBytes(Number(match[1]));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length * 2) });
      res.write(bytes, () => setTimeout(() => res.destroy(), 50));
    } else if (path === '/empty') {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    } else if (path === '/echo') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${req.method} ${url.pathname}${url.search}\n${body.toString('utf8')}`);
    } else {
      const text = `hello from the demo origin: ${path}\n`;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
      res.end(req.method === 'HEAD' ? undefined : text);
    }
  });
  return { ...(await listen(server, port)), seen, seenHeaders };
}
