/**
 * Delivery's composition root: from the lines an execution selected to signed PutRecords calls.
 *
 * Per instance (`createStreamDelivery`, kept by the handler for the sandbox's life):
 *   - per endpoint, its credentials (Secret Store keys, or a role session shared by the endpoints
 *     assuming one role with one base key: aws/provider.ts) and SigV4 signing-key cache;
 *   - per stream, its shard router state (the shared map) and its counters, keyed by what
 *     identifies the stream: `<account>/<region>/<Kinesis host>/<stream>` (streamScope), the same
 *     key its map has in KV.
 * Per execution (`deliver(lines, execution)`), in this order:
 *   1. every line gets its record id (execution.ts), its partition key unless partition_key is set;
 *   2. who signs for each endpoint with lines (Secret Store reads only): an endpoint whose keys are
 *      missing or unusable fails its lines here, without any request, reported once per cause;
 *   3. lines grouped by stream and signer: a group shares PutRecords calls; its record and request
 *      limits are the lead endpoint's, with the stream's maximum record size once its map carries
 *      it (record-limits.ts);
 *   4. the plan (plan.ts): every group's first calls and the AssumeRole calls they need, then a
 *      reserve for retries, then the map refreshes that fit — reserved before anything is sent;
 *   5. AssumeRole, one per signer that needs it: a failure fails that signer's lines unsent,
 *      reported once per cause until it succeeds again (aws/credentials.ts backs off);
 *   6. per group, signed fetch (aws4fetch) → Kinesis api → pipeline.ts, within its reservation; a
 *      backend the service does not define fails the group's lines at once, reported once per cause.
 *
 * Owns only that wiring. Does not own: what a delivery does (pipeline.ts), the shard map (shards/),
 * signing and credentials (aws/), or when lines are made (handler/).
 *
 * Contract: `deliver` never throws; every line ends delivered, or failed/dropped and reported.
 */
import {
  BUDGET_EXHAUSTED,
  createEndpointCredentials,
  createSignedFetch,
  CredentialsError,
  type CredentialsProvider,
  type CredentialsStats,
  type EndpointCredentials,
  type RequestBudget,
  type Reservation,
  type SigningIdentity,
} from '../aws/index.js';
import type { DeliveryLimits, KinesisEndpointConfig } from '../config/index.js';
import { classifyErrorCode, createKinesisApi, fitPartitionKey } from '../kinesis/index.js';
import { enterPhase } from '../platform/phases.js';
import type { BackendFetch, KvStoreLike, LoggerLike, SecretsLike } from '../platform/types.js';
import { createStreamRouter, type ShardMapTuning, type StreamRouter, type StreamRouterStats } from '../shards/index.js';
import { CauseReports } from './cause-reports.js';
import { nextRecordId, type LoggingExecution } from './execution.js';
import { failDelivery, prepareDelivery, sendDelivery, type DeliveryLine, type PreparedDelivery } from './pipeline.js';
import { planExecution } from './plan.js';
import { recordLimitsFor } from './record-limits.js';
import { addOutcome, newCounters, type DeliveryCounters } from './report.js';
import type { Failure } from './retrier.js';

/** The shard map counters of what has no map: an endpoint's lines that failed before their stream could be told. */
const NO_SHARD_MAP = { listShardsRounds: 0 } as const;

/** A Kinesis call that has not answered in this long is given up (it may still have been stored). */
export const DEFAULT_KINESIS_CALL_TIMEOUT_MS = 10_000;

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
  minStsBackoffMs?: number;
  maxStsBackoffMs?: number;
  shardMap?: ShardMapTuning;
}

/** One rendered (or emitted) line and the endpoint it is for. */
export interface KinesisLine {
  endpoint: KinesisEndpointConfig;
  line: string;
  /** The endpoint's partition_key rendered for this line; absent = the record id. */
  partitionKey?: string;
}

export interface StreamStats {
  /** The stream's region and name, the parts of its key (streamScope) a person looks for. */
  region: string;
  name: string;
  /** The endpoints writing to this stream: their lines share calls and these counters. */
  endpoints: string[];
  delivery: DeliveryCounters;
  shardMap: StreamRouterStats;
}

export interface EndpointStats {
  /** The key of the stream counters its lines were last counted under (none before its first delivery). */
  stream?: string;
  credentials: CredentialsStats;
  /**
   * Its lines that failed before any stream could be told (keys missing or unusable: the account,
   * and so the stream's key, comes from them); counted here, not under a stream.
   */
  unsigned: DeliveryCounters;
}

export interface DeliveryStats {
  streams: Record<string, StreamStats>;
  endpoints: Record<string, EndpointStats>;
}

/**
 * One set of a stream's counters, live: the same object on every call, its figures updated in
 * place. What a reader after every delivery takes (metrics/) instead of `stats()`, which copies
 * everything. `delivery.deliveries` moves whenever another delivery figure does (report.ts
 * addOutcome), so a reader can tell "nothing new" from that count alone.
 */
export interface StreamCounters {
  /** The stream's key (streamScope); `endpoint <name>` for the lines of an endpoint that failed before their stream could be told. */
  readonly scope: string;
  readonly region: string;
  readonly name: string;
  readonly delivery: Readonly<DeliveryCounters>;
  /** The stream's shard map counters (0 for an endpoint's unsigned lines). */
  readonly shardMap: { readonly listShardsRounds: number };
  /** How old the map the instance routes with is (ms); undefined without one. */
  mapAgeMs(): number | undefined;
}

export interface StreamDelivery {
  /** Delivers the lines within the execution's budget; never throws. */
  deliver(lines: readonly KinesisLine[], execution: LoggingExecution): Promise<void>;
  /**
   * The most one record of this endpoint may carry now: `max_record_bytes`, or the stream's own
   * maximum once known (record-limits.ts). Lines are rendered within it (handler/select-lines.ts).
   */
  maxRecordBytes(endpoint: KinesisEndpointConfig): number;
  stats(): DeliveryStats;
  /**
   * Every stream counted so far, and each endpoint's lines that failed before their stream could be
   * told (`unsigned`, under the endpoint's configured region and stream), live (StreamCounters);
   * the list grows as streams are first used.
   */
  streamCounters(): readonly StreamCounters[];
}

/**
 * What identifies a stream, `<account>/<region>/<Kinesis host>/<stream>`: the key of its counters
 * and of its map in KV (shards/map-store.ts). `account` is the signer's (aws/identity.ts).
 */
export function streamScope(config: Pick<KinesisEndpointConfig, 'region' | 'kinesisUrl' | 'streamName'>, account: string): string {
  return `${account}/${config.region}/${new URL(config.kinesisUrl).host}/${config.streamName}`;
}

function describeBackend(backend: KinesisEndpointConfig['kinesisBackend']): string {
  return backend.kind === 'static' ? `backend ${backend.name}` : `a dynamic backend to ${backend.host}`;
}

interface EndpointSender {
  config: KinesisEndpointConfig;
  credentials: EndpointCredentials;
  signingKeyCache: Map<string, ArrayBuffer>;
  fallback?: (line: string) => void;
  /** The stream its lines were last counted under, and the account it was for. */
  stream?: StreamState;
  streamAccount?: string;
  unsigned: DeliveryCounters;
}

interface StreamState {
  scope: string;
  region: string;
  name: string;
  router: StreamRouter;
  counters: DeliveryCounters;
  endpoints: Set<string>;
}

interface Group {
  /** The endpoint whose signing cache, limits and fallback serve the group. */
  lead: EndpointSender;
  identity: SigningIdentity;
  stream: StreamState;
  endpoints: string[];
  lines: DeliveryLine[];
}

/** A group whose lines are records now: what the plan counts and the pipeline sends. */
interface PreparedGroup extends Group {
  delivery: PreparedDelivery;
  /** The lead's delivery settings with the stream's record size applied (record-limits.ts). */
  limits: DeliveryLimits;
}

export function createStreamDelivery(endpoints: readonly KinesisEndpointConfig[], env: DeliveryEnvironment): StreamDelivery {
  const tuning = env.tuning ?? {};
  const streams = new Map<string, StreamState>();
  const liveCounters: StreamCounters[] = [];
  const roleSessions = new Map<string, CredentialsProvider>();
  const causes = new CauseReports((line) => env.errorLog.log(line));
  const senders = new Map<string, EndpointSender>();
  for (const config of endpoints) senders.set(config.name, buildSender(config));
  // Lines whose keys were missing or unusable failed too: counted under the stream they were for.
  for (const { config, unsigned } of senders.values()) {
    liveCounters.push({ scope: `endpoint ${config.name}`, region: config.region, name: config.streamName, delivery: unsigned, shardMap: NO_SHARD_MAP, mapAgeMs: () => undefined });
  }

  function buildSender(config: KinesisEndpointConfig): EndpointSender {
    const fallbackLog = config.fallbackLogEndpoint ? env.logger(config.fallbackLogEndpoint) : undefined;
    return {
      config,
      credentials: createEndpointCredentials(config, {
        openSecrets: env.openSecrets,
        secretStoreName: env.secretStoreName,
        fetch: env.fetch,
        now: env.now,
        roleSessions,
        stsTimeoutMs: tuning.stsCallTimeoutMs,
        expiryMarginMs: tuning.credentialsExpiryMarginMs,
        minForcedRefreshIntervalMs: tuning.minForcedRefreshIntervalMs,
        minStsBackoffMs: tuning.minStsBackoffMs,
        maxStsBackoffMs: tuning.maxStsBackoffMs,
      }),
      signingKeyCache: new Map(),
      fallback: fallbackLog ? (line) => fallbackLog.log(line) : undefined,
      unsigned: newCounters(),
    };
  }

  function streamFor(config: KinesisEndpointConfig, scope: string): StreamState {
    let stream = streams.get(scope);
    if (!stream) {
      // Endpoints writing to one stream share its map: the shortest period among them applies.
      const sameStream = endpoints.filter((e) => streamScope(e, '') === streamScope(config, ''));
      const router = createStreamRouter({
        scope,
        streamName: config.streamName,
        periodSeconds: Math.min(...sameStream.map((e) => e.periodSeconds)),
        openKv: env.openKv,
        report: (problem) => env.reportOnce(`compute-kinesis-logger: stream ${scope}: shard map: ${problem}`),
        now: env.now,
        tuning: tuning.shardMap,
      });
      streams.set(scope, (stream = { scope, region: config.region, name: config.streamName, router, counters: newCounters(), endpoints: new Set() }));
      liveCounters.push({ scope, region: config.region, name: config.streamName, delivery: stream.counters, shardMap: router.counters, mapAgeMs: router.mapAgeMs });
    }
    return stream;
  }

  /**
   * Lines that cannot be sent: to the fallback and counted (under their stream, or the endpoint's
   * `unsigned` when no stream can be told); `reported` says whether a line was written for them already.
   */
  function failUnsent(stream: StreamState | undefined, sender: EndpointSender, delivery: PreparedDelivery, failure: Failure, reported: boolean): void {
    const outcome = failDelivery(delivery, failure, { reportFailure: reported ? () => {} : (line) => env.errorLog.log(line), fallback: sender.fallback });
    addOutcome(stream?.counters ?? sender.unsigned, outcome);
  }

  /** The group's limits now; a max_record_bytes above the stream's maximum is said once. */
  function groupLimits(group: Group): DeliveryLimits {
    const { limits, settingAboveStream } = recordLimitsFor(group.lead.config.delivery, group.stream.router.maxRecordBytes());
    if (settingAboveStream) {
      env.reportOnce(
        `compute-kinesis-logger: ${group.lead.config.name}: max_record_bytes (${settingAboveStream.setting}) is larger than stream ${group.stream.scope}'s ` +
          `maximum record size (${settingAboveStream.stream}); records are limited to the stream's`,
      );
    }
    return limits;
  }

  function credentialsFailure(error: unknown): Failure {
    const errorCode = error instanceof CredentialsError ? error.errorCode : 'CredentialsError';
    // An STS backend the service does not define is counted like Kinesis's own (configuration).
    const kind = classifyErrorCode(errorCode) === 'configuration' ? 'configuration' : 'not-retriable';
    return { kind, errorCode, errorMessage: error instanceof Error ? error.message : String(error) };
  }

  /** Step 2: who signs for the sender; undefined (its lines failed and reported once per cause) when its keys cannot be read. */
  async function signerOf(sender: EndpointSender, lines: DeliveryLine[], budget: RequestBudget): Promise<SigningIdentity | undefined> {
    const { config } = sender;
    try {
      const identity = await sender.credentials.identity(budget);
      causes.clear(`endpoint ${config.name}`);
      return identity;
    } catch (error) {
      const failure = credentialsFailure(error);
      causes.report(
        `endpoint ${config.name}`,
        failure.errorCode,
        `Failed to put record onto stream ${config.streamName}: ${failure.errorCode} ${failure.errorMessage} (endpoint ${config.name}); ` +
          `its lines are not sent until the secret ${failure.errorCode === 'MissingCredentials' ? 'exists' : 'is fixed'}, and are counted on the admin page`,
      );
      failUnsent(undefined, sender, await prepareDelivery(config.streamName, lines, config.delivery), failure, true);
      return undefined;
    }
  }

  /** Step 5: the signer's credentials within its reservation; false (its groups' lines failed, reported once per cause) when STS fails. */
  async function credentialsReady(signer: string, groups: readonly PreparedGroup[], allowance: Reservation | RequestBudget): Promise<boolean> {
    const { identity, lead } = groups[0];
    try {
      await identity.credentials.get(allowance);
      causes.clear(signer);
      return true;
    } catch (error) {
      const failure = credentialsFailure(error);
      if (failure.errorCode === BUDGET_EXHAUSTED) {
        // Never sent, nothing wrong with the credentials: said per delivery like any budget failure.
        for (const group of groups) failUnsent(group.stream, group.lead, group.delivery, { ...failure, kind: 'budget-exhausted' }, false);
        return false;
      }
      const role = lead.config.access.method === 'iam_role' ? `AssumeRole of ${lead.config.access.roleArn}` : 'credentials';
      causes.report(
        signer,
        failure.errorCode,
        `Failed to put record onto stream ${lead.config.streamName}: ${failure.errorCode} ${failure.errorMessage} ` +
          `(endpoints ${[...new Set(groups.flatMap((g) => g.endpoints))].join(', ')}; ${role}); their lines are not sent while it fails ` +
          '(tried again after a backoff growing from 1 s to 30 s), and are counted on the admin page',
      );
      for (const group of groups) failUnsent(group.stream, group.lead, group.delivery, failure, true);
      return false;
    }
  }

  async function send(group: PreparedGroup, budget: RequestBudget, reservation: Reservation, refreshAllowance: number): Promise<void> {
    const { lead, identity } = group;
    const { config } = lead;
    const signedFetch = createSignedFetch({
      service: 'kinesis',
      region: config.region,
      credentials: identity.credentials,
      backend: config.kinesisBackend,
      fetch: env.fetch,
      budget: reservation,
      timeoutMs: tuning.kinesisCallTimeoutMs ?? DEFAULT_KINESIS_CALL_TIMEOUT_MS,
      signingKeyCache: lead.signingKeyCache,
    });
    const api = createKinesisApi(config.kinesisUrl, signedFetch);
    // A configuration error (the backend is not defined) is the same for every delivery to this
    // stream through this backend: said once, and again after one delivery gets through.
    const subject = `stream ${group.stream.scope} through ${describeBackend(config.kinesisBackend)}`;
    const outcome = await sendDelivery(group.delivery, {
      api,
      router: group.stream.router.routerFor(api),
      limits: group.limits,
      budget: reservation,
      refreshAllowance,
      reportFailure: (line) => env.errorLog.log(line),
      reportCause: (cause, line) => causes.report(subject, cause, line),
      fallback: lead.fallback,
      refreshCredentials: () => identity.credentials.requestRefresh(budget),
      sleep: env.sleep,
      random: env.random,
      now: env.now,
      baseBackoffMs: tuning.baseRetryBackoffMs,
      maxBackoffMs: tuning.maxRetryBackoffMs,
    });
    reservation.release();
    if (outcome.delivered > 0) causes.clear(subject);
    addOutcome(group.stream.counters, outcome);
  }

  return {
    async deliver(lines, execution) {
      // Phase breakdown (off unless configured): grouping and credentials count as signing.
      enterPhase('signing');
      const { budget } = execution;
      // 1. Record ids, in the order lines arrive; lines per endpoint.
      const byEndpoint = new Map<EndpointSender, DeliveryLine[]>();
      for (const { endpoint, line, partitionKey } of lines) {
        const sender = senders.get(endpoint.name);
        const id = nextRecordId(execution);
        if (!sender) {
          // Only configured endpoints reach here (handler/); anything else is a bug, said once.
          env.reportOnce(`compute-kinesis-logger: delivery: no endpoint "${endpoint.name}" was set up; its lines are not sent`);
          continue;
        }
        const custom = partitionKey === undefined ? undefined : fitPartitionKey(partitionKey);
        const list = byEndpoint.get(sender) ?? [];
        list.push(custom ? { line, partitionKey: custom, hashedKey: true } : { line, partitionKey: id, hashedKey: false });
        byEndpoint.set(sender, list);
      }

      // 2-3. Who signs, then groups by stream and signer.
      const signers = await Promise.all([...byEndpoint].map(async ([sender, endpointLines]) => ({ sender, endpointLines, identity: await signerOf(sender, endpointLines, budget) })));
      const groups = new Map<string, Group>();
      for (const { sender, endpointLines, identity } of signers) {
        if (!identity) continue;
        // The same account as last time (nearly always): the same stream, without building its key again.
        const stream = sender.stream && sender.streamAccount === identity.account ? sender.stream : streamFor(sender.config, streamScope(sender.config, identity.account));
        sender.stream = stream;
        sender.streamAccount = identity.account;
        stream.endpoints.add(sender.config.name);
        const key = `${sender.config.kinesisUrl}\n${stream.scope}\n${identity.key}`;
        const group = groups.get(key);
        if (group) {
          // One by one: spreading a large list into push's arguments overflows the stack (RangeError).
          for (const line of endpointLines) group.lines.push(line);
          group.endpoints.push(sender.config.name);
        } else groups.set(key, { lead: sender, identity, stream, endpoints: [sender.config.name], lines: [...endpointLines] });
      }

      // 4. The plan, from the prepared records.
      const leading = new Set<StreamState>();
      const prepared: PreparedGroup[] = [];
      for (const unprepared of groups.values()) {
        const limits = groupLimits(unprepared);
        prepared.push({ ...unprepared, limits, delivery: await prepareDelivery(unprepared.lead.config.streamName, unprepared.lines, limits) });
      }
      const wants = prepared.map((group) => {
        const leads = !leading.has(group.stream);
        leading.add(group.stream);
        return {
          group,
          signer: group.identity.key,
          signerNeedsSts: group.identity.credentials.wouldFetch(budget),
          calls: group.delivery.callsNeeded,
          refreshPages: leads ? group.stream.router.refreshPages() : 0,
          refreshExtra: leads ? group.stream.router.refreshExtraRequests() : 0,
        };
      });
      const plan = planExecution(budget, wants);
      for (const group of plan.refused) {
        failUnsent(group.stream, group.lead, group.delivery, { kind: 'budget-exhausted', errorCode: BUDGET_EXHAUSTED, errorMessage: 'not sent: no backend request left for it in this execution' }, false);
      }

      // 5. Credentials per signer (AssumeRole where planned), then 6. the groups, at once.
      const bySigner = new Map<string, PreparedGroup[]>();
      for (const group of plan.groups.keys()) bySigner.set(group.identity.key, [...(bySigner.get(group.identity.key) ?? []), group]);
      await Promise.all(
        [...bySigner].map(async ([signer, signerGroups]) => {
          const sts = plan.sts.get(signer);
          const ready = await credentialsReady(signer, signerGroups, sts ?? budget);
          sts?.release();
          await Promise.all(
            signerGroups.map((group) => {
              const planned = plan.groups.get(group)!;
              if (ready) return send(group, budget, planned.reservation, planned.refreshAllowance);
              planned.reservation.release();
              return undefined;
            }),
          );
        }),
      );
    },

    maxRecordBytes(endpoint) {
      return recordLimitsFor(endpoint.delivery, senders.get(endpoint.name)?.stream?.router.maxRecordBytes()).limits.maxRecordBytes;
    },

    stats() {
      const streamStats: Record<string, StreamStats> = {};
      for (const stream of streams.values()) {
        streamStats[stream.scope] = { region: stream.region, name: stream.name, endpoints: [...stream.endpoints].sort(), delivery: stream.counters, shardMap: stream.router.stats() };
      }
      const endpointStats: Record<string, EndpointStats> = {};
      for (const sender of senders.values()) {
        endpointStats[sender.config.name] = { stream: sender.stream?.scope, credentials: sender.credentials.stats(), unsigned: sender.unsigned };
      }
      return { streams: streamStats, endpoints: endpointStats };
    },

    streamCounters: () => liveCounters,
  };
}
