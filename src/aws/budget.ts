/**
 * The backend-request and wall-time budget of one Compute execution. Compute allows 32 backend
 * requests and 2 minutes of wall time per execution (reference/compute.md §4.7); every AWS call
 * (PutRecords, ListShards, STS) takes one request from here, so retries can never push the
 * program past the platform's limits.
 *
 * Owns the accounting, and reservations: a share of the budget set aside before anything is sent
 * (delivery/plan.ts reserves each group's first PutRecords calls, each STS call and each planned
 * ListShards round), so that what one part of the execution spends first — a retry, a map
 * refresh, another emit's delivery — can never take what another part was promised. Reserved
 * requests are no longer in the free pool; a reservation spends its own first, then the free pool.
 *
 * Both the budget and a reservation are a RequestAllowance: what signed fetch and the pipeline
 * spend from. `execution` names the budget either belongs to, so that "once per execution" rules
 * (one STS call per identity) hold whichever allowance a call was given.
 */
import { BACKEND_REQUESTS_PER_EXECUTION } from '../platform/limits.js';

export { BACKEND_REQUESTS_PER_EXECUTION };

/** What a call spends from: the execution's budget, or a share reserved from it. */
export interface RequestAllowance {
  /** The execution's own budget (itself, for a budget). */
  readonly execution: RequestBudget;
  /** Takes one request if one is left to this allowance and the deadline has not passed. */
  tryTake(): boolean;
  /** Requests this allowance could still take. */
  readonly remaining: number;
  /** Milliseconds until the execution's deadline. */
  msLeft(): number;
}

/** Requests set aside for one part of the execution. */
export interface Reservation extends RequestAllowance {
  /** Requests granted (at most what was asked for). */
  readonly granted: number;
  /** Returns the unspent reserved requests to the free pool; the reservation still spends from the pool. */
  release(): void;
}

export class RequestBudget implements RequestAllowance {
  private used = 0;
  /** Reserved and not yet spent. */
  private held = 0;

  constructor(
    /** Requests this budget may spend (the origin fetch is accounted for by the caller). */
    readonly limit: number,
    /** Absolute deadline, ms since epoch. */
    readonly deadlineMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get execution(): RequestBudget {
    return this;
  }

  /** Takes one request from the free pool (not from any reservation). */
  tryTake(): boolean {
    if (this.remaining <= 0 || this.expired()) return false;
    this.used++;
    return true;
  }

  get spent(): number {
    return this.used;
  }

  /** The free pool: neither spent nor reserved. */
  get remaining(): number {
    return Math.max(0, this.limit - this.used - this.held);
  }

  msLeft(): number {
    return this.deadlineMs - this.now();
  }

  /** Sets aside up to `requests` from the free pool (fewer when fewer are free). */
  reserve(requests: number): Reservation {
    const granted = Math.max(0, Math.min(Math.floor(requests), this.remaining));
    this.held += granted;
    let own = granted;
    const budget = this;
    return {
      execution: this,
      granted,
      tryTake() {
        if (own === 0) return budget.tryTake();
        if (budget.expired()) return false;
        own--;
        budget.held--;
        budget.used++;
        return true;
      },
      get remaining() {
        return own + budget.remaining;
      },
      msLeft: () => this.msLeft(),
      release() {
        budget.held -= own;
        own = 0;
      },
    };
  }

  private expired(): boolean {
    return this.now() >= this.deadlineMs;
  }
}

/** The error code of a call (or a record) that was not sent for want of budget: never sent, so never a failure of what it called. */
export const BUDGET_EXHAUSTED = 'BudgetExhausted';

/** Raised instead of sending a request when the budget is spent. */
export class BudgetExhaustedError extends Error {
  constructor() {
    super('backend request budget of this execution is spent');
    this.name = 'BudgetExhaustedError';
  }
}
