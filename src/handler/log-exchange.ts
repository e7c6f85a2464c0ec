/**
 * After the response: render one line per matching endpoint and deliver them, grouped per
 * stream. Runs inside `event.waitUntil`; never throws and never touches the client's response.
 * `emitLines` is the same path for lines the application emits itself (placement `none`).
 *
 * Composes, per execution: one RequestBudget shared by every AWS call of the execution
 * (PutRecords, ListShards, STS; the origin fetch already took one), the table lookups formats
 * make (within the Config Store lookups the execution has left), the signed Kinesis api, the
 * router, and the delivery pipeline. Keeps, per instance (module scope, so a reused sandbox keeps
 * counting): the delivery counters per stream that the admin stats page shows.
 */
import { BACKEND_REQUESTS_PER_EXECUTION, CredentialsError, createSignedFetch, RequestBudget } from '../aws/index.js';
import { addOutcome, deliverLines, failLines, newCounters, type DeliveryCounters } from '../delivery/index.js';
import { createKinesisApi, type KinesisApi } from '../kinesis/api.js';
import { CONFIG_LOOKUPS_PER_EXECUTION } from '../config/schema.js';
import type { TableExecution } from '../format/index.js';
import type { LoggerLike, Platform } from '../platform/types.js';
import { collectFacts, type Exchange } from './collect-facts.js';
import { loadService, reportOnce, tableLookupsLeft, type EndpointRuntime, type LoadedService } from './endpoints.js';
import { selectLines, type SelectedLine, type Trigger } from './select-lines.js';

/** Compute's wall-time limit per execution is 2 minutes; leave room for the response itself. */
const LOGGING_DEADLINE_MS = 90_000;
const KINESIS_CALL_TIMEOUT_MS = 10_000;

/** A stream's delivery counters, and the endpoints whose lines they count. */
export interface StreamCounters {
  endpoints: Set<string>;
  delivery: DeliveryCounters;
}

/**
 * Keyed by stream (`<region>/<stream>`), a key that does not depend on which endpoints happened
 * to produce lines in an execution: endpoints writing to one stream share its calls, so their
 * lines are counted together.
 */
const countersByStream = new Map<string, StreamCounters>();
/** Set on the first request, not at module load: module code runs at build time (Wizer snapshot). */
let instanceStartedAtMs: number | undefined;
/** This sandbox's name in timing lines, drawn on first use for the same reason. */
let sandboxId: string | undefined;
let requestsTimed = 0;

/** This instance's delivery counters, per stream. */
export function deliveryCounters(): { startedAtMs: number; streams: ReadonlyMap<string, StreamCounters> } {
  return { startedAtMs: instanceStartedAtMs ?? Date.now(), streams: countersByStream };
}

export function streamKey(config: { region: string; streamName: string }): string {
  return `${config.region}/${config.streamName}`;
}

/** For tests: forget the counters. */
export function resetDeliveryCounters(): void {
  countersByStream.clear();
  instanceStartedAtMs = undefined;
}

function countersFor(config: { region: string; streamName: string }, endpointNames: readonly string[]): DeliveryCounters {
  const key = streamKey(config);
  let counters = countersByStream.get(key);
  if (!counters) countersByStream.set(key, (counters = { endpoints: new Set(), delivery: newCounters() }));
  for (const name of endpointNames) counters.endpoints.add(name);
  return counters.delivery;
}

/** The AWS request budget of one execution: what the response itself does not use (the origin fetch: 1). */
export function executionBudget(startMs: number, platform: Platform, backendRequestsForResponse = 1): RequestBudget {
  instanceStartedAtMs ??= platform.nowMs();
  const limit = Math.max(0, BACKEND_REQUESTS_PER_EXECUTION - backendRequestsForResponse);
  return new RequestBudget(limit, startMs + LOGGING_DEADLINE_MS, platform.nowMs);
}

/** Lines the application emitted for an endpoint (placement `none`, the embedding API). */
export interface EmittedLines {
  endpointName: string;
  lines: readonly string[];
}

/**
 * Renders the request's lines and delivers them, together with lines the application emitted
 * while serving it: one delivery, so lines for the same stream share PutRecords calls.
 */
export async function logExchange(
  exchange: Exchange,
  platform: Platform,
  budget: RequestBudget,
  triggers: ReadonlySet<Trigger> = new Set(['response']),
  emitted: readonly EmittedLines[] = [],
): Promise<void> {
  const service = loadService(platform);
  if (!service || service.endpoints.length === 0) return;
  const cpuAtStart = platform.vCpuMs?.();
  const facts = collectFacts(exchange, platform);
  const tables = service.tables.forExecution(tableLookupsLeft(service));
  const { lines, problems } = selectLines(service.endpoints, facts, triggers, tables.lookup);
  for (const { endpoint, problem } of problems) {
    reportOnce(service.errorLog, `compute-kinesis-logger: ${endpoint.config.name}: rendering failed: ${problem}`);
  }
  reportTables(tables, service.errorLog);
  for (const batch of emitted) lines.push(...emittedFor(batch, service));
  await deliver(lines, service, budget, platform);
  if (service.config.timingLogEndpoint && cpuAtStart !== undefined) {
    // Which sandbox served the request, and when its logging ended: bench/e2e and the sandbox
    // reuse test read these to see how requests follow each other inside one sandbox.
    sandboxId ??= Math.random().toString(36).slice(2, 10);
    platform
      .logger(service.config.timingLogEndpoint)
      .log(
        `vcpu_ms=${platform.vCpuMs!() - cpuAtStart} lines=${lines.length} sandbox=${sandboxId} request=${++requestsTimed} ` +
          `started_ms=${Math.round(exchange.startMs)} logged_ms=${Math.round(platform.nowMs())}`,
      );
  }
}

/** Tables that could not be read, and lookups refused for want of Config Store lookups: once per instance each. */
function reportTables(tables: TableExecution, errorLog: LoggerLike): void {
  for (const [table, reason] of tables.unavailable) {
    reportOnce(errorLog, `compute-kinesis-logger: table ${table}: the Config Store cannot be read (${reason}); its lookups give their defaults`);
  }
  if (tables.refused > 0) {
    reportOnce(
      errorLog,
      `compute-kinesis-logger: table lookups: an execution used up the ${CONFIG_LOOKUPS_PER_EXECUTION} Config Store lookups Compute allows; lookups not cached yet gave their defaults`,
    );
  }
}

/**
 * Sends lines the application wrote itself through the named endpoint (any placement; the way to
 * use `none`). An unknown or disabled endpoint is reported once per instance.
 */
export async function emitLines(emitted: EmittedLines, platform: Platform, budget: RequestBudget): Promise<void> {
  const service = loadService(platform);
  if (!service) return;
  await deliver(emittedFor(emitted, service), service, budget, platform);
}

function emittedFor({ endpointName, lines }: EmittedLines, service: LoadedService): SelectedLine<EndpointRuntime>[] {
  const endpoint = service.endpoints.find((e) => e.config.name === endpointName);
  if (!endpoint) {
    // No count in the text: reportOnce de-duplicates by text, so this stays one line per instance.
    reportOnce(service.errorLog, `compute-kinesis-logger: emit: no usable endpoint named "${endpointName}" (see the configuration report); its lines are not sent`);
    return [];
  }
  return lines.map((line) => ({ endpoint, line }));
}

interface StreamGroup {
  /** The endpoint whose credentials, signing cache and router serve the group. */
  lead: EndpointRuntime;
  names: string[];
  lines: string[];
}

/**
 * Lines for the same stream, signed by the same identity (access key id), share PutRecords calls.
 * Endpoints whose secrets are missing are reported and their lines failed, without any request.
 */
async function deliver(selected: SelectedLine<EndpointRuntime>[], service: LoadedService, budget: RequestBudget, platform: Platform): Promise<void> {
  const byEndpoint = new Map<EndpointRuntime, string[]>();
  for (const { endpoint, line } of selected) byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), line]);

  const groups = new Map<string, StreamGroup>();
  for (const [endpoint, lines] of byEndpoint) {
    const identity = await credentialsIdentity(endpoint, lines, budget, platform, service.errorLog);
    if (identity === undefined) continue;
    const { config } = endpoint;
    const key = `${config.kinesisUrl} ${config.region} ${config.streamName} ${identity}`;
    const group = groups.get(key);
    if (group) {
      group.names.push(config.name);
      group.lines.push(...lines);
    } else {
      groups.set(key, { lead: endpoint, names: [config.name], lines: [...lines] });
    }
  }
  await Promise.all([...groups.values()].map((group) => send(group, budget, platform, service.errorLog)));
}

/**
 * Who signs for this endpoint (the access key id in use), or undefined when its secrets are
 * missing: a configuration problem, reported once per instance (not once per request) and its
 * lines counted as failed and sent to the fallback endpoint. Other credential errors (STS
 * throttled, …) are left to the pipeline's retries.
 */
async function credentialsIdentity(
  endpoint: EndpointRuntime,
  lines: string[],
  budget: RequestBudget,
  platform: Platform,
  errorLog: LoggerLike,
): Promise<string | undefined> {
  const { config } = endpoint;
  try {
    return (await endpoint.credentials.get(budget)).accessKeyId;
  } catch (error) {
    if (error instanceof CredentialsError && error.errorCode === 'MissingCredentials') {
      reportOnce(
        errorLog,
        `Failed to put record onto stream ${config.streamName}: ${error.errorCode} ${error.message} (endpoint ${config.name}); ` +
          'its lines are not sent until the secret exists, and are counted on the admin page',
      );
      const failure = { kind: 'not-retriable' as const, errorCode: error.errorCode, errorMessage: error.message };
      const { fallback } = reporters(config.fallbackLogEndpoint, platform, errorLog);
      const outcome = failLines(config.streamName, lines, failure, { limits: config.delivery, reportFailure: () => {}, fallback });
      addOutcome(countersFor(config, [config.name]), outcome);
      return undefined;
    }
    return `endpoint:${config.name}`;
  }
}

function reporters(fallbackLogEndpoint: string | undefined, platform: Platform, errorLog: LoggerLike) {
  const fallbackLog = fallbackLogEndpoint ? platform.logger(fallbackLogEndpoint) : undefined;
  return {
    reportFailure: (line: string) => errorLog.log(line),
    fallback: fallbackLog ? (line: string) => fallbackLog.log(line) : undefined,
  };
}

async function send(group: StreamGroup, budget: RequestBudget, platform: Platform, errorLog: LoggerLike): Promise<void> {
  const { lead } = group;
  const { config } = lead;
  const counters = countersFor(config, group.names);
  const { reportFailure, fallback } = reporters(config.fallbackLogEndpoint, platform, errorLog);
  const signedFetch = createSignedFetch({
    service: 'kinesis',
    region: config.region,
    credentials: lead.credentials,
    backend: config.kinesisBackend,
    fetch: platform.fetch,
    budget,
    timeoutMs: KINESIS_CALL_TIMEOUT_MS,
    signingKeyCache: lead.signingKeyCache,
  });
  const api = countListShards(createKinesisApi(config.kinesisUrl, signedFetch), counters);
  const outcome = await deliverLines(config.streamName, group.lines, {
    api,
    router: lead.routerFor(api),
    limits: config.delivery,
    budget,
    reportFailure,
    fallback,
    refreshCredentials: () => lead.credentials.requestRefresh(),
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
