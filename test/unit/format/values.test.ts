/**
 * Type → text conversions (reference/log-format.md §5.2): FLOAT and RTIME must print exactly what
 * C printf("%.3f") prints, checked against an exact rational reference over many doubles; INTEGER
 * prints int64's bounds for math.INTEGER_MAX/MIN.
 */
import { describe, expect, it } from 'vitest';
import { formatFloat, formatInteger, formatRtime } from '../../../src/format/values.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

/** printf("%.3f", x) computed exactly: the double's rational value, rounded half to even. */
function printf3(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const shift = (exponent === 0 ? 1 : exponent) - 1075;
  // |x| · 1000 = num / den exactly.
  let num = mantissa * 1000n;
  let den = 1n;
  if (shift >= 0) num <<= BigInt(shift);
  else den <<= BigInt(-shift);
  let q = num / den;
  const twiceRemainder = 2n * (num % den);
  if (twiceRemainder > den || (twiceRemainder === den && q % 2n === 1n)) q++;
  const digits = q.toString().padStart(4, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -3)}.${digits.slice(-3)}`;
}


describe('formatFloat is printf("%.3f")', () => {
  it.each([
    [51.5625, '51.562'],
    [0.0625, '0.062'],
    [0.1875, '0.188'],
    [-0.0625, '-0.062'],
    [-0.1875, '-0.188'],
    [0.0005, '0.001'],
    [0.0015, '0.002'],
    [2.5, '2.500'],
    [47.3667, '47.367'],
    [123456.0005, '123456.000'],
    [1e21, '1000000000000000000000.000'],
    [-1e21, '-1000000000000000000000.000'],
    [-0.0001, '-0.000'],
    [0, '0.000'],
  ])('%d → %s', (x, expected) => {
    expect(formatFloat(x)).toBe(expected);
    expect(printf3(x)).toBe(expected);
  });

  it('prints every digit of math.FLOAT_MAX', () => {
    expect(formatFloat(Number.MAX_VALUE)).toBe(`${BigInt(Number.MAX_VALUE)}.000`);
    expect(formatFloat(Number.MAX_VALUE)).toMatch(/^179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368\.000$/);
  });

  it('keeps NaN and the infinities as Fastly prints them', () => {
    expect([formatFloat(NaN), formatFloat(Infinity), formatFloat(-Infinity)]).toEqual(['NaN', 'inf', '-inf']);
  });

  it('agrees with the exact reference on random doubles, exact ties and huge values', () => {
    const random = seededRandom(0xf10a7);
    for (let i = 0; i < 20_000; i++) {
      const kind = i % 4;
      let x: number;
      if (kind === 0) x = (random() - 0.5) * 10 ** Math.floor(random() * 8);
      else if (kind === 1) x = (2 * Math.floor(random() * 2 ** 30) + 1) / 16 * (random() < 0.5 ? -1 : 1);
      else if (kind === 2) x = Math.floor(random() * 1e6) / 1000 + 0.0005;
      else x = (random() + 0.1) * 10 ** (15 + Math.floor(random() * 290));
      expect(formatFloat(x), String(x)).toBe(printf3(x));
    }
  });
});

describe('formatRtime uses the same rule, on seconds', () => {
  it.each([
    [47_333, '0.047'],
    [302_400e6, '302400.000'],
    [1_500, '0.002'],
    [-1_500, '-0.002'],
    [62_500, '0.062'],
    [-0, '0.000'],
    [-400, '-0.000'],
  ])('%d µs → %s', (us, expected) => {
    expect(formatRtime(us)).toBe(expected);
  });
});

describe('formatInteger', () => {
  it('prints int64 bounds for values at or beyond ±2^63', () => {
    expect(formatInteger(2 ** 63)).toBe('9223372036854775807');
    expect(formatInteger(-(2 ** 63))).toBe('-9223372036854775808');
    expect(formatInteger(1e300)).toBe('9223372036854775807');
    expect(formatInteger(2 ** 63, 16)).toBe('7fffffffffffffff');
  });

  it('prints large integers in full, never in exponent form', () => {
    expect(formatInteger(2 ** 60)).toBe('1152921504606846976');
    expect(formatInteger(-12.9)).toBe('-12');
    expect(formatInteger(255, 16)).toBe('ff');
  });
});
