import { describe, expect, it } from 'vitest';
import { BACKEND_REQUESTS_PER_EXECUTION, RequestBudget } from '../../../src/aws/budget.js';

describe('RequestBudget', () => {
  it('hands out at most its limit', () => {
    const budget = new RequestBudget(BACKEND_REQUESTS_PER_EXECUTION - 1, Infinity);
    let taken = 0;
    while (budget.tryTake()) taken++;
    expect(taken).toBe(31);
    expect(budget.spent).toBe(31);
    expect(budget.remaining).toBe(0);
  });

  it('hands out nothing past the deadline', () => {
    let now = 0;
    const budget = new RequestBudget(10, 1_000, () => now);
    expect(budget.tryTake()).toBe(true);
    expect(budget.msLeft()).toBe(1_000);
    now = 1_000;
    expect(budget.tryTake()).toBe(false);
    expect(budget.spent).toBe(1);
    expect(budget.remaining).toBe(9);
  });

  it('reservations take requests out of the free pool; a reservation spends its own first, then the pool; release returns the rest', () => {
    let now = 0;
    const budget = new RequestBudget(5, 1_000, () => now);
    const a = budget.reserve(2);
    const b = budget.reserve(9);
    expect([a.granted, b.granted, budget.remaining]).toEqual([2, 3, 0]);
    expect(budget.tryTake()).toBe(false);
    expect([a.tryTake(), a.tryTake(), a.tryTake()]).toEqual([true, true, false]);
    expect(b.remaining).toBe(3);
    b.release();
    expect(budget.remaining).toBe(3);
    expect(a.execution).toBe(budget);
    now = 1_000;
    expect(a.tryTake()).toBe(false);
    expect(budget.spent).toBe(2);
  });
});

