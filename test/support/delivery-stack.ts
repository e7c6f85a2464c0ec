/**
 * The local stack the delivery integration tests (and bench/throttling.ts) drive the product's own
 * delivery through, over HTTP on 127.0.0.1:
 *
 *   delivery/streams.ts → signed fetch (aws4fetch) → SigV4 verifier → fault proxy → kinesalite
 *                       ↘ (iam_role) STS stand-in, sharing the verifier's credential registry
 *
 * A `LoggingInstance` is the composer exactly as handler/endpoints.ts builds it, from a Config
 * Store item and Secret Store keys, over Node fetch and in-memory stores; `deliver()` runs one
 * execution on it (one RequestBudget for every AWS call) and captures what it reported, what went
 * to the fallback endpoint, and the requests it sent.
 */
import { LoggingInstance, TEST_KEYS, type DeliverResult, type ExecutionOptions, type InstanceOptions } from './logging-instance.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
import { createStream, randomStreamName, readStream, startLocalKinesis, TEST_REGION, type LocalKinesis } from '../../src/testing/local-kinesis.js';
import { CredentialRegistry, startSigV4Verifier, type Exchange, type SigV4Verifier } from './sigv4-verifier.js';

export { LoggingInstance, TEST_KEYS, type DeliverResult } from './logging-instance.js';

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

/** One execution on a new instance (a cold sandbox, a cold fleet unless `kv` is shared), through the stack. */
export function deliver(stack: Stack, streamName: string, lines: readonly string[], options: InstanceOptions & ExecutionOptions = {}): Promise<DeliverResult> {
  return new LoggingInstance(stack.verifier.url, streamName, options).deliver(lines, options);
}

/** An instance whose calls go through the stack (verifier, fault proxy, kinesalite). */
export function stackInstance(stack: Stack, streamName: string, options: InstanceOptions = {}): LoggingInstance {
  return new LoggingInstance(stack.verifier.url, streamName, options);
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
