/**
 * Time formatting: broken-down GMT time, POSIX strftime (C locale), RFC 1123 and the Apache
 * `%t` form.
 *
 * Owns: every conversion from a TIME (microseconds since the Unix epoch) to text.
 * Does not own: where times come from (variables.ts) or the per-render cache (render-context.ts).
 *
 * Contract: all output is GMT, so `%z` is `+0000` and `%Z` is `GMT` (reference/log-format.md §4,
 * §11.2); strftime truncates to whole seconds. Supported conversions are glibc's in the C locale:
 * a A b B c C d D e F g G h H I j k l m M n p P r R s S t T u U V w W x X y Y z Z %, with the
 * E/O modifiers accepted and ignored, the flags `-` `_` `0` `^` `#` and a field width. An unknown
 * conversion is copied as written (glibc does the same). Patterns are compiled once into pieces;
 * sharedStrftime also shares each pattern across formats and remembers its last second's text.
 */

export interface BrokenTime {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  /** 1..31 */
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday */
  readonly wday: number;
  /** 0-based day of the year */
  readonly yday: number;
  /** Whole seconds since the epoch (floor). */
  readonly epochSeconds: number;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const SHORT_DAYS = DAY_NAMES.map((d) => d.slice(0, 3));
const SHORT_MONTHS = MONTH_NAMES.map((m) => m.slice(0, 3));

/** Breaks a TIME down in GMT (proleptic Gregorian; H. Hinnant's civil_from_days). */
export function breakDownTime(us: number): BrokenTime {
  const epochSeconds = Math.floor(us / 1e6);
  const days = Math.floor(epochSeconds / 86400);
  const secOfDay = epochSeconds - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const yday = days - daysFromCivil(year, 1, 1);
  return {
    year,
    month,
    day,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    wday: (((days + 4) % 7) + 7) % 7,
    yday,
    epochSeconds,
  };
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Microseconds since the epoch for a GMT calendar time (used by the facts JSON reader). */
export function timeFromCivil(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micros: number,
): number {
  const days = daysFromCivil(year, month, day);
  return ((days * 86400 + hour * 3600 + minute * 60 + second) * 1e6) + micros;
}

const TIME_TEXT_MAX_YEAR = 9999;

/**
 * VCL's TIME → STRING conversion, e.g. `Thu, 01 Jan 1970 00:00:00 GMT`. A time before the epoch
 * or after year 9999 prints `datetime out of bounds`: the std.time page shows
 * std.integer2time(-1) printing so.
 */
export function formatRfc1123(tm: BrokenTime): string {
  if (tm.epochSeconds < 0 || tm.year > TIME_TEXT_MAX_YEAR) return 'datetime out of bounds';
  return `${SHORT_DAYS[tm.wday]}, ${pad2(tm.day)} ${SHORT_MONTHS[tm.month - 1]} ${pad4(tm.year)} ${pad2(tm.hour)}:${pad2(tm.minute)}:${pad2(tm.second)} GMT`;
}

/** Apache `%t`: `[05/Mar/2024:14:07:09 +0000]` (reference/log-format.md §11.2). */
export function formatClfTime(tm: BrokenTime): string {
  return `[${pad2(tm.day)}/${SHORT_MONTHS[tm.month - 1]}/${pad4(tm.year)}:${pad2(tm.hour)}:${pad2(tm.minute)}:${pad2(tm.second)} +0000]`;
}

/** '00'…'99', so two-digit fields allocate nothing. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

function pad2(n: number): string {
  return n >= 0 && n < 100 ? TWO_DIGITS[n] : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : String(n).padStart(4, '0');
}

/** A compiled strftime pattern. */
export type TimeFormatter = (tm: BrokenTime) => string;

type Conversion =
  | { kind: 'num'; get: (tm: BrokenTime) => number; width: number; pad: '0' | ' ' }
  | { kind: 'text'; get: (tm: BrokenTime) => string }
  | { kind: 'alias'; pattern: string };

const CONVERSIONS: Record<string, Conversion> = {
  a: { kind: 'text', get: (tm) => SHORT_DAYS[tm.wday] },
  A: { kind: 'text', get: (tm) => DAY_NAMES[tm.wday] },
  b: { kind: 'text', get: (tm) => SHORT_MONTHS[tm.month - 1] },
  h: { kind: 'text', get: (tm) => SHORT_MONTHS[tm.month - 1] },
  B: { kind: 'text', get: (tm) => MONTH_NAMES[tm.month - 1] },
  c: { kind: 'alias', pattern: '%a %b %e %H:%M:%S %Y' },
  C: { kind: 'num', get: (tm) => Math.floor(tm.year / 100), width: 2, pad: '0' },
  d: { kind: 'num', get: (tm) => tm.day, width: 2, pad: '0' },
  D: { kind: 'alias', pattern: '%m/%d/%y' },
  e: { kind: 'num', get: (tm) => tm.day, width: 2, pad: ' ' },
  F: { kind: 'alias', pattern: '%Y-%m-%d' },
  G: { kind: 'num', get: (tm) => isoWeek(tm).year, width: 1, pad: '0' },
  g: { kind: 'num', get: (tm) => mod(isoWeek(tm).year, 100), width: 2, pad: '0' },
  H: { kind: 'num', get: (tm) => tm.hour, width: 2, pad: '0' },
  I: { kind: 'num', get: (tm) => hour12(tm), width: 2, pad: '0' },
  j: { kind: 'num', get: (tm) => tm.yday + 1, width: 3, pad: '0' },
  k: { kind: 'num', get: (tm) => tm.hour, width: 2, pad: ' ' },
  l: { kind: 'num', get: (tm) => hour12(tm), width: 2, pad: ' ' },
  m: { kind: 'num', get: (tm) => tm.month, width: 2, pad: '0' },
  M: { kind: 'num', get: (tm) => tm.minute, width: 2, pad: '0' },
  n: { kind: 'text', get: () => '\n' },
  p: { kind: 'text', get: (tm) => (tm.hour < 12 ? 'AM' : 'PM') },
  P: { kind: 'text', get: (tm) => (tm.hour < 12 ? 'am' : 'pm') },
  r: { kind: 'alias', pattern: '%I:%M:%S %p' },
  R: { kind: 'alias', pattern: '%H:%M' },
  s: { kind: 'num', get: (tm) => tm.epochSeconds, width: 1, pad: '0' },
  S: { kind: 'num', get: (tm) => tm.second, width: 2, pad: '0' },
  t: { kind: 'text', get: () => '\t' },
  T: { kind: 'alias', pattern: '%H:%M:%S' },
  u: { kind: 'num', get: (tm) => (tm.wday === 0 ? 7 : tm.wday), width: 1, pad: '0' },
  U: { kind: 'num', get: (tm) => Math.floor((tm.yday + 7 - tm.wday) / 7), width: 2, pad: '0' },
  V: { kind: 'num', get: (tm) => isoWeek(tm).week, width: 2, pad: '0' },
  w: { kind: 'num', get: (tm) => tm.wday, width: 1, pad: '0' },
  W: { kind: 'num', get: (tm) => Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7), width: 2, pad: '0' },
  x: { kind: 'alias', pattern: '%m/%d/%y' },
  X: { kind: 'alias', pattern: '%H:%M:%S' },
  y: { kind: 'num', get: (tm) => mod(tm.year, 100), width: 2, pad: '0' },
  Y: { kind: 'num', get: (tm) => tm.year, width: 1, pad: '0' },
  z: { kind: 'text', get: () => '+0000' },
  Z: { kind: 'text', get: () => 'GMT' },
  '%': { kind: 'text', get: () => '%' },
};

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function hour12(tm: BrokenTime): number {
  const h = tm.hour % 12;
  return h === 0 ? 12 : h;
}

function isoWeek(tm: BrokenTime): { year: number; week: number } {
  const mondayBased = (tm.wday + 6) % 7;
  const week = Math.floor((tm.yday - mondayBased + 10) / 7);
  if (week < 1) return { year: tm.year - 1, week: isoWeeksInYear(tm.year - 1) };
  if (week > isoWeeksInYear(tm.year)) return { year: tm.year + 1, week: 1 };
  return { year: tm.year, week };
}

function isoWeeksInYear(y: number): number {
  const p = (x: number): number => mod(x + Math.floor(x / 4) - Math.floor(x / 100) + Math.floor(x / 400), 7);
  return p(y) === 4 || p(y - 1) === 3 ? 53 : 52;
}

/** Compiles a strftime pattern into a formatter; never fails (unknown conversions are copied). */
/**
 * Plain (unflagged, default-width) forms of the most used conversions, rendered by a switch in
 * the formatter loop instead of a closure call each: %Y %m %d %H %M %S.
 */
const FIELD_CODES: Record<string, number> = { Y: 0, m: 1, d: 2, H: 3, M: 4, S: 5 };

export function compileStrftime(pattern: string): TimeFormatter {
  const pieces: Array<string | number | TimeFormatter> = [];
  let literal = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    const m = /^%([-_0^#]*)([0-9]*)([EO]?)(.?)/su.exec(pattern.slice(i)) as RegExpExecArray;
    const [whole, flags, widthText, , letter] = m;
    const conversion = CONVERSIONS[letter];
    if (!conversion) {
      literal += whole;
      i += whole.length;
      continue;
    }
    i += whole.length;
    const piece = compileConversion(conversion, flags, widthText ? Number(widthText) : 0);
    if (letter === '%' || letter === 'n' || letter === 't' || letter === 'z' || letter === 'Z') {
      literal += piece(EPOCH);
      continue;
    }
    if (literal) pieces.push(literal);
    literal = '';
    const code = flags === '' && widthText === '' ? FIELD_CODES[letter] : undefined;
    pieces.push(code ?? piece);
  }
  if (literal) pieces.push(literal);
  if (pieces.length === 0) return () => '';
  if (pieces.length === 1 && typeof pieces[0] === 'string') {
    const constant = pieces[0];
    return () => constant;
  }
  return (tm) => {
    let out = '';
    for (let k = 0; k < pieces.length; k++) {
      const p = pieces[k];
      if (typeof p === 'string') out += p;
      else if (typeof p === 'number') {
        switch (p) {
          case 0: out += tm.year >= 0 ? String(tm.year) : `-${-tm.year}`; break;
          case 1: out += TWO_DIGITS[tm.month]; break;
          case 2: out += TWO_DIGITS[tm.day]; break;
          case 3: out += TWO_DIGITS[tm.hour]; break;
          case 4: out += TWO_DIGITS[tm.minute]; break;
          default: out += TWO_DIGITS[tm.second];
        }
      } else out += p(tm);
    }
    return out;
  };
}

const EPOCH = breakDownTime(0);

function compileConversion(conv: Conversion, flags: string, width: number): TimeFormatter {
  const upper = flags.includes('^') || flags.includes('#');
  if (conv.kind === 'alias') {
    const inner = compileStrftime(conv.pattern);
    return upper ? (tm) => inner(tm).toUpperCase() : inner;
  }
  if (conv.kind === 'text') {
    const get = conv.get;
    return (tm) => {
      const s = upper ? get(tm).toUpperCase() : get(tm);
      return width > s.length ? s.padStart(width, flags.includes('0') ? '0' : ' ') : s;
    };
  }
  const { get } = conv;
  const noPad = flags.includes('-');
  const padChar = flags.includes('_') ? ' ' : flags.includes('0') ? '0' : conv.pad;
  const minWidth = width || conv.width;
  // Fast paths for the common unflagged forms (%d %H %M %S %m …, %Y %s %u …).
  if (noPad || minWidth === 1) return (tm) => String(get(tm));
  if (minWidth === 2 && padChar === '0') {
    return (tm) => {
      const v = get(tm);
      return v >= 0 && v < 100 ? TWO_DIGITS[v] : String(v);
    };
  }
  return (tm) => {
    const v = get(tm);
    const digits = String(Math.abs(v));
    const sign = v < 0 ? '-' : '';
    if (digits.length + sign.length >= minWidth) return sign + digits;
    return padChar === '0'
      ? sign + digits.padStart(minWidth - sign.length, '0')
      : (sign + digits).padStart(minWidth, ' ');
  };
}

/** True when the pattern may print LF or CR (`%n`, or a raw newline in it). */
export function mayPrintNewline(pattern: string): boolean {
  return /%[-_0^#]*[0-9]*[EO]?n|[\r\n]/.test(pattern);
}

const SHARED_FORMATTERS_MAX_ENTRIES = 64;
const sharedFormatters = new Map<string, (us: number) => string>();

/**
 * A compiled pattern shared by every format of the instance, taking a TIME in microseconds and
 * remembering its last output: strftime output depends only on the whole second, so the several
 * timestamps of one line (Datadog's default prints the start time twice) and the requests of
 * the same second are formatted once, without even breaking the time down again.
 */
export function sharedStrftime(pattern: string): (us: number) => string {
  let formatter = sharedFormatters.get(pattern);
  if (formatter) return formatter;
  const format = compileStrftime(pattern);
  let lastSecond = NaN;
  let lastText = '';
  formatter = (us) => {
    const second = Math.floor(us / 1e6);
    if (second !== lastSecond) {
      lastText = format(breakDownTime(us));
      lastSecond = second;
    }
    return lastText;
  };
  if (sharedFormatters.size >= SHARED_FORMATTERS_MAX_ENTRIES) sharedFormatters.clear();
  sharedFormatters.set(pattern, formatter);
  return formatter;
}
