/**
 * After the response: render one line per matching endpoint and deliver them, grouped per
 * stream. Runs inside `event.waitUntil`; never throws and never touches the client's response.
 *
 * Composes, per execution: one RequestBudget shared by every AWS call of the execution
 * (PutRecords, ListShards, STS; the origin fetch already took one), the signed Kinesis api, the
 * router, and the delivery pipeline. Keeps, per instance (module scope, so a reused sandbox keeps
 * counting): the delivery counters per endpoint that the admin stats page shows.
 */
import { BACKEND_REQUESTS_PER_EXECUTION, CredentialsError, createSignedFetch, RequestBudget } from '../aws/index.js';
import { addOutcome, deliverLines, failLines, newCounters, type DeliveryCounters } from '../delivery/index.js';
import { createKinesisApi, type KinesisApi } from '../kinesis/api.js';
import type { LoggerLike, Platform } from '../platform/types.js';
import { collectFacts, type Exchange } from './collect-facts.js';
import { loadService, reportOnce, type EndpointRuntime } from './endpoints.js';

/** Compute's wall-time limit per execution is 2 minutes; leave room for the response itself. */
const LOGGING_DEADLINE_MS = 90_000;
const KINESIS_CALL_TIMEOUT_MS = 10_000;

const countersByEndpoint = new Map<string, DeliveryCounters>();
const instanceStartedAtMs = Date.now();

/** This instance's delivery counters, per endpoint name (read by the admin stats page). */
export function deliveryCounters(): { startedAtMs: number; endpoints: ReadonlyMap<string, DeliveryCounters> } {
  return { startedAtMs: instanceStartedAtMs, endpoints: countersByEndpoint };
}

/** For tests: forget the counters. */
export function resetDeliveryCounters(): void {
  countersByEndpoint.clear();
}

function countersFor(endpoint: string): DeliveryCounters {
  let counters = countersByEndpoint.get(endpoint);
  if (!counters) countersByEndpoint.set(endpoint, (counters = newCounters()));
  return counters;
}

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

async function send(endpoint: EndpointRuntime, lines: string[], budget: RequestBudget, platform: Platform, errorLog: LoggerLike): Promise<void> {
  const { config } = endpoint;
  const counters = countersFor(config.name);
  const fallbackLog = config.fallbackLogEndpoint ? platform.logger(config.fallbackLogEndpoint) : undefined;
  const fallback = fallbackLog ? (line: string) => fallbackLog.log(line) : undefined;
  const reportFailure = (line: string) => errorLog.log(line);
  try {
    await endpoint.credentials.get(budget);
  } catch (error) {
    // A missing secret is a configuration problem: explain it once per instance, and report the
    // lines like any failure, without routing (ListShards) or sending anything unsigned. Other
    // credential errors (STS throttled, …) are left to the pipeline's retries.
    if (error instanceof CredentialsError && error.errorCode === 'MissingCredentials') {
      reportOnce(errorLog, `compute-kinesis-logger: ${config.name}: ${error.message}; ${lines.length} line(s) not sent`);
      const failure = { kind: 'not-retriable' as const, errorCode: error.errorCode, errorMessage: error.message };
      addOutcome(counters, failLines(config.streamName, lines, failure, { limits: config.delivery, reportFailure, fallback }));
      return;
    }
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
  const api = countListShards(createKinesisApi(config.kinesisUrl, signedFetch), counters);
  const outcome = await deliverLines(config.streamName, lines, {
    api,
    router: endpoint.routerFor(api),
    limits: config.delivery,
    budget,
    reportFailure,
    fallback,
    refreshCredentials: () => endpoint.credentials.requestRefresh(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: platform.nowMs,
  });
  addOutcome(counters, outcome);
}

/** The router's ListShards calls are counted on their way through (PutRecords are counted from attempts). */
function countListShards(api: KinesisApi, counters: DeliveryCounters): KinesisApi {
  return {
    putRecords: (input) => api.putRecords(input),
    listShards: (input) => {
      counters.listShardsCalls++;
      return api.listShards(input);
    },
  };
}
