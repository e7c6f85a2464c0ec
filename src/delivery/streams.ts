/**
 * Delivery's composition root: from the lines an execution selected to signed PutRecords calls.
 *
 * Per instance (`createStreamDelivery`, kept by the handler for the sandbox's life):
 *   - per endpoint, its sender: credentials provider (Secret Store keys, or STS AssumeRole over
 *     them) and SigV4 signing-key cache;
 *   - per stream (`<region>/<stream>`), its shard router state (the shared map) and its counters.
 * Per execution (`deliver(lines, budget)`), in this order:
 *   1. credentials for every endpoint that has lines: a missing secret fails that endpoint's lines
 *      here, without any request, reported once per instance and counted;
 *   2. lines grouped by stream and signing identity (access key id): a group shares PutRecords calls;
 *   3. per group, signed fetch (SigV4) → Kinesis api → pipeline.ts, all on the execution's budget.
 *
 * Owns only that wiring. Does not own: what a delivery does (pipeline.ts), the shard map (shards/),
 * signing and credentials (aws/), or when lines are made (handler/).
 *
 * Contract: `deliver` never throws; every line ends delivered, or failed/dropped and reported.
 */
import {
  BACKEND_REQUESTS_PER_EXECUTION,
  createCredentialsProvider,
  createSignedFetch,
  CredentialsError,
  type CredentialsProvider,
  type CredentialsStats,
  RequestBudget,
  type SigningKeyCache,
} from '../aws/index.js';
import type { EndpointConfig } from '../config/index.js';
import { createKinesisApi } from '../kinesis/index.js';
import { enterPhase } from '../platform/phases.js';
import type { BackendFetch, KvStoreLike, LoggerLike, SecretsLike } from '../platform/types.js';
import { createStreamRouter, type ShardMapTuning, type StreamRouter, type StreamRouterStats } from '../shards/index.js';
import { deliverLines, failLines } from './pipeline.js';
import { addOutcome, newCounters, type DeliveryCounters } from './report.js';

/** A Kinesis call that has not answered in this long is given up (it may still have been stored). */
export const DEFAULT_KINESIS_CALL_TIMEOUT_MS = 10_000;
/** Compute's wall-time limit per execution is 2 minutes; logging ends well before it. */
export const LOGGING_DEADLINE_MS = 90_000;

/**
 * The budget every AWS call of one execution (PutRecords, ListShards, STS) takes from: Compute's 32
 * backend requests less those the response itself uses (the origin fetch: 1), until the logging
 * deadline. One per execution, whatever the entry point (the proxy, `handle`, `emit`).
 */
export function executionBudget(startMs: number, now: () => number, backendRequestsForResponse = 1): RequestBudget {
  const limit = Math.max(0, BACKEND_REQUESTS_PER_EXECUTION - backendRequestsForResponse);
  return new RequestBudget(limit, startMs + LOGGING_DEADLINE_MS, now);
}

/** What delivery needs from the runtime, for the instance's life. */
export interface DeliveryEnvironment {
  fetch: BackendFetch;
  /** Opens the Secret Store holding the endpoints' keys (throws when it is not linked). */
  openSecrets: () => SecretsLike;
  secretStoreName: string;
  /** Opens the KV store holding the shared shard maps (throws when it is not linked). */
  openKv: () => KvStoreLike;
  /** A Fastly log endpoint by name (for fallback_log_endpoint). */
  logger: (name: string) => LoggerLike;
  /** Receives every delivery failure report. */
  errorLog: LoggerLike;
  /** Writes a line on the error log unless this instance already did (configuration problems). */
  reportOnce: (line: string) => void;
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  tuning?: DeliveryTuning;
}

/** Timings with production defaults; tests shorten them. */
export interface DeliveryTuning {
  kinesisCallTimeoutMs?: number;
  baseRetryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  stsCallTimeoutMs?: number;
  credentialsExpiryMarginMs?: number;
  minForcedRefreshIntervalMs?: number;
  shardMap?: ShardMapTuning;
}

/** One rendered (or emitted) line and the endpoint it is for. */
export interface EndpointLine {
  endpoint: EndpointConfig;
  line: string;
}

export interface StreamStats {
  /** The endpoints writing to this stream: their lines share calls and these counters. */
  endpoints: string[];
  delivery: DeliveryCounters;
  shardMap: StreamRouterStats;
}

export interface EndpointStats {
  /** The key of the stream counters that include this endpoint's lines. */
  stream: string;
  credentials: CredentialsStats;
}

export interface DeliveryStats {
  streams: Record<string, StreamStats>;
  endpoints: Record<string, EndpointStats>;
}

export interface StreamDelivery {
  /** Delivers the lines within the execution's budget; never throws. */
  deliver(lines: readonly EndpointLine[], budget: RequestBudget): Promise<void>;
  stats(): DeliveryStats;
}

/** The counters' key: it does not depend on which endpoints happened to produce lines in an execution. */
export function streamKey(config: Pick<EndpointConfig, 'region' | 'streamName'>): string {
  return `${config.region}/${config.streamName}`;
}

interface EndpointSender {
  config: EndpointConfig;
  credentials: CredentialsProvider;
  signingKeyCache: SigningKeyCache;
  fallback?: (line: string) => void;
  stream: StreamState;
}

interface StreamState {
  key: string;
  router: StreamRouter;
  counters: DeliveryCounters;
  endpoints: string[];
}

interface Group {
  /** The endpoint whose credentials, signing cache, limits and fallback serve the group. */
  lead: EndpointSender;
  lines: string[];
}

export function createStreamDelivery(endpoints: readonly EndpointConfig[], env: DeliveryEnvironment): StreamDelivery {
  const tuning = env.tuning ?? {};
  const streams = new Map<string, StreamState>();
  const senders = new Map<string, EndpointSender>();
  for (const config of endpoints) senders.set(config.name, buildSender(config));

  function buildSender(config: EndpointConfig): EndpointSender {
    const fallbackLog = config.fallbackLogEndpoint ? env.logger(config.fallbackLogEndpoint) : undefined;
    return {
      config,
      credentials: createCredentialsProvider(config, {
        openSecrets: env.openSecrets,
        secretStoreName: env.secretStoreName,
        fetch: env.fetch,
        now: env.now,
        stsTimeoutMs: tuning.stsCallTimeoutMs,
        expiryMarginMs: tuning.credentialsExpiryMarginMs,
        minForcedRefreshIntervalMs: tuning.minForcedRefreshIntervalMs,
      }),
      signingKeyCache: new Map(),
      fallback: fallbackLog ? (line) => fallbackLog.log(line) : undefined,
      stream: streamFor(config),
    };
  }

  function streamFor(config: EndpointConfig): StreamState {
    const key = streamKey(config);
    let stream = streams.get(key);
    if (!stream) {
      // Endpoints writing to one stream share its map: the shortest period among them applies.
      const periodSeconds = Math.min(...endpoints.filter((e) => streamKey(e) === key).map((e) => e.periodSeconds));
      const router = createStreamRouter({
        streamName: config.streamName,
        region: config.region,
        periodSeconds,
        openKv: env.openKv,
        report: (problem) => env.reportOnce(`compute-kinesis-logger: stream ${key}: shard map: ${problem}`),
        now: env.now,
        tuning: tuning.shardMap,
      });
      streams.set(key, (stream = { key, router, counters: newCounters(), endpoints: [] }));
    }
    stream.endpoints.push(config.name);
    return stream;
  }

  /**
   * Who signs for the sender (its access key id), or undefined when its secrets are missing: a
   * configuration problem, reported once per instance (not once per request), its lines counted as
   * failed and given to the fallback endpoint. Other credential errors (STS throttled, …) are left
   * to the pipeline, whose calls fail unsent and are retried.
   */
  async function signingIdentity(sender: EndpointSender, lines: readonly string[], budget: RequestBudget): Promise<string | undefined> {
    const { config } = sender;
    try {
      return (await sender.credentials.get(budget)).accessKeyId;
    } catch (error) {
      if (!(error instanceof CredentialsError && error.errorCode === 'MissingCredentials')) return `endpoint:${config.name}`;
      env.reportOnce(
        `Failed to put record onto stream ${config.streamName}: ${error.errorCode} ${error.message} (endpoint ${config.name}); ` +
          'its lines are not sent until the secret exists, and are counted on the admin page',
      );
      const failure = { kind: 'not-retriable' as const, errorCode: error.errorCode, errorMessage: error.message };
      const outcome = await failLines(config.streamName, lines, failure, { limits: config.delivery, reportFailure: () => {}, fallback: sender.fallback });
      addOutcome(sender.stream.counters, outcome);
      return undefined;
    }
  }

  async function send(group: Group, budget: RequestBudget): Promise<void> {
    const { lead } = group;
    const { config } = lead;
    const signedFetch = createSignedFetch({
      service: 'kinesis',
      region: config.region,
      credentials: lead.credentials,
      backend: config.kinesisBackend,
      fetch: env.fetch,
      budget,
      timeoutMs: tuning.kinesisCallTimeoutMs ?? DEFAULT_KINESIS_CALL_TIMEOUT_MS,
      signingKeyCache: lead.signingKeyCache,
    });
    const api = createKinesisApi(config.kinesisUrl, signedFetch);
    const outcome = await deliverLines(config.streamName, group.lines, {
      api,
      router: lead.stream.router.routerFor(api),
      limits: config.delivery,
      budget,
      reportFailure: (line) => env.errorLog.log(line),
      fallback: lead.fallback,
      refreshCredentials: () => lead.credentials.requestRefresh(),
      sleep: env.sleep,
      random: env.random,
      now: env.now,
      baseBackoffMs: tuning.baseRetryBackoffMs,
      maxBackoffMs: tuning.maxRetryBackoffMs,
    });
    addOutcome(lead.stream.counters, outcome);
  }

  return {
    async deliver(lines, budget) {
      // Phase breakdown (off unless configured): grouping and credentials count as signing.
      enterPhase('signing');
      const byEndpoint = new Map<EndpointSender, string[]>();
      for (const { endpoint, line } of lines) {
        const sender = senders.get(endpoint.name);
        if (!sender) {
          // Only configured endpoints reach here (handler/); anything else is a bug, said once.
          env.reportOnce(`compute-kinesis-logger: delivery: no endpoint "${endpoint.name}" was set up; its lines are not sent`);
          continue;
        }
        byEndpoint.set(sender, [...(byEndpoint.get(sender) ?? []), line]);
      }
      const groups = new Map<string, Group>();
      for (const [sender, endpointLines] of byEndpoint) {
        const identity = await signingIdentity(sender, endpointLines, budget);
        if (identity === undefined) continue;
        const key = `${sender.config.kinesisUrl} ${sender.stream.key} ${identity}`;
        const group = groups.get(key);
        if (group) group.lines.push(...endpointLines);
        else groups.set(key, { lead: sender, lines: [...endpointLines] });
      }
      await Promise.all([...groups.values()].map((group) => send(group, budget)));
    },

    stats() {
      const streamStats: Record<string, StreamStats> = {};
      for (const stream of streams.values()) {
        streamStats[stream.key] = { endpoints: [...stream.endpoints].sort(), delivery: stream.counters, shardMap: stream.router.stats() };
      }
      const endpointStats: Record<string, EndpointStats> = {};
      for (const sender of senders.values()) {
        endpointStats[sender.config.name] = { stream: sender.stream.key, credentials: sender.credentials.stats() };
      }
      return { streams: streamStats, endpoints: endpointStats };
    },
  };
}
