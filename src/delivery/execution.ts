/**
 * One execution as delivery sees it, whatever the entry point (the proxy's request, the library's
 * `handle`, `emit` outside it): the request budget every AWS call of the execution takes from, and
 * the numbering of its lines, which gives each line its record id (kinesis/keys.ts `recordId`).
 * The handler starts one per execution and hands the same one to every delivery of it, so that
 * two emits share one budget and never number two lines alike.
 */
import { BACKEND_REQUESTS_PER_EXECUTION, RequestBudget } from '../aws/index.js';
import { recordId } from '../kinesis/index.js';

/** Compute's wall-time limit per execution is 2 minutes; logging ends well before it. */
export const LOGGING_DEADLINE_MS = 90_000;

export interface LoggingExecution {
  /**
   * Compute's 32 backend requests less those the response itself uses (the origin fetch: 1),
   * until the logging deadline.
   */
  readonly budget: RequestBudget;
  /** The request id (Compute's `event.client.requestId`), or a random one when there is none. */
  readonly requestId: string;
  /** Lines numbered so far in this execution. */
  linesNumbered: number;
}

export interface ExecutionStart {
  startMs: number;
  now: () => number;
  /** Backend requests the response uses (default 1: the origin fetch); logging gets the rest. */
  backendRequestsForResponse?: number;
  requestId?: string;
}

export function startExecution(start: ExecutionStart): LoggingExecution {
  const limit = Math.max(0, BACKEND_REQUESTS_PER_EXECUTION - (start.backendRequestsForResponse ?? 1));
  return {
    budget: new RequestBudget(limit, start.startMs + LOGGING_DEADLINE_MS, start.now),
    requestId: start.requestId || randomRequestId(),
    linesNumbered: 0,
  };
}

/** The next line's record id: `<request id>-<n>`, n from 0 in the order lines reach delivery. */
export function nextRecordId(execution: LoggingExecution): string {
  return recordId(execution.requestId, execution.linesNumbered++);
}

/** 128 random bits in hex: unique enough to stand for a request id nobody gave. */
function randomRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
