/**
 * The execution's backend requests, planned across every group before anything is sent (Compute
 * allows 32 per execution, reference/compute.md §4.7). Without a plan, groups sent at once each
 * spent as if alone: on a new sandbox, ListShards rounds and AssumeRole calls of the first groups
 * took the requests the last groups' PutRecords needed, and their lines failed.
 *
 * In this order, from what the budget has free:
 *   1. for each group (stream × signer) in order, its first-round PutRecords calls and, the first
 *      time its signer needs one, one AssumeRole; a group that does not fit is not sent (its lines
 *      fail as budget-exhausted and are reported — config/load.ts keeps the proxy's own
 *      configurations from getting here);
 *   2. RETRY_RESERVE_REQUESTS left free for retries;
 *   3. shard-map refreshes, stream by stream in order, each the ListShards pages it expects, while
 *      they fit, then, with what is still free, each refresh's extra request (DescribeStreamSummary,
 *      the stream's maximum record size: a map is worth more, so every map fitting comes first);
 *      the others are deferred (their map, the KV copy or random hash keys route the
 *      records: no line waits for a map). What is left goes to the first refresh as room to grow,
 *      not reserved: a stream this instance has never listed is expected to take one page, and
 *      without that room a 2,500-shard stream would take three executions (1, 2, then 3 pages)
 *      to be listed; unreserved, it cannot starve another delivery planned later in the same
 *      execution (an emit), and a listing that finds no request left for a page is deferred.
 * What is planned is reserved (aws/budget.ts), so no group's retries or refresh can take another
 * group's first calls. Reserved requests a group does not use serve its retries; the free pool
 * serves everyone's.
 *
 * Owns the arithmetic only: pure over the wants it is given and the budget it reserves from.
 */
import type { RequestBudget, Reservation } from '../aws/index.js';

/** Requests kept free for retries before any map refresh is planned: two retries of one call. */
export const RETRY_RESERVE_REQUESTS = 2;

export interface GroupWant<G> {
  group: G;
  /** Who signs: groups with the same signer share its AssumeRole. */
  signer: string;
  /** True when the signer's credentials cost an AssumeRole in this execution. */
  signerNeedsSts: boolean;
  /** PutRecords calls the first round needs. */
  calls: number;
  /** ListShards pages the group's stream refresh wants (0: none due, or another group leads it). */
  refreshPages: number;
  /** Requests that refresh would also like after every stream's pages (DescribeStreamSummary); default 0. */
  refreshExtra?: number;
}

export interface PlannedGroup {
  /** The group's first calls and the pages its refresh expects, reserved. */
  reservation: Reservation;
  /** Requests its stream's refresh may spend (0 = deferred): the reserved pages (and extra), and room to grow. */
  refreshAllowance: number;
}

export interface ExecutionPlan<G> {
  /** One reserved AssumeRole per signer that needs it. */
  sts: Map<string, Reservation>;
  groups: Map<G, PlannedGroup>;
  /** Groups that do not fit at all, in order. */
  refused: G[];
}

export function planExecution<G>(budget: RequestBudget, wants: readonly GroupWant<G>[]): ExecutionPlan<G> {
  let free = budget.remaining;
  const stsSigners = new Set<string>();
  const accepted: GroupWant<G>[] = [];
  const refused: G[] = [];
  for (const want of wants) {
    const sts = want.signerNeedsSts && !stsSigners.has(want.signer) ? 1 : 0;
    if (sts + want.calls > free) {
      refused.push(want.group);
      continue;
    }
    free -= sts + want.calls;
    if (sts) stsSigners.add(want.signer);
    accepted.push(want);
  }
  let forRefresh = free - RETRY_RESERVE_REQUESTS;
  const pages = accepted.map((want) => {
    const expected = want.refreshPages > 0 && want.refreshPages <= forRefresh ? want.refreshPages : 0;
    forRefresh -= expected;
    return expected;
  });
  accepted.forEach((want, i) => {
    const extra = want.refreshExtra ?? 0;
    if (pages[i] > 0 && extra > 0 && extra <= forRefresh) {
      pages[i] += extra;
      forRefresh -= extra;
    }
  });
  const first = pages.findIndex((expected) => expected > 0);
  const sts = new Map([...stsSigners].map((signer) => [signer, budget.reserve(1)]));
  const groups = new Map<G, PlannedGroup>();
  accepted.forEach((want, i) => {
    const room = i === first ? forRefresh : 0;
    groups.set(want.group, { reservation: budget.reserve(want.calls + pages[i]), refreshAllowance: pages[i] + room });
  });
  return { sts, groups, refused };
}
