/**
 * VCL types and their conversion to text.
 *
 * Owns: the type names, the runtime representation of each type, the not-set marker and the
 * conversion rules of reference/log-format.md §5.2.
 * Does not own: where values come from (variables.ts, functions.ts) or truthiness in conditions
 * (expr-compiler.ts applies §5.1 when it compiles a condition).
 *
 * Runtime representation (null always means "not set"):
 *   STRING, IP  string          BOOL  boolean          INTEGER, FLOAT  number
 *   RTIME  number of microseconds (may be fractional)   TIME  microseconds since the Unix epoch
 * VCL cannot leave INTEGER/FLOAT/BOOL/TIME unset, but variables Compute cannot provide are not
 * set whatever their type, so every type admits null here.
 */
import { breakDownTime, formatRfc1123 } from './time-format.js';

export type VclType = 'STRING' | 'BOOL' | 'INTEGER' | 'FLOAT' | 'RTIME' | 'TIME' | 'IP';
export type Value = string | number | boolean | null;

/** What a not-set value prints as when it reaches the log line directly (§5.1). */
export const NOT_SET_TEXT = '(null)';

/** Text of a set value of the given type. */
export type Stringifier = (v: Value) => string;

export const STRINGIFY: Readonly<Record<VclType, Stringifier>> = {
  STRING: (v) => v as string,
  IP: (v) => v as string,
  BOOL: (v) => (v ? '1' : '0'),
  INTEGER: (v) => formatInteger(v as number),
  FLOAT: (v) => formatFloat(v as number),
  RTIME: (v) => formatRtime(v as number),
  TIME: (v) => formatRfc1123(breakDownTime(v as number)),
};

/** The int64 bounds of VCL INTEGER as doubles: 2^63 (nearest to 2^63 − 1) and −2^63. */
const INT64_LIMIT = 2 ** 63;

/**
 * INTEGER: plain decimal (or `radix`). VCL INTEGER is int64 but values here are doubles, so a value
 * at or beyond ±2^63 prints as int64's bound: math.INTEGER_MAX (stored as 2^63, the nearest
 * double) prints 9223372036854775807, as on Fastly, and a huge std.atoi result saturates as
 * strtol does. Beyond 2^53 the digits come from BigInt, since String() would switch to exponent
 * form at 1e21.
 */
export function formatInteger(n: number, radix = 10): string {
  if (!Number.isFinite(n)) return '0';
  const t = Math.trunc(n);
  if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) return t.toString(radix);
  const clamped = t >= INT64_LIMIT ? 2n ** 63n - 1n : t <= -INT64_LIMIT ? -(2n ** 63n) : BigInt(t);
  return clamped.toString(radix);
}

/**
 * FLOAT: C printf("%.3f"), which Varnish-derived VCL uses; NaN prints `NaN` (Fastly's math.NAN
 * page), infinities `inf`/`-inf`. Two places where Number#toFixed differs from printf:
 * - exact ties: toFixed rounds them away from zero, printf (round-to-nearest-even) to the even
 *   digit: 51.5625 → 51.562. With 3 decimals a double is an exact tie only when it is an odd
 *   multiple of 1/16 (x·2000 odd and x dyadic ⇒ x = odd/16), so only those take the slow branch.
 *   0.0005 is not a tie in binary (it is 0.000500000000000000010…) and prints 0.001 either way;
 * - |x| ≥ 1e21: toFixed switches to exponent form; printf prints every digit (such a double is
 *   an integer, so BigInt has its exact digits).
 * Negative values that round to zero keep their sign (`-0.000`), as printf does.
 */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  const abs = Math.abs(n);
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  if (abs >= 1e21) return `${sign}${BigInt(abs)}.000`;
  if (Number.isInteger(abs * 16) && !Number.isInteger(abs * 8)) {
    // An exact tie: toFixed(4) is exact (…625 or …875 etc.); keep the third digit if it is even.
    const truncated = abs.toFixed(4).slice(0, -1);
    const last = truncated.charCodeAt(truncated.length - 1) - 48;
    return sign + (last % 2 === 0 ? truncated : abs.toFixed(3));
  }
  return sign + abs.toFixed(3);
}

/**
 * RTIME: seconds with 3 decimals, no unit (e.g. 3.5 days → `302400.000`), by the same printf rule
 * as FLOAT, so -1.5 ms prints -0.002 as 1.5 ms prints 0.002. Fastly's RTIME is an integer count of
 * nanoseconds, which has no negative zero, so `-0s` prints `0.000` (`+ 0` turns -0 into 0).
 */
export function formatRtime(us: number): string {
  return formatFloat(us / 1e6 + 0);
}

