/** The execution's plan (delivery/plan.ts): what is reserved for whom, in which order, from one budget. */
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { planExecution, RETRY_RESERVE_REQUESTS, type GroupWant } from '../../../src/delivery/plan.js';

const want = (group: string, extra: Partial<GroupWant<string>> = {}): GroupWant<string> => ({ group, signer: `signer-${group}`, signerNeedsSts: false, calls: 1, refreshPages: 0, ...extra });

describe('planExecution', () => {
  it('reserves every group\'s first calls and one AssumeRole per signer before any refresh', () => {
    const budget = new RequestBudget(10, Infinity);
    const plan = planExecution(budget, [
      want('a', { signer: 'role', signerNeedsSts: true, refreshPages: 1 }),
      want('b', { signer: 'role', signerNeedsSts: true, refreshPages: 1 }),
      want('c', { calls: 2, refreshPages: 1 }),
    ]);
    expect([...plan.sts.keys()]).toEqual(['role']);
    // 1 AssumeRole + 4 calls = 5; 2 kept for retries; 3 left: each stream's page, the room to grow to the first.
    expect([...plan.groups.values()].map((g) => g.refreshAllowance)).toEqual([1, 1, 1]);
    expect(plan.refused).toEqual([]);
    expect(budget.remaining).toBe(10 - 1 - 4 - 3);
  });

  it('gives what is left after the expected pages to the first refresh as room, unreserved', () => {
    const budget = new RequestBudget(31, Infinity);
    const plan = planExecution(budget, [want('a', { refreshPages: 1 }), want('b')]);
    expect(plan.groups.get('a')!.refreshAllowance).toBe(31 - 2 - RETRY_RESERVE_REQUESTS);
    expect(plan.groups.get('a')!.reservation.granted).toBe(2);
    expect(budget.remaining).toBe(31 - 3);
  });

  it("gives each refresh's extra request (the stream's record size) only what is left after every stream's pages", () => {
    const budget = new RequestBudget(10, Infinity);
    // 3 calls, 2 kept for retries: 5 left; three pages first, then two of the three extras.
    const plan = planExecution(budget, [want('a', { refreshPages: 1, refreshExtra: 1 }), want('b', { refreshPages: 1, refreshExtra: 1 }), want('c', { refreshPages: 1, refreshExtra: 1 })]);
    expect([...plan.groups.values()].map((g) => g.reservation.granted)).toEqual([3, 3, 2]);
    expect([...plan.groups.values()].map((g) => g.refreshAllowance)).toEqual([2, 2, 1]);
    const tight = planExecution(new RequestBudget(5, Infinity), [want('a', { refreshPages: 1, refreshExtra: 1 }), want('b', { refreshPages: 1, refreshExtra: 1 })]);
    expect([...tight.groups.values()].map((g) => g.refreshAllowance)).toEqual([1, 0]);
  });

  it('defers refreshes that do not fit, and refuses groups that do not fit at all', () => {
    const budget = new RequestBudget(3, Infinity);
    const plan = planExecution(budget, [want('a', { refreshPages: 1 }), want('b', { calls: 3 }), want('c')]);
    expect(plan.refused).toEqual(['b']);
    expect(plan.groups.get('a')!.refreshAllowance).toBe(0);
    expect([...plan.groups.keys()]).toEqual(['a', 'c']);
  });

  it('a later plan in the same execution (an emit) cannot take what an earlier one reserved', () => {
    const budget = new RequestBudget(4, Infinity);
    const first = planExecution(budget, [want('a', { calls: 3 })]);
    const second = planExecution(budget, [want('b', { calls: 2 })]);
    expect(second.refused).toEqual(['b']);
    const reservation = first.groups.get('a')!.reservation;
    expect([reservation.tryTake(), reservation.tryTake(), reservation.tryTake()]).toEqual([true, true, true]);
    // Its own are spent; then it draws on the free pool like anyone.
    expect(reservation.tryTake()).toBe(true);
    expect(reservation.tryTake()).toBe(false);
  });
});
