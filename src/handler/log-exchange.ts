/**
 * After the response: render one line per matching endpoint and hand them, with the lines the
 * application emitted while serving, to delivery (delivery/) in one call, so lines for the same
 * stream share PutRecords calls. Runs inside `event.waitUntil`; never throws and never touches the
 * client's response. `emitLines` is the same path for lines emitted later. The table lookups
 * formats make stay within the Config Store lookups the execution has left. After a delivery,
 * the fleet-wide metrics lines are written (metrics/): here is the last moment a sandbox surely
 * has before it takes another request or ends.
 *
 * Emitted lines get the escaping rendered lines get (format/newlines.ts, §11.6): CR and LF as
 * the two characters `\r` and `\n`, so that application data cannot forge a log line. Many lines
 * cost linear time: nothing here copies a growing list or spreads one into a call's arguments.
 */
import { CONFIG_LOOKUPS_PER_EXECUTION } from '../config/index.js';
import type { EndpointLine } from '../delivery/index.js';
import type { TableExecution } from '../format/index.js';
import { enterPhase } from '../platform/phases.js';
import type { LoggerLike, Platform } from '../platform/types.js';
import { collectFacts, type Exchange } from './collect-facts.js';
import { markLoadStart, startLoggingTimer } from './diagnostics.js';
import { loadedService, loadService, reportOnce, type LoadedService, type ServiceSource } from './endpoints.js';
import { MAX_EMITTED_LINES_PER_EXECUTION, type EmittedLines, type Execution } from './executions.js';
import { isPlacedFor, selectLines, type Trigger } from './select-lines.js';


/**
 * Renders the request's lines and delivers them, together with lines the application emitted
 * while serving it: one delivery, so lines for the same stream share PutRecords calls.
 */
export async function logExchange(
  exchange: Exchange,
  platform: Platform,
  source: ServiceSource,
  execution: Execution,
  triggers: ReadonlySet<Trigger> = new Set(['response']),
  emitted: readonly EmittedLines[] = [],
): Promise<void> {
  // The request that loads the configuration (a sandbox's first, nearly always) counts the load as
  // logging's, also when the handler loaded it before the response (an unsized body).
  const loadStart = execution.loadStart ?? (loadedService(source) ? undefined : markLoadStart(platform));
  const service = loadService(platform, source, execution.lookups);
  // Without a line of its own to render (placement none only) or lines emitted, nothing is gathered.
  if (!service || (emitted.length === 0 && !service.endpoints.some((e) => isPlacedFor(e, triggers)))) return;
  const timer = startLoggingTimer(service.config, platform, exchange.startMs, loadStart);
  const facts = collectFacts(exchange, platform);
  // What the application and the load left of the execution's Config Store lookups.
  const tables = service.tables.forExecution(execution.lookups.left);
  enterPhase('render');
  const { lines, problems } = selectLines(service.endpoints, facts, triggers, platform.random, tables.lookup, (e) => service.delivery.maxRecordBytes(e));
  for (const { endpoint, problem } of problems) {
    reportOnce(service.errorLog, `compute-kinesis-logger: ${endpoint.name}: rendering failed: ${problem}`);
  }
  reportTables(tables, service.errorLog);
  addEmitted(lines, emitted, service, execution);
  await service.delivery.deliver(lines, execution.logging);
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
 * Sends lines the application wrote itself through the named endpoints (any placement; the way to
 * use `none`), in one delivery. An unknown or disabled endpoint is reported once per instance.
 */
export async function emitLines(emitted: readonly EmittedLines[], platform: Platform, source: ServiceSource, execution: Execution): Promise<void> {
  const service = loadService(platform, source, execution.lookups);
  if (!service) return;
  const lines: EndpointLine[] = [];
  addEmitted(lines, emitted, service, execution);
  if (lines.length === 0) return;
  await service.delivery.deliver(lines, execution.logging);
  service.metrics?.afterDelivery();
}

/** Appends the emitted lines for their endpoints, escaped, one by one (a spread of a large batch overflows the stack). */
function addEmitted(lines: EndpointLine[], emitted: readonly EmittedLines[], service: LoadedService, execution: Execution): void {
  for (const { endpointName, lines: batch } of emitted) {
    const endpoint = service.endpoints.find((e) => e.name === endpointName);
    if (!endpoint) {
      // No count in the text: reportOnce de-duplicates by text, so this stays one line per instance.
      reportOnce(service.errorLog, `compute-kinesis-logger: emit: no usable endpoint named "${endpointName}" (see the configuration report); its lines are not sent`);
      continue;
    }
    for (const line of batch) lines.push({ endpoint, line: escapeNewlines(line) });
  }
  if (execution.linesOverLimit > 0) {
    reportOnce(
      service.errorLog,
      `compute-kinesis-logger: emit: an execution emitted more than ${MAX_EMITTED_LINES_PER_EXECUTION} lines; the lines past that were not sent ` +
        '(counted on the admin page: emit.linesOverLimit)',
    );
  }
}

/** LF and CR as `\n` and `\r`, exactly as the renderer writes them (format/newlines.ts). */
function escapeNewlines(line: string): string {
  return line.indexOf('\n') === -1 && line.indexOf('\r') === -1 ? line : line.replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r'));
}
