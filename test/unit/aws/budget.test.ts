import { describe, expect, it } from 'vitest';
import { BACKEND_REQUESTS_PER_EXECUTION, BudgetExhaustedError, RequestBudget } from '../../../src/aws/budget.js';

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


describe('RequestBudget: boundaries', () => {
  it('counts msLeft down from the deadline as the clock moves, for the budget and its reservations alike', () => {
    let now = 400;
    const budget = new RequestBudget(5, 1_000, () => now);
    const reservation = budget.reserve(1);
    expect([budget.msLeft(), reservation.msLeft()]).toEqual([600, 600]);
    now = 1_250;
    expect([budget.msLeft(), reservation.msLeft()]).toEqual([-250, -250]);
  });

  it('a reservation with requests of its own left refuses them at the deadline, and keeps them', () => {
    let now = 0;
    const budget = new RequestBudget(5, 1_000, () => now);
    const reservation = budget.reserve(2);
    now = 999;
    expect(reservation.tryTake()).toBe(true);
    now = 1_000;
    expect(reservation.tryTake()).toBe(false);
    expect(budget.spent).toBe(1);
    expect(reservation.remaining).toBe(1 + 3);
  });

  it('a reservation\'s remaining is its own requests plus the free pool, and shrinks with either', () => {
    const budget = new RequestBudget(10, Infinity);
    const reservation = budget.reserve(3);
    expect(reservation.remaining).toBe(3 + 7);
    expect(budget.tryTake()).toBe(true);
    expect(reservation.remaining).toBe(3 + 6);
    expect(reservation.tryTake()).toBe(true);
    expect([reservation.remaining, budget.remaining]).toEqual([2 + 6, 6]);
  });

  it('the error raised instead of a request names the spent budget (reports quote it)', () => {
    const error = new BudgetExhaustedError();
    expect(error.name).toBe('BudgetExhaustedError');
    expect(error.message).toBe('backend request budget of this execution is spent');
  });
});
