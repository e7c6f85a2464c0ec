/**
 * The admin path: `GET /_kinesis_logger/stats` answers this instance's delivery counters as JSON;
 * `GET /_kinesis_logger/render-cost?n=…` measures the format engine inside the runtime.
 *
 * Guarded by a token from the Secret Store (`admin_token` in `kinesis_logger_secrets`), sent as
 * `Authorization: Bearer <token>`:
 *   - no token configured (or the store is not linked) → 404 for every admin path, as if the path
 *     did not exist;
 *   - missing or wrong token → 401;
 *   - right token, unknown admin path → 404; other methods than GET/HEAD → 405.
 * Requests under /_kinesis_logger/ are answered here and never reach the origin, and are not logged.
 *
 * The comparison hashes both tokens with SHA-256 and compares the digests in full, so its time
 * depends neither on where they differ nor on their lengths.
 *
 * Counters are per Compute instance (one sandbox, reused for some requests, then replaced); the
 * page says so. It never shows key material: credentials appear as source, counts and expiry only.
 */
import type { Platform } from '../platform/types.js';
import { renderCostDocument } from './diagnostics.js';
import { instanceStartedAt, loadService, type ServiceSource } from './endpoints.js';

export const ADMIN_PATH_PREFIX = '/_kinesis_logger';
export const STATS_PATH = `${ADMIN_PATH_PREFIX}/stats`;
export const RENDER_COST_PATH = `${ADMIN_PATH_PREFIX}/render-cost`;
export const ADMIN_TOKEN_KEY = 'admin_token';

const INSTANCE_NOTE =
  'Counters of this Compute instance only (one sandbox, since it started). Every instance and POP counts on its own ' +
  'and a new instance starts from zero; requests may reach different instances, so figures can go down between two reads.';

export function isAdminRequest(request: Request): boolean {
  const path = new URL(request.url).pathname;
  return path === ADMIN_PATH_PREFIX || path.startsWith(`${ADMIN_PATH_PREFIX}/`);
}

export async function handleAdmin(request: Request, platform: Platform, source: ServiceSource): Promise<Response> {
  const token = await readAdminToken(platform, source);
  if (!token) return text(404, 'not found\n');
  const presented = bearerToken(request.headers.get('authorization'));
  if (presented === undefined || !(await constantTimeEqual(presented, token))) {
    return text(401, 'unauthorized\n', { 'www-authenticate': 'Bearer realm="compute-kinesis-logger"' });
  }
  const path = new URL(request.url).pathname;
  if (path !== STATS_PATH && path !== RENDER_COST_PATH) return text(404, 'not found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed\n', { allow: 'GET, HEAD' });
  const document = path === STATS_PATH ? statsDocument(platform, source) : renderCostDocument(request, loadService(platform, source)?.endpoints ?? [], platform);
  return new Response(request.method === 'HEAD' ? null : JSON.stringify(document, null, 2) + '\n', {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

async function readAdminToken(platform: Platform, source: ServiceSource): Promise<string | undefined> {
  try {
    return (await platform.openSecrets(source.secretStore).get(ADMIN_TOKEN_KEY)) || undefined;
  } catch {
    // The store is not linked: same as no token, the admin path does not exist.
    return undefined;
  }
}

function bearerToken(header: string | null): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

const encoder = new TextEncoder();

export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(a)), crypto.subtle.digest('SHA-256', encoder.encode(b))]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

function statsDocument(platform: Platform, source: ServiceSource) {
  const service = loadService(platform, source);
  const now = platform.nowMs();
  const startedAtMs = instanceStartedAt() ?? now;
  const stats = service?.delivery.stats();
  const endpoints: Record<string, unknown> = {};
  for (const config of service?.endpoints ?? []) {
    if (config.destination === 'log_endpoint') {
      endpoints[config.name] = { destination: 'log_endpoint', logEndpoint: config.logEndpoint, lines: stats?.logEndpoints[config.name] };
      continue;
    }
    const delivery = stats?.endpoints[config.name];
    const credentials = delivery?.credentials;
    endpoints[config.name] = {
      destination: 'kinesis',
      stream: config.streamName,
      region: config.region,
      accessMethod: config.access.method,
      // Lines of endpoints writing to one stream share calls, so they are counted per stream.
      deliveryStream: delivery?.stream,
      credentials,
      stsCalls: credentials?.source === 'sts_assume_role' ? credentials.fetches : 0,
    };
  }
  return {
    scope: 'instance',
    note: INSTANCE_NOTE,
    instance: { startedAt: new Date(startedAtMs).toISOString(), uptimeSeconds: Math.round((now - startedAtMs) / 1000) },
    endpoints,
    streams: stats?.streams ?? {},
    configErrors: service ? service.config.errors.map((e) => e.message) : ['configuration could not be loaded'],
  };
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain', 'cache-control': 'no-store', ...headers } });
}
