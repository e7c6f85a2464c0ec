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
});
