/**
 * Date and time functions
 * (https://www.fastly.com/documentation/reference/vcl/functions/date-and-time/): strftime,
 * time.units, time.runits, time.add, time.sub, time.is_after, time.hex_to_time,
 * time.interval_elapsed_ratio, std.time, std.integer2time, parse_time_delta.
 *
 * Owns: their argument handling and the parsing std.time and parse_time_delta do.
 * Does not own: formatting a TIME (time-format.ts, values.ts).
 *
 * TIME values are microseconds since the epoch, RTIME microseconds (values.ts). Decisions where
 * the pages are silent: time.hex_to_time keeps the fraction of its division (the category page
 * calls it "construct a fractional time"); time.add and time.sub take an RTIME as their second
 * argument (a TIME there has no meaning, as Fastly's own VCL tooling notes); a divisor of 0 in
 * time.hex_to_time, like an unparsable hex string, sets EINVAL and returns not set.
 */
import { argText, constantText, numberArg } from '../coercion.js';
import { MAY_HAVE_NEWLINES, NO_NEWLINES } from '../newlines.js';
import { compileStrftime, mayPrintNewline, sharedStrftime, timeFromCivil, type TimeFormatter } from '../time-format.js';
import type { FunctionDef } from './define.js';

const STRFTIME_CACHE_MAX_ENTRIES = 32;
const dynamicStrftime = new Map<string, TimeFormatter>();

/** A strftime pattern computed at run time (rare): compiled once per distinct pattern. */
function strftimeFor(pattern: string): TimeFormatter {
  let f = dynamicStrftime.get(pattern);
  if (!f) {
    if (dynamicStrftime.size >= STRFTIME_CACHE_MAX_ENTRIES) dynamicStrftime.clear();
    f = compileStrftime(pattern);
    dynamicStrftime.set(pattern, f);
  }
  return f;
}

const strftime: FunctionDef = {
  params: ['STRING', 'TIME'],
  minArgs: 2,
  newlineRisk: ([fmt]) =>
    fmt.constant !== undefined && !mayPrintNewline(constantText(fmt) ?? '') ? NO_NEWLINES : MAY_HAVE_NEWLINES,
  returns: 'STRING',
  build: ([fmt, time]) => {
    const t = numberArg(time, 'TIME');
    const fixed = constantText(fmt);
    if (fixed !== undefined) {
      const formatter = sharedStrftime(fixed);
      return (ctx) => {
        const us = t(ctx);
        return us === null ? null : formatter(us);
      };
    }
    const pattern = argText(fmt);
    return (ctx) => {
      const us = t(ctx);
      return us === null ? null : strftimeFor(pattern(ctx))(ctx.brokenTime(us));
    };
  },
};

/**
 * `s` → whole seconds; `ms`/`us`/`ns` → whole seconds, a point and 3/6/9 decimals (time.units and
 * time.runits pages). A negative value is its sign then the digits of its magnitude: -1.5 s in ms
 * is `-1.500` and -1 ms in us is `-0.001000` (never the floor's `-2.500`), so the text reads as the
 * same number; at the 1 µs resolution kept here, a value of magnitude below 1 µs prints unsigned.
 * [I: Fastly's pages show no negative example; sign-and-magnitude is the only reading under which
 * the text equals the value.]
 */
function formatUnits(unit: string, us: number): string | null {
  const magnitude = Math.floor(Math.abs(us));
  const sign = us < 0 && magnitude > 0 ? '-' : '';
  const sec = Math.floor(magnitude / 1e6);
  const micros = magnitude - sec * 1e6;
  switch (unit) {
    case 's':
      return `${sign}${sec}`;
    case 'ms':
      return `${sign}${sec}.${String(Math.floor(micros / 1000)).padStart(3, '0')}`;
    case 'us':
      return `${sign}${sec}.${String(micros).padStart(6, '0')}`;
    case 'ns':
      return `${sign}${sec}.${String(micros).padStart(6, '0')}000`;
    default:
      return null;
  }
}

function units(type: 'TIME' | 'RTIME'): FunctionDef {
  return {
    params: ['STRING', type],
    minArgs: 2,
    newlineRisk: NO_NEWLINES,
    returns: 'STRING',
    build: ([unitArg, timeArg]) => {
      const unit = argText(unitArg);
      const t = numberArg(timeArg, type);
      return (ctx) => {
        const us = t(ctx);
        const out = us === null ? null : formatUnits(unit(ctx), us);
        if (out === null && us !== null) ctx.fastlyError = 'EINVAL';
        return out;
      };
    },
  };
}

/** time.add / time.sub: a TIME moved by an RTIME. */
function shift(sign: 1 | -1): FunctionDef {
  return {
    params: ['TIME', 'RTIME'],
    minArgs: 2,
    pure: true,
    returns: 'TIME',
    build: ([timeArg, deltaArg]) => {
      const t = numberArg(timeArg, 'TIME');
      const delta = numberArg(deltaArg, 'RTIME');
      return (ctx) => {
        const us = t(ctx);
        const d = delta(ctx);
        return us === null || d === null ? null : us + sign * d;
      };
    },
  };
}

const isAfter: FunctionDef = {
  params: ['TIME', 'TIME'],
  minArgs: 2,
  pure: true,
  returns: 'BOOL',
  build: ([a, b]) => {
    const t1 = numberArg(a, 'TIME');
    const t2 = numberArg(b, 'TIME');
    return (ctx) => {
      const x = t1(ctx);
      const y = t2(ctx);
      return x !== null && y !== null && x > y;
    };
  },
};

/** time.hex_to_time(divisor, hex): the hex number divided by divisor, as epoch seconds. */
const hexToTime: FunctionDef = {
  params: ['INTEGER', 'STRING'],
  minArgs: 2,
  pure: true,
  returns: 'TIME',
  build: ([divisorArg, hexArg]) => {
    const divisor = numberArg(divisorArg, 'INTEGER');
    const hex = argText(hexArg);
    return (ctx) => {
      const d = divisor(ctx) ?? 0;
      const text = hex(ctx);
      if (d === 0 || !/^(0[xX])?[0-9a-fA-F]{1,15}$/.test(text)) {
        ctx.fastlyError = 'EINVAL';
        return null;
      }
      return Math.round((parseInt(text, 16) / d) * 1e6);
    };
  },
};

/** How far `ref` is into [start, end], as a FLOAT (0 at start, 1 at end). */
const intervalElapsedRatio: FunctionDef = {
  params: ['TIME', 'TIME', 'TIME'],
  minArgs: 3,
  pure: true,
  returns: 'FLOAT',
  build: (args) => {
    const [ref, start, end] = args.map((a) => numberArg(a, 'TIME'));
    return (ctx) => {
      const r = ref(ctx);
      const s = start(ctx);
      const e = end(ctx);
      return r === null || s === null || e === null ? null : (r - s) / (e - s);
    };
  },
};

const integerToTime: FunctionDef = {
  params: ['INTEGER'],
  minArgs: 1,
  pure: true,
  returns: 'TIME',
  build: ([n]) => {
    const seconds = numberArg(n, 'INTEGER');
    return (ctx) => {
      const s = seconds(ctx);
      return s === null ? null : s * 1e6;
    };
  },
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';
const MON = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const HMS = '(\\d{2}):(\\d{2}):(\\d{2})';
/** The forms the std.time page lists, each with the order of its captures. */
const DATE_FORMS: ReadonlyArray<{ re: RegExp; order: 'dmy' | 'mdy' | 'ymd' }> = [
  { re: new RegExp(`^${DAY}, (\\d{1,2}) ${MON} (\\d{4}) ${HMS} GMT$`, 'i'), order: 'dmy' }, // RFC 1123
  { re: new RegExp(`^${DAY}, (\\d{2})-${MON}-(\\d{2}) ${HMS} GMT$`, 'i'), order: 'dmy' }, // RFC 850
  { re: new RegExp(`^${DAY} ${MON} +(\\d{1,2}) ${HMS} (\\d{4})$`, 'i'), order: 'mdy' }, // asctime
  { re: new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})[ T]${HMS}$`), order: 'ymd' }, // ISO 8601 subset
];

/**
 * std.time's parse: the RFC 1123, RFC 850 (two-digit years as 19xx from 70, else 20xx), asctime
 * and ISO 8601 forms, all GMT, or seconds since the epoch with an optional fraction; null when
 * the text is none of these.
 */
function parseTime(text: string): number | null {
  const epoch = /^(-?\d+)(\.\d+)?$/.exec(text);
  if (epoch) return Math.round(Number(text) * 1e6);
  for (const { re, order } of DATE_FORMS) {
    const m = re.exec(text);
    if (!m) continue;
    let [, a, b, c, hh, mm, ss] = m;
    if (order === 'mdy') [a, b, c, hh, mm, ss] = [m[2], m[1], m[6], m[3], m[4], m[5]];
    const day = Number(order === 'ymd' ? c : a);
    const month = order === 'ymd' ? Number(b) : MONTHS.indexOf(b.toLowerCase()) + 1;
    let year = Number(order === 'ymd' ? a : c);
    if (year < 100) year += year >= 70 ? 1900 : 2000;
    if (month < 1 || month > 12 || day < 1 || day > 31 || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) return null;
    return timeFromCivil(year, month, day, Number(hh), Number(mm), Number(ss), 0);
  }
  return null;
}

const stdTime: FunctionDef = {
  params: ['STRING', 'TIME'],
  minArgs: 2,
  pure: true,
  returns: 'TIME',
  build: ([textArg, fallbackArg]) => {
    const text = argText(textArg);
    const fallback = numberArg(fallbackArg, 'TIME');
    return (ctx) => parseTime(text(ctx).trim()) ?? fallback(ctx);
  },
};

const DELTA_UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

/**
 * parse_time_delta: leading blanks, digits, then an optional unit letter d, h, m or s (either
 * case; none means seconds) → seconds; anything after the first unit is ignored; no digits, a
 * sign or an overflow → -1.
 */
function parseTimeDelta(spec: string): number {
  const m = /^\s*\+?(\d+)([dhms]?)/i.exec(spec);
  if (!m) return -1;
  const seconds = Number(m[1]) * DELTA_UNIT_SECONDS[(m[2] || 's').toLowerCase()];
  return Number.isSafeInteger(seconds) ? seconds : -1;
}

export const TIME_FUNCTIONS: Record<string, FunctionDef> = {
  strftime,
  'time.units': units('TIME'),
  'time.runits': units('RTIME'),
  'time.add': shift(1),
  'time.sub': shift(-1),
  'time.is_after': isAfter,
  'time.hex_to_time': hexToTime,
  'time.interval_elapsed_ratio': intervalElapsedRatio,
  'std.time': stdTime,
  'std.integer2time': integerToTime,
  parse_time_delta: {
    params: ['STRING'],
    minArgs: 1,
    pure: true,
    returns: 'INTEGER',
    build: ([a]) => {
      const spec = argText(a);
      return (ctx) => parseTimeDelta(spec(ctx));
    },
  },
};
