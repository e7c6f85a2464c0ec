/** Broken-down GMT time, RFC 1123 and strftime, cross-checked against Date over many instants. */
import { describe, expect, it } from 'vitest';
import { breakDownTime, compileStrftime, formatClfTime, formatRfc1123, timeFromCivil } from '../../../src/format/time-format.js';

describe('breakDownTime / formatRfc1123', () => {
  it('agrees with Date.toUTCString from 1970 to 2200', () => {
    let t = 0;
    const step = 7_919_993; // seconds, an irregular stride (≈ 91.7 days)
    for (; t < 7258118400; t += step) {
      expect(formatRfc1123(breakDownTime(t * 1e6))).toBe(new Date(t * 1000).toUTCString());
    }
  });

  it('floors negative times to the previous second', () => {
    const tm = breakDownTime(-1);
    expect([tm.year, tm.month, tm.day, tm.hour, tm.minute, tm.second]).toEqual([1969, 12, 31, 23, 59, 59]);
  });

  it('prints "datetime out of bounds" before the epoch (std.time page: std.integer2time(-1))', () => {
    expect(formatRfc1123(breakDownTime(-1))).toBe('datetime out of bounds');
    expect(formatRfc1123(breakDownTime(0))).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it('prints "datetime out of bounds" beyond year 9999', () => {
    expect(formatRfc1123(breakDownTime(timeFromCivil(10000, 1, 1, 0, 0, 0, 0)))).toBe('datetime out of bounds');
  });

  it('timeFromCivil inverts breakDownTime', () => {
    const tm = breakDownTime(timeFromCivil(2024, 2, 29, 23, 59, 58, 123456));
    expect([tm.year, tm.month, tm.day, tm.hour, tm.minute, tm.second, tm.yday]).toEqual([2024, 2, 29, 23, 59, 58, 59]);
  });
});

describe('strftime', () => {
  const tm = breakDownTime(timeFromCivil(2024, 3, 5, 14, 7, 9, 0));

  it('formats the CLF time', () => {
    expect(formatClfTime(tm)).toBe('[05/Mar/2024:14:07:09 +0000]');
  });

  it('matches ISO week numbers from Date arithmetic across years', () => {
    const iso = (d: Date): string => {
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const day = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - day);
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      const week = Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7);
      return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
    };
    const format = compileStrftime('%G-W%V');
    for (let day = 0; day < 365 * 12; day += 3) {
      const ms = Date.UTC(2015, 0, 1) + day * 86400000;
      expect(format(breakDownTime(ms * 1000))).toBe(iso(new Date(ms)));
    }
  });

  it('copies an unknown conversion and a trailing %', () => {
    expect(compileStrftime('%Q %')(tm)).toBe('%Q %');
  });
});
