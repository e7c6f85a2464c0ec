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

export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return '0';
  return String(Math.trunc(n));
}

/** FLOAT: fixed, 3 decimals; NaN prints `NaN`, infinities `inf`/`-inf` (C printf). */
export function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  const s = n.toFixed(3);
  return s === '-0.000' ? '0.000' : s;
}

/** RTIME: seconds with 3 decimals, no unit (e.g. 3.5 days → `302400.000`). */
export function formatRtime(us: number): string {
  if (!Number.isFinite(us)) return formatFloat(us);
  const ms = Math.round(us / 1000);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const frac = abs % 1000;
  return `${sign}${Math.floor(abs / 1000)}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** Text as a not-set value prints directly into a log line: `(null)`. */
export function toLogText(type: VclType, v: Value): string {
  return v === null ? NOT_SET_TEXT : STRINGIFY[type](v);
}

/** Text as a function argument sees it: not set becomes the empty string (§5.1). */
export function toArgText(type: VclType, v: Value): string {
  return v === null ? '' : STRINGIFY[type](v);
}
