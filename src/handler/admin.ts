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
 * depends neither on where they differ nor on their lengths. The stored token is read like every
 * secret (platform/secret-text.ts): a trailing line break left by `--stdin <<<` is not part of it.
 *
 * Failed logins (401) are counted (`adminLogins` on the page) and a burst of them —
 * FAILED_LOGIN_BURST within FAILED_LOGIN_WINDOW_MS — is reported once per instance on the error
 * log endpoint: someone is guessing, or a dashboard holds an old token. Single failures are not
 * reported, so that guessing cannot flood the log endpoint.
 *
 * Counters are per Compute instance (one sandbox, reused for some requests, then replaced); the
 * page says so, and points to the fleet-wide metrics lines (`metrics_log_endpoint`), which add up
 * every sandbox's counts. It never shows key material: credentials appear as source, counts and expiry only.
 */
import { DEFAULT_ERROR_LOG_ENDPOINT } from '../config/index.js';
import { secretText } from '../platform/secret-text.js';
import type { Platform } from '../platform/types.js';
import { renderCostDocument } from './diagnostics.js';
import { instanceStartedAt, loadFailure, loadService, reportOnce, type ServiceSource } from './endpoints.js';
import { emittedLinesOverLimit, MAX_EMITTED_LINES_PER_EXECUTION } from './executions.js';
import { warmUpOutcome } from './warm-up.js';

export const ADMIN_PATH_PREFIX = '/_kinesis_logger';
export const STATS_PATH = `${ADMIN_PATH_PREFIX}/stats`;
export const RENDER_COST_PATH = `${ADMIN_PATH_PREFIX}/render-cost`;
export const ADMIN_TOKEN_KEY = 'admin_token';
/** Failed logins within FAILED_LOGIN_WINDOW_MS that make a burst worth reporting. */
export const FAILED_LOGIN_BURST = 10;
export const FAILED_LOGIN_WINDOW_MS = 60_000;

/** This instance's failed logins: the count, and the times of the last few (for the burst). */
const failedLogins = { count: 0, recentMs: [] as number[], lastAtMs: undefined as number | undefined };

const INSTANCE_NOTE =
  'Counters of this Compute instance only (one sandbox, since it started). Every instance and POP counts on its own ' +
  'and a new instance starts from zero; requests may reach different instances, so figures can go down between two reads. ' +
  'This request itself may have started a fresh sandbox: "delivered": 0 right after traffic is normal (locally too). ' +
  'For the whole fleet, read the metrics lines (see fleetMetrics).';

export function isAdminRequest(request: Request): boolean {
  const path = new URL(request.url).pathname;
  return path === ADMIN_PATH_PREFIX || path.startsWith(`${ADMIN_PATH_PREFIX}/`);
}

export async function handleAdmin(request: Request, platform: Platform, source: ServiceSource): Promise<Response> {
  const token = await readAdminToken(platform, source);
  if (!token) return text(404, 'not found\n');
  const presented = bearerToken(request.headers.get('authorization'));
  if (presented === undefined || !(await constantTimeEqual(presented, token))) {
    noteFailedLogin(platform, source);
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

function noteFailedLogin(platform: Platform, source: ServiceSource): void {
  const now = platform.nowMs();
  failedLogins.count++;
  failedLogins.lastAtMs = now;
  failedLogins.recentMs = [...failedLogins.recentMs.filter((t) => now - t < FAILED_LOGIN_WINDOW_MS), now].slice(-FAILED_LOGIN_BURST);
  if (failedLogins.recentMs.length < FAILED_LOGIN_BURST) return;
  // Fixed text: reportOnce writes it once per instance, however long the guessing goes on.
  reportOnce(
    loadService(platform, source)?.errorLog ?? platform.logger(DEFAULT_ERROR_LOG_ENDPOINT),
    `compute-kinesis-logger: admin: ${FAILED_LOGIN_BURST} failed logins to ${ADMIN_PATH_PREFIX}/ within ${FAILED_LOGIN_WINDOW_MS / 1000} s on this instance ` +
      '(missing or wrong token); further ones are counted on the admin page (adminLogins), not reported',
  );
}

/** For tests: forget this instance's failed logins. */
export function resetFailedLogins(): void {
  failedLogins.count = 0;
  failedLogins.recentMs = [];
  failedLogins.lastAtMs = undefined;
}

async function readAdminToken(platform: Platform, source: ServiceSource): Promise<string | undefined> {
  try {
    return secretText(await platform.openSecrets(source.secretStore).get(ADMIN_TOKEN_KEY)) || undefined;
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
  // Read before loading: the admin request's own load (a whole execution's lookups) may succeed where requests' did not.
  const failure = loadFailure(source);
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
      // Lines that failed before a stream could be told (keys missing or unusable).
      unsigned: delivery?.unsigned,
    };
  }
  return {
    scope: 'instance',
    note: INSTANCE_NOTE,
    fleetMetrics: service?.config.metrics
      ? { logEndpoint: service.config.metrics.logEndpoint, intervalSeconds: service.config.metrics.intervalSeconds }
      : 'off: set the service key metrics_log_endpoint to a log endpoint, and every sandbox writes what it counted there ("Fleet-wide metrics" in the docs)',
    instance: { startedAt: new Date(startedAtMs).toISOString(), uptimeSeconds: Math.round((now - startedAtMs) / 1000), warmUp: warmUpOutcome() },
    endpoints,
    streams: stats?.streams ?? {},
    adminLogins: {
      failed: failedLogins.count,
      lastFailedAt: failedLogins.lastAtMs === undefined ? undefined : new Date(failedLogins.lastAtMs).toISOString(),
    },
    configErrors: service ? service.config.errors.map((e) => e.message) : [failure?.message ?? 'configuration could not be loaded'],
    // Loads that failed in this instance (the last one's report, exactly what ran out or failed).
    configLoad: failure ? { failures: failure.count, lastFailure: failure.message, lastFailedAt: new Date(failure.atMs).toISOString() } : { failures: 0 },
    emit: { maxLinesPerExecution: MAX_EMITTED_LINES_PER_EXECUTION, linesOverLimit: emittedLinesOverLimit() },
  };
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain', 'cache-control': 'no-store', ...headers } });
}
