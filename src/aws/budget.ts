/**
 * The backend-request and wall-time budget of one Compute execution. Compute allows 32 backend
 * requests and 2 minutes of wall time per execution (reference/compute.md §4.7); every AWS call
 * (PutRecords, ListShards, STS) takes one request from here, so retries can never push the
 * program past the platform's limits.
 */
export const BACKEND_REQUESTS_PER_EXECUTION = 32;

export class RequestBudget {
  private used = 0;

  constructor(
    /** Requests this budget may spend (the origin fetch is accounted for by the caller). */
    readonly limit: number,
    /** Absolute deadline, ms since epoch. */
    readonly deadlineMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request if any is left and the deadline has not passed. */
  tryTake(): boolean {
    if (this.used >= this.limit || this.now() >= this.deadlineMs) return false;
    this.used++;
    return true;
  }

  get spent(): number {
    return this.used;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  msLeft(): number {
    return this.deadlineMs - this.now();
  }
}

/** Raised instead of sending a request when the budget is spent. */
export class BudgetExhaustedError extends Error {
  constructor() {
    super('backend request budget of this execution is spent');
    this.name = 'BudgetExhaustedError';
  }
}
