/**
 * The local stack the delivery integration tests (and bench/throttling.ts) drive the real pipeline
 * through, over HTTP on 127.0.0.1:
 *
 *   pipeline → signed fetch (aws4fetch) → SigV4 verifier → fault proxy → kinesalite
 *                       ↘ (iam_role) STS stand-in, sharing the verifier's credential registry
 *
 * `deliver()` runs one delivery the way handler/log-exchange.ts does: one RequestBudget for every
 * AWS call (PutRecords, ListShards, STS), the shard-aware router over a fake KV store, real
 * credentials providers. It captures every report line and fallback line.
 */
import { BACKEND_REQUESTS_PER_EXECUTION, RequestBudget } from '../../../src/aws/budget.js';
import { staticCredentials, type CredentialsProvider } from '../../../src/aws/credentials.js';
import { createSignedFetch } from '../../../src/aws/signed-fetch.js';
import type { DeliveryLimits } from '../../../src/config/schema.js';
import { deliverLines, type DeliveryOutcome } from '../../../src/delivery/pipeline.js';
import { createKinesisApi, type KinesisApi } from '../../../src/kinesis/api.js';
import { createEndpointRouter } from '../../../src/shards/index.js';
import type { ShardRouter } from '../../../src/shards/router.js';
import { FakeKvStore } from '../../support/fakes/platform.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../../support/fault-proxy.js';
import { createStream, randomStreamName, readStream, startLocalKinesis, TEST_REGION, type LocalKinesis } from '../../support/local-kinesis.js';
import { CredentialRegistry, startSigV4Verifier, type Exchange, type SigV4Verifier } from '../../support/sigv4-verifier.js';

export const TEST_KEYS = { accessKeyId: 'AKIDINTEGRATIONTEST1', secretAccessKey: 'integration-secret-Wq8rT2yZ-do-not-log' };

export interface Stack {
  kinesis: LocalKinesis;
  proxy: FaultProxy;
  verifier: SigV4Verifier;
  registry: CredentialRegistry;
  exchanges: Exchange[];
  stop(): Promise<void>;
}

export async function startStack(options: Omit<FaultProxyOptions, 'target'> = {}): Promise<Stack> {
  const kinesis = await startLocalKinesis();
  const proxy = await startFaultProxy({ target: kinesis.url, ...options });
  const registry = new CredentialRegistry([TEST_KEYS]);
  const exchanges: Exchange[] = [];
  const verifier = await startSigV4Verifier({ target: proxy.url, credentials: registry, region: TEST_REGION, onExchange: (e) => exchanges.push(e) });
  return {
    kinesis,
    proxy,
    verifier,
    registry,
    exchanges,
    async stop() {
      await verifier.stop();
      await proxy.stop();
      await kinesis.stop();
    },
  };
}

export async function newStream(stack: Stack, shards: number, prefix = 'delivery'): Promise<string> {
  const name = randomStreamName(prefix);
  await createStream(stack.kinesis.url, name, shards);
  return name;
}

export const FAST_LIMITS: DeliveryLimits = { maxAttempts: 3, maxRecordBytes: 1024 * 1024, maxRequestBytes: 5 * 1024 * 1024, oversize: 'truncate' };

export interface DeliverOptions {
  limits?: Partial<DeliveryLimits>;
  credentials?: CredentialsProvider;
  /** Backend requests this delivery may spend (default: 31, as in log-exchange). */
  budgetRequests?: number;
  deadlineMs?: number;
  timeoutMs?: number;
  router?: (api: KinesisApi) => ShardRouter;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  fallback?: boolean;
}

export interface DeliverResult {
  outcome: DeliveryOutcome;
  reports: string[];
  fallback: string[];
  budget: RequestBudget;
  listShardsCalls: number;
  putRecordsCalls: number;
  ms: number;
}

export function routerFactory(streamName: string): (api: KinesisApi) => ShardRouter {
  return createEndpointRouter({
    streamName,
    region: TEST_REGION,
    periodSeconds: 3600,
    openKv: () => new FakeKvStore(),
    report: () => {},
    now: Date.now,
  });
}

export async function deliver(stack: Stack, streamName: string, lines: readonly string[], options: DeliverOptions = {}): Promise<DeliverResult> {
  const started = Date.now();
  const budget = new RequestBudget(options.budgetRequests ?? BACKEND_REQUESTS_PER_EXECUTION - 1, started + (options.deadlineMs ?? 30_000));
  const credentials = options.credentials ?? staticCredentials(async () => ({ ...TEST_KEYS }));
  const signedFetch = createSignedFetch({
    service: 'kinesis',
    region: TEST_REGION,
    credentials,
    backend: { kind: 'static', name: 'kinesis' },
    fetch: (request) => fetch(request),
    budget,
    timeoutMs: options.timeoutMs ?? 2_000,
    signingKeyCache: new Map(),
  });
  const inner = createKinesisApi(stack.verifier.url, signedFetch);
  let listShardsCalls = 0;
  let putRecordsCalls = 0;
  const api: KinesisApi = {
    putRecords: (input) => {
      putRecordsCalls++;
      return inner.putRecords(input);
    },
    listShards: (input) => {
      listShardsCalls++;
      return inner.listShards(input);
    },
  };
  const reports: string[] = [];
  const fallback: string[] = [];
  const outcome = await deliverLines(streamName, lines, {
    api,
    router: (options.router ?? routerFactory(streamName))(api),
    limits: { ...FAST_LIMITS, ...options.limits },
    budget,
    reportFailure: (line) => reports.push(line),
    fallback: options.fallback === false ? undefined : (line) => fallback.push(line),
    refreshCredentials: () => credentials.requestRefresh(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: Date.now,
    baseBackoffMs: options.baseBackoffMs ?? 20,
    maxBackoffMs: options.maxBackoffMs ?? 200,
  });
  return { outcome, reports, fallback, budget, listShardsCalls, putRecordsCalls, ms: Date.now() - started };
}

export function numberedLines(count: number, prefix = 'line'): string[] {
  return Array.from({ length: count }, (_, i) => `{"${prefix}":${i},"pad":"${'x'.repeat(40)}"}`);
}

/**
 * Reads the stream back and checks the delivery's books: every input line is either in the
 * stream or among the fallback lines (failed/dropped), none is lost silently; returns duplicates.
 */
export async function accountFor(stack: Stack, streamName: string, lines: readonly string[], result: DeliverResult) {
  const stored = (await readStream(stack.kinesis.url, streamName)).map((r) => r.data);
  const storedCounts = new Map<string, number>();
  for (const data of stored) storedCounts.set(data, (storedCounts.get(data) ?? 0) + 1);
  const failed = new Set(result.fallback);
  const lost = lines.filter((l) => !storedCounts.has(l) && !failed.has(l));
  const duplicates = [...storedCounts.values()].reduce((sum, n) => sum + (n - 1), 0);
  const deliveredButReportedFailed = lines.filter((l) => storedCounts.has(l) && failed.has(l));
  return { stored, lost, duplicates, deliveredButReportedFailed };
}
