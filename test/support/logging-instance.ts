/**
 * One simulated Compute instance running the product's own delivery (delivery/streams.ts, built as
 * handler/endpoints.ts builds it, from Config Store items and Secret Store keys) over Node fetch
 * and in-memory stores, for the integration tests and benchmarks. Its state (credentials, signing
 * keys, shard maps, counters) lives across executions, as in a reused sandbox; `deliver()` runs one
 * execution (one LoggingExecution: one RequestBudget for every AWS call, one request id numbering
 * its lines) and says what it reported, what went to the fallback endpoint, and which requests it
 * sent.
 *
 * The endpoint `main` always exists; `more` adds others (same stream, Kinesis URL and keys unless
 * their fields say otherwise). Lines given as strings are main's. Unless a test sets
 * `retry_window_ms`, endpoints have none: most tests are about `max_attempts`, and a window
 * would keep every failure test retrying for seconds.
 */
import { RequestBudget } from '../../src/aws/budget.js';
import { loadServiceConfig } from '../../src/config/load.js';
import type { KinesisEndpointConfig } from '../../src/config/index.js';
import { createStreamDelivery, type DeliveryCounters, type DeliveryTuning, type StreamDelivery, type StreamStats } from '../../src/delivery/index.js';
import type { DeliveryOutcome } from '../../src/delivery/report.js';
import type { PutRecordsRequestEntry } from '../../src/kinesis/api.js';
import type { KvStoreLike } from '../../src/platform/types.js';
import { FakeConfig, FakeKvStore, FakeSecrets } from '../../src/testing/memory-stores.js';
import { kinesisEndpoint } from './endpoints.js';
import { TEST_REGION } from '../../src/testing/local-kinesis.js';

export const TEST_KEYS = { accessKeyId: 'AKIDINTEGRATIONTEST1', secretAccessKey: 'integration-secret-Wq8rT2yZ-do-not-log' };

export const ENDPOINT = 'main';

export interface InstanceOptions {
  /** More fields of main's Config Store item (e.g. `iam_role`, `aggregation`). */
  fields?: Record<string, string>;
  /** More endpoints: name → fields of its item (stream, region, endpoint_url default to main's). */
  more?: Record<string, Record<string, string>>;
  /** Secret Store contents; default every endpoint's keys are TEST_KEYS. */
  secrets?: Record<string, string>;
  /** The fleet's KV store; default a fresh one (a cold fleet); null = no KV store linked. */
  kv?: KvStoreLike | null;
  /** Short backoffs and timeouts by default, so failure tests stay quick. */
  tuning?: DeliveryTuning;
  /** Give main a fallback log endpoint whose lines the result collects (default true). */
  fallback?: boolean;
  now?: () => number;
}

export interface ExecutionOptions {
  /** Backend requests this execution may spend on logging (default: 31, as behind one origin fetch). */
  budgetRequests?: number;
  deadlineMs?: number;
  /** The request id its record ids start with (default: a fresh one per execution). */
  requestId?: string;
}

/** A line for a named endpoint (a plain string is main's). */
export interface InstanceLine {
  endpoint: string;
  line: string;
  partitionKey?: string;
}

export interface DeliverResult {
  /** This execution's share of main's stream counters. */
  outcome: DeliveryOutcome;
  /** Lines on the error log endpoint: delivery failure reports. */
  reports: string[];
  /** Once-per-instance lines (shard-map problems, configuration bugs). */
  notices: string[];
  fallback: string[];
  budget: RequestBudget;
  /** The entries of each PutRecords request this execution sent. */
  putRecordsRequests: PutRecordsRequestEntry[][];
  /** Backend requests as they left, by kind. */
  listShardsCalls: number;
  streamSummaryCalls: number;
  putRecordsCalls: number;
  stsCalls: number;
  ms: number;
}

let executions = 0;

/** The instance: endpoint `main` on `streamName` at `kinesisUrl`, and any `more`. */
export class LoggingInstance {
  readonly endpoint: KinesisEndpointConfig;
  readonly endpoints: ReadonlyMap<string, KinesisEndpointConfig>;
  readonly delivery: StreamDelivery;
  /** Every line this instance wrote, over all executions (an execution's own are in its result). */
  readonly reports: string[] = [];
  readonly notices: string[] = [];
  readonly fallbackLines: string[] = [];
  private readonly sent = { ListShards: 0, PutRecords: 0, DescribeStreamSummary: 0, AssumeRole: 0 };
  /** The entries of every PutRecords request sent, per call, in order. */
  readonly putRecords: PutRecordsRequestEntry[][] = [];

  constructor(kinesisUrl: string, streamName: string, options: InstanceOptions = {}) {
    const base = { stream_name: streamName, region: TEST_REGION, endpoint_url: kinesisUrl, retry_window_ms: '0' };
    const items: Record<string, Record<string, string>> = {
      [ENDPOINT]: { ...base, ...(options.fallback === false ? {} : { fallback_log_endpoint: 'fallback' }), ...options.fields },
      ...Object.fromEntries(Object.entries(options.more ?? {}).map(([name, fields]) => [name, { ...base, ...fields }])),
    };
    const store = Object.fromEntries(Object.entries(items).map(([name, item]) => [name, JSON.stringify(item)]));
    const config = loadServiceConfig(new FakeConfig({ endpoints: Object.keys(items).join(','), ...store }));
    if (config.errors.length > 0) throw new Error(config.errors.map((e) => e.message).join('; '));
    this.endpoints = new Map(config.endpoints.map((e) => [e.name, kinesisEndpoint(e)]));
    this.endpoint = this.endpoints.get(ENDPOINT)!;
    const defaultSecrets = Object.fromEntries(
      Object.keys(items).flatMap((name) => [
        [`${name}.access_key_id`, TEST_KEYS.accessKeyId],
        [`${name}.secret_access_key`, TEST_KEYS.secretAccessKey],
      ]),
    );
    const secrets = new FakeSecrets(options.secrets ?? defaultSecrets);
    const kv = options.kv === undefined ? new FakeKvStore(options.now) : options.kv;
    const noticed = new Set<string>();
    this.delivery = createStreamDelivery([...this.endpoints.values()], {
      fetch: async (request) => {
        const target = request.headers.get('x-amz-target')?.split('.')[1];
        if (target === 'ListShards' || target === 'PutRecords' || target === 'DescribeStreamSummary') this.sent[target]++;
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
  async deliver(lines: readonly (string | InstanceLine)[], options: ExecutionOptions = {}): Promise<DeliverResult> {
    const started = Date.now();
    const budget = new RequestBudget(options.budgetRequests ?? 31, started + (options.deadlineMs ?? 30_000));
    const execution = { budget, requestId: options.requestId ?? `test-request-${++executions}`, linesNumbered: 0 };
    const before = { reports: this.reports.length, notices: this.notices.length, fallback: this.fallbackLines.length, sent: { ...this.sent }, puts: this.putRecords.length };
    const countersBefore = structuredClone(this.counters());
    const endpointLines = lines.map((l) => {
      const { endpoint, line, partitionKey } = typeof l === 'string' ? { endpoint: ENDPOINT, line: l, partitionKey: undefined } : l;
      return { endpoint: this.endpoints.get(endpoint)!, line, partitionKey };
    });
    await this.delivery.deliver(endpointLines, execution);
    return {
      outcome: outcomeBetween(countersBefore, this.counters()),
      reports: this.reports.slice(before.reports),
      notices: this.notices.slice(before.notices),
      fallback: this.fallbackLines.slice(before.fallback),
      putRecordsRequests: this.putRecords.slice(before.puts),
      budget,
      listShardsCalls: this.sent.ListShards - before.sent.ListShards,
      streamSummaryCalls: this.sent.DescribeStreamSummary - before.sent.DescribeStreamSummary,
      putRecordsCalls: this.sent.PutRecords - before.sent.PutRecords,
      stsCalls: this.sent.AssumeRole - before.sent.AssumeRole,
      ms: Date.now() - started,
    };
  }

  /** Main's stream counters, or its `unsigned` ones while no stream is known (its keys never read). */
  counters(endpoint = ENDPOINT): DeliveryCounters {
    const { streams, endpoints } = this.delivery.stats();
    const { stream, unsigned } = endpoints[endpoint];
    return stream ? streams[stream].delivery : unsigned;
  }

  /** The stream's counters and its shard map's state, as the admin page shows them. */
  streamStats(endpoint = ENDPOINT): StreamStats {
    const stats = this.delivery.stats();
    return stats.streams[stats.endpoints[endpoint].stream!];
  }

  credentialsStats(endpoint = ENDPOINT) {
    return this.delivery.stats().endpoints[endpoint].credentials;
  }
}

/** The counters one execution added: `after − before`, field by field. */
function outcomeBetween(before: DeliveryCounters, after: DeliveryCounters): DeliveryOutcome {
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => v !== 0));
  const { deliveries: _after, ...rest } = after;
  const numbers = Object.fromEntries(
    Object.entries(rest)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => [k, (v as number) - ((before as unknown as Record<string, number>)[k] ?? 0)]),
  );
  return {
    ...(numbers as unknown as DeliveryOutcome),
    failedByCode: diff(after.failedByCode, before.failedByCode),
    failedByKind: diff(after.failedByKind as Record<string, number>, before.failedByKind as Record<string, number>),
    deliveredByShard: diff(after.deliveredByShard, before.deliveredByShard),
  };
}
