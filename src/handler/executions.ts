/**
 * The handler's per-execution state, reached through the event: the one delivery budget and line
 * numbering (delivery/execution.ts), the Config Store lookups (config-lookups.ts), and the lines
 * the application emitted that wait for a delivery. `handle` starts one per request; the library's
 * `emit` in an application that serves by itself starts one on its first emit.
 *
 * Owns the bound on emitted lines: an execution takes at most MAX_EMITTED_LINES_PER_EXECUTION;
 * the lines past it are counted (per instance, on the admin page) and reported once, never thrown.
 * Does not own delivering them (log-exchange.ts) or the public API (kinesis-logging.ts).
 */
import { startExecution, type LoggingExecution } from '../delivery/index.js';
import { EXECUTION_WALL_TIME_MS } from '../platform/limits.js';
import type { Platform } from '../platform/types.js';
import { ConfigLookups } from './config-lookups.js';
import type { LoadStart } from './diagnostics.js';
import { noteInstanceStart } from './endpoints.js';

/**
 * Lines one execution may emit. A request can send about 15,500 records at the very most (31
 * PutRecords calls of 500), and every line costs CPU (render, encode, sign) out of the 50 ms an
 * execution has; lines past this are not sent, and counted.
 */
export const MAX_EMITTED_LINES_PER_EXECUTION = 10_000;

/** Lines the application emitted for an endpoint (placement `none`, the library's `emit`). */
export interface EmittedLines {
  endpointName: string;
  lines: readonly string[];
}

export interface Execution {
  /** The one budget and line numbering of every delivery of this execution (delivery/execution.ts). */
  logging: LoggingExecution;
  /** The execution's Config Store lookups, the application's declared ones taken out. */
  lookups: ConfigLookups;
  /**
   * Lines emitted while `handle` serves the response; they join the request's own delivery.
   * Undefined once that delivery has started (or when `handle` is not used).
   */
  emitted?: EmittedLines[];
  /**
   * Lines emitted outside `handle` that wait for their delivery: emits made in the same turn of the
   * event loop share one delivery (one report, shared PutRecords calls), started at its end.
   */
  pending?: EmittedLines[];
  /** Lines taken from emits so far (at most MAX_EMITTED_LINES_PER_EXECUTION). */
  linesEmitted: number;
  /** Lines emitted past the maximum, not sent (reported once per instance by the delivery that follows). */
  linesOverLimit: number;
  /** Readings taken before this execution loaded the configuration, when it did so before the response. */
  loadStart?: LoadStart;
}

export interface ExecutionOptions {
  /** Backend requests the response itself uses (default 1: the origin fetch). */
  backendRequestsForResponse?: number;
  /** Config Store lookups the application makes itself (default 0). */
  configLookupsForResponse?: number;
}

const executions = new WeakMap<object, Execution>();
/** Emitted lines this instance did not send because their execution had emitted its maximum. */
let linesOverLimit = 0;

/** Starts the execution of `event` at `startMs` (handle: now); replaces any earlier one. */
export function startEventExecution(event: { client?: { requestId?: string } }, platform: Platform, startMs: number, options: ExecutionOptions = {}): Execution {
  noteInstanceStart(startMs);
  const execution: Execution = {
    logging: startExecution({ startMs, now: platform.nowMs, backendRequestsForResponse: options.backendRequestsForResponse, requestId: event.client?.requestId }),
    lookups: new ConfigLookups(options.configLookupsForResponse),
    linesEmitted: 0,
    linesOverLimit: 0,
  };
  executions.set(event, execution);
  return execution;
}

export function executionOf(event: object): Execution | undefined {
  return executions.get(event);
}

/**
 * The event's execution, started now when `handle` did not start one (the library's `emit` in an
 * application that serves by itself): every emit of that event then shares its one budget. Its
 * deadline counts from the request's start where the runtime tells it, not from the first emit.
 */
export function executionFor(event: { client?: { requestId?: string } }, platform: Platform, options?: ExecutionOptions): Execution {
  return executions.get(event) ?? startEventExecution(event, platform, requestStart(platform), options);
}

/**
 * When the request started, as the runtime tells it; now when it cannot. A start in the future or
 * older than an execution can live is not believed (now, then): it would end logging's time at once.
 */
function requestStart(platform: Platform): number {
  const now = platform.nowMs();
  const told = platform.requestStartMs?.();
  return told !== undefined && told <= now && now - told <= EXECUTION_WALL_TIME_MS ? told : now;
}

/**
 * The part of `lines` the execution still takes (all of it, up to MAX_EMITTED_LINES_PER_EXECUTION
 * in all); the rest is counted. Copies, so the application may reuse its array.
 */
export function takeEmitted(execution: Execution, lines: readonly string[]): { taken: string[]; over: number } {
  const room = Math.max(0, MAX_EMITTED_LINES_PER_EXECUTION - execution.linesEmitted);
  const taken = lines.length <= room ? lines.slice() : lines.slice(0, room);
  execution.linesEmitted += taken.length;
  const over = lines.length - taken.length;
  execution.linesOverLimit += over;
  linesOverLimit += over;
  return { taken, over };
}

/** Emitted lines this instance did not send for the per-execution maximum (admin page). */
export function emittedLinesOverLimit(): number {
  return linesOverLimit;
}

/** For tests: forget the instance's count. */
export function resetEmittedCounts(): void {
  linesOverLimit = 0;
}
