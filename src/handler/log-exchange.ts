/**
 * After the response: render one line per matching endpoint and deliver them, grouped per
 * stream. Runs inside `event.waitUntil`; never throws and never touches the client's response.
 */
import { BACKEND_REQUESTS_PER_EXECUTION, RequestBudget } from '../aws/budget.js';
import { CredentialsError } from '../aws/credentials.js';
import { createSignedFetch } from '../aws/signed-fetch.js';
import { deliverLines } from '../delivery/pipeline.js';
import { createKinesisApi } from '../kinesis/api.js';
import type { Platform } from '../platform/types.js';
import { collectFacts, type Exchange } from './collect-facts.js';
import { loadService, reportOnce, type EndpointRuntime } from './endpoints.js';

/** Compute's wall-time limit per execution is 2 minutes; leave room for the response itself. */
const LOGGING_DEADLINE_MS = 90_000;
const KINESIS_CALL_TIMEOUT_MS = 10_000;

export async function logExchange(exchange: Exchange, platform: Platform): Promise<void> {
  const service = loadService(platform);
  if (!service || service.endpoints.length === 0) return;
  const facts = collectFacts(exchange, platform);

  // The origin fetch already used one backend request of this execution.
  const budget = new RequestBudget(BACKEND_REQUESTS_PER_EXECUTION - 1, exchange.startMs + LOGGING_DEADLINE_MS, platform.nowMs);
  const sends: Promise<void>[] = [];
  for (const endpoint of service.endpoints) {
    if (endpoint.config.placement !== 'format_version_default') continue;
    let line: string;
    try {
      line = endpoint.config.format.render(facts);
    } catch (error) {
      reportOnce(service.errorLog, `compute-kinesis-logger: ${endpoint.config.name}: rendering failed: ${error instanceof Error ? error.message : error}`);
      continue;
    }
    sends.push(send(endpoint, [line], budget, platform, service.errorLog));
  }
  await Promise.all(sends);
}

async function send(
  endpoint: EndpointRuntime,
  lines: string[],
  budget: RequestBudget,
  platform: Platform,
  errorLog: { log(line: string): void },
): Promise<void> {
  const { config } = endpoint;
  try {
    // Fail fast on missing secrets: one clear report instead of a signing error per request.
    await endpoint.credentials.get();
  } catch (error) {
    const reason = error instanceof CredentialsError ? error.message : 'credentials unavailable';
    reportOnce(errorLog, `compute-kinesis-logger: ${config.name}: ${reason}; ${lines.length} line(s) not sent`);
    errorLog.log(`Failed to put record onto stream ${config.streamName}: MissingCredentials ${reason} (${lines.length} of ${lines.length} records)`);
    return;
  }
  const signedFetch = createSignedFetch({
    service: 'kinesis',
    region: config.region,
    credentials: endpoint.credentials,
    backend: config.kinesisBackend,
    fetch: platform.fetch,
    budget,
    timeoutMs: KINESIS_CALL_TIMEOUT_MS,
    signingKeyCache: endpoint.signingKeyCache,
  });
  const api = createKinesisApi(config.kinesisUrl, signedFetch);
  await deliverLines(config.streamName, lines, {
    api,
    router: endpoint.routerFor(api),
    limits: config.delivery,
    reportFailure: (line) => errorLog.log(line),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: platform.nowMs,
  });
}
