/**
 * After the response: render one line per matching endpoint and hand them, with the lines the
 * application emitted while serving, to delivery (delivery/) in one call, so lines for the same
 * stream share PutRecords calls. Runs inside `event.waitUntil`; never throws and never touches the
 * client's response. `emitLines` is the same path for lines emitted later. The table lookups
 * formats make stay within the Config Store lookups the execution has left. After a delivery,
 * the fleet-wide metrics lines are written when their interval has passed (metrics/).
 */
import { CONFIG_LOOKUPS_PER_EXECUTION } from '../config/index.js';
import type { EndpointLine, LoggingExecution } from '../delivery/index.js';
import type { TableExecution } from '../format/index.js';
import { enterPhase } from '../platform/phases.js';
import type { LoggerLike, Platform } from '../platform/types.js';
import { collectFacts, type Exchange } from './collect-facts.js';
import { markLoadStart, startLoggingTimer } from './diagnostics.js';
import { loadedService, loadService, reportOnce, tableLookupsLeft, type LoadedService, type ServiceSource } from './endpoints.js';
import { selectLines, type Trigger } from './select-lines.js';

/** Lines the application emitted for an endpoint (placement `none`, the library's `emit`). */
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
  source: ServiceSource,
  execution: LoggingExecution,
  triggers: ReadonlySet<Trigger> = new Set(['response']),
  emitted: readonly EmittedLines[] = [],
): Promise<void> {
  // The request that loads the configuration (a sandbox's first, nearly always) counts the load as logging's.
  const loadStart = loadedService(source) ? undefined : markLoadStart(platform);
  const service = loadService(platform, source);
  if (!service || service.endpoints.length === 0) return;
  const timer = startLoggingTimer(service.config, platform, exchange.startMs, loadStart);
  const facts = collectFacts(exchange, platform);
  const tables = service.tables.forExecution(tableLookupsLeft(service));
  enterPhase('render');
  const { lines, problems } = selectLines(service.endpoints, facts, triggers, platform.random, tables.lookup, (e) => service.delivery.maxRecordBytes(e));
  for (const { endpoint, problem } of problems) {
    reportOnce(service.errorLog, `compute-kinesis-logger: ${endpoint.name}: rendering failed: ${problem}`);
  }
  reportTables(tables, service.errorLog);
  for (const batch of emitted) lines.push(...emittedFor(batch, service));
  await service.delivery.deliver(lines, execution);
  service.metrics?.afterDelivery();
  timer.finish(lines.length);
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
export async function emitLines(emitted: EmittedLines, platform: Platform, source: ServiceSource, execution: LoggingExecution): Promise<void> {
  const service = loadService(platform, source);
  if (!service) return;
  await service.delivery.deliver(emittedFor(emitted, service), execution);
  service.metrics?.afterDelivery();
}

function emittedFor({ endpointName, lines }: EmittedLines, service: LoadedService): EndpointLine[] {
  const endpoint = service.endpoints.find((e) => e.name === endpointName);
  if (!endpoint) {
    // No count in the text: reportOnce de-duplicates by text, so this stays one line per instance.
    reportOnce(service.errorLog, `compute-kinesis-logger: emit: no usable endpoint named "${endpointName}" (see the configuration report); its lines are not sent`);
    return [];
  }
  return lines.map((line) => ({ endpoint, line }));
}
