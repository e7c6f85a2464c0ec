/**
 * One simulated Compute instance running the product's own delivery (delivery/streams.ts, built as
 * handler/endpoints.ts builds it, from a Config Store item and Secret Store keys) over Node fetch
 * and in-memory stores, for the integration tests and benchmarks. Its state (credentials, signing
 * keys, shard map, counters) lives across executions, as in a reused sandbox; `deliver()` runs one
 * execution (one RequestBudget for every AWS call) and says what it reported, what went to the
 * fallback endpoint, and which requests it sent.
 */
import { BACKEND_REQUESTS_PER_EXECUTION, RequestBudget } from '../../src/aws/budget.js';
import { loadServiceConfig } from '../../src/config/load.js';
import type { EndpointConfig } from '../../src/config/schema.js';
import { createStreamDelivery, streamKey, type DeliveryCounters, type DeliveryTuning, type StreamDelivery } from '../../src/delivery/index.js';
import type { DeliveryOutcome } from '../../src/delivery/report.js';
import type { StreamStats } from '../../src/delivery/streams.js';
import type { PutRecordsRequestEntry } from '../../src/kinesis/api.js';
import type { KvStoreLike } from '../../src/platform/types.js';
import { FakeConfig, FakeKvStore, FakeSecrets } from './fakes/platform.js';
import { TEST_REGION } from './local-kinesis.js';

export const TEST_KEYS = { accessKeyId: 'AKIDINTEGRATIONTEST1', secretAccessKey: 'integration-secret-Wq8rT2yZ-do-not-log' };

export const ENDPOINT = 'main';

export interface InstanceOptions {
  /** More fields of the endpoint's Config Store item (e.g. `iam_role`, `aggregation`). */
  fields?: Record<string, string>;
  /** Secret Store contents; default the endpoint's keys (TEST_KEYS). */
  secrets?: Record<string, string>;
  /** The fleet's KV store; default a fresh one (a cold fleet); null = no KV store linked. */
  kv?: KvStoreLike | null;
  /** Short backoffs and timeouts by default, so failure tests stay quick. */
  tuning?: DeliveryTuning;
  /** Give the endpoint a fallback log endpoint whose lines the result collects (default true). */
  fallback?: boolean;
  now?: () => number;
}

export interface ExecutionOptions {
  /** Backend requests this execution may spend on logging (default: 31, as behind one origin fetch). */
  budgetRequests?: number;
  deadlineMs?: number;
}

export interface DeliverResult {
  /** This execution's share of the stream's delivery counters. */
  outcome: DeliveryOutcome;
  /** Lines on the error log endpoint: delivery failure reports. */
  reports: string[];
  /** Once-per-instance lines (missing secrets, shard-map problems). */
  notices: string[];
  fallback: string[];
  budget: RequestBudget;
  /** The entries of each PutRecords request this execution sent. */
  putRecordsRequests: PutRecordsRequestEntry[][];
  /** Backend requests as they left, by kind. */
  listShardsCalls: number;
  putRecordsCalls: number;
  stsCalls: number;
  ms: number;
}

/** The instance: one endpoint `main` on `streamName` at `kinesisUrl`. */
export class LoggingInstance {
  readonly endpoint: EndpointConfig;
  readonly delivery: StreamDelivery;
  /** Every line this instance wrote, over all executions (an execution's own are in its result). */
  readonly reports: string[] = [];
  readonly notices: string[] = [];
  readonly fallbackLines: string[] = [];
  private readonly sent = { ListShards: 0, PutRecords: 0, AssumeRole: 0 };
  /** The entries of every PutRecords request sent, per call, in order. */
  readonly putRecords: PutRecordsRequestEntry[][] = [];

  constructor(kinesisUrl: string, streamName: string, options: InstanceOptions = {}) {
    const item = {
      stream_name: streamName,
      region: TEST_REGION,
      endpoint_url: kinesisUrl,
      ...(options.fallback === false ? {} : { fallback_log_endpoint: 'fallback' }),
      ...options.fields,
    };
    const config = loadServiceConfig(new FakeConfig({ endpoints: ENDPOINT, [ENDPOINT]: JSON.stringify(item) }));
    if (config.errors.length > 0) throw new Error(config.errors.map((e) => e.message).join('; '));
    this.endpoint = config.endpoints[0];
    const secrets = new FakeSecrets(options.secrets ?? { [`${ENDPOINT}.access_key_id`]: TEST_KEYS.accessKeyId, [`${ENDPOINT}.secret_access_key`]: TEST_KEYS.secretAccessKey });
    const kv = options.kv === undefined ? new FakeKvStore(options.now) : options.kv;
    const noticed = new Set<string>();
    this.delivery = createStreamDelivery(config.endpoints, {
      fetch: async (request) => {
        const target = request.headers.get('x-amz-target')?.split('.')[1];
        if (target === 'ListShards' || target === 'PutRecords') this.sent[target]++;
        else this.sent.AssumeRole++;
        if (target === 'PutRecords') this.putRecords.push(((await request.clone().json()) as { Records: PutRecordsRequestEntry[] }).Records);
        return fetch(request);
      },
      openSecrets: () => secrets,
      secretStoreName: 'kinesis_logger_secrets',
      openKv: () => {
        if (!kv) throw new TypeError("KVStore constructor: No KVStore named 'kinesis_logger_state' exists");
        return kv;
      },
      logger: () => ({ log: (line) => this.fallbackLines.push(line) }),
      errorLog: { log: (line) => this.reports.push(line) },
      reportOnce: (line) => {
        if (!noticed.has(line)) this.notices.push(line);
        noticed.add(line);
      },
      now: options.now ?? Date.now,
      random: Math.random,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      tuning: { kinesisCallTimeoutMs: 2_000, baseRetryBackoffMs: 20, maxRetryBackoffMs: 200, ...options.tuning },
    });
  }

  /**
   * One execution: the lines delivered within a fresh budget, and what it did. Run executions of
   * one instance one after another (as a sandbox does) for the result's counts to be theirs alone.
   */
  async deliver(lines: readonly string[], options: ExecutionOptions = {}): Promise<DeliverResult> {
    const started = Date.now();
    const budget = new RequestBudget(options.budgetRequests ?? BACKEND_REQUESTS_PER_EXECUTION - 1, started + (options.deadlineMs ?? 30_000));
    const before = { reports: this.reports.length, notices: this.notices.length, fallback: this.fallbackLines.length, sent: { ...this.sent }, puts: this.putRecords.length };
    const countersBefore = structuredClone(this.counters());
    await this.delivery.deliver(lines.map((line) => ({ endpoint: this.endpoint, line })), budget);
    return {
      outcome: outcomeBetween(countersBefore, this.counters()),
      reports: this.reports.slice(before.reports),
      notices: this.notices.slice(before.notices),
      fallback: this.fallbackLines.slice(before.fallback),
      putRecordsRequests: this.putRecords.slice(before.puts),
      budget,
      listShardsCalls: this.sent.ListShards - before.sent.ListShards,
      putRecordsCalls: this.sent.PutRecords - before.sent.PutRecords,
      stsCalls: this.sent.AssumeRole - before.sent.AssumeRole,
      ms: Date.now() - started,
    };
  }

  counters(): DeliveryCounters {
    return this.streamStats().delivery;
  }

  /** The stream's counters and its shard map's state, as the admin page shows them. */
  streamStats(): StreamStats {
    return this.delivery.stats().streams[streamKey(this.endpoint)];
  }

  credentialsStats() {
    return this.delivery.stats().endpoints[ENDPOINT].credentials;
  }
}

/** The counters one execution added: `after − before`, field by field. */
function outcomeBetween(before: DeliveryCounters, after: DeliveryCounters): DeliveryOutcome {
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => v !== 0));
  return {
    attempted: after.attempted - before.attempted,
    delivered: after.delivered - before.delivered,
    retried: after.retried - before.retried,
    failed: after.failed - before.failed,
    failedByCode: diff(after.failedByCode, before.failedByCode),
    failedByKind: diff(after.failedByKind as Record<string, number>, before.failedByKind as Record<string, number>),
    droppedOversize: after.droppedOversize - before.droppedOversize,
    truncated: after.truncated - before.truncated,
    putRecordsCalls: after.putRecordsCalls - before.putRecordsCalls,
    misrouted: after.misrouted - before.misrouted,
    deliveredByShard: diff(after.deliveredByShard, before.deliveredByShard),
  };
}

