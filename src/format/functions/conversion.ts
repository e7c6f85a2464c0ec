/**
 * Conversions between strings, numbers and addresses: std.itoa, std.itoa_charset, std.atoi,
 * std.atof, std.strtol, std.strtof, std.str2ip, std.ip, std.anystr2ip, std.ip2str
 * (https://www.fastly.com/documentation/reference/vcl/functions/strings/).
 *
 * Owns: the C-like number parsing these share (leading blanks, a sign, digits of the base, the
 * rest ignored) and their `fastly.error` codes: EINVAL for a bad std.itoa base, EPARSENUM for a
 * std.strtol/strtof text without digits, ERANGE for a bad std.strtol base or an int64 overflow.
 * Does not own: address syntax (ip.ts) or how numbers print (values.ts).
 *
 * INTEGER values are doubles here (values.ts), exact up to 2^53; beyond that std.itoa and
 * std.itoa_charset print the digits of the double, which may differ from int64's last digits.
 */
import { argText, numberArg } from '../coercion.js';
import { formatIp, parseIp, parseLooseIp, type IpBytes } from '../ip.js';
import { NO_NEWLINES } from '../newlines.js';
import { formatInteger } from '../values.js';
import { ofOneString, type FunctionDef } from './define.js';

const itoa: FunctionDef = {
  params: ['INTEGER', 'INTEGER'],
  minArgs: 1,
  pure: true,
  newlineRisk: NO_NEWLINES,
  returns: 'STRING',
  build: (args) => {
    const n = numberArg(args[0], 'INTEGER');
    const base = args[1] ? numberArg(args[1], 'INTEGER') : () => 10;
    return (ctx) => {
      const b = base(ctx) ?? 10;
      if (b < 2 || b > 36) {
        ctx.fastlyError = 'EINVAL';
        return null;
      }
      return formatInteger(n(ctx) ?? 0, b);
    };
  },
};

/** std.itoa_charset: the value's digits in base charset.length, each digit a character of it. */
const itoaCharset: FunctionDef = {
  params: ['INTEGER', 'STRING'],
  minArgs: 2,
  pure: true,
  returns: 'STRING',
  build: ([valueArg, charsetArg]) => {
    const value = numberArg(valueArg, 'INTEGER');
    const charset = argText(charsetArg);
    return (ctx) => {
      const digits = Array.from(charset(ctx));
      const v = Math.trunc(value(ctx) ?? 0);
      if (digits.length < 2) {
        ctx.fastlyError = 'EINVAL';
        return null;
      }
      const base = BigInt(digits.length);
      let rest = BigInt(Math.abs(v));
      let out = '';
      do {
        out = digits[Number(rest % base)] + out;
        rest /= base;
      } while (rest > 0n);
      return v < 0 ? `-${out}` : out;
    };
  },
};

interface ParsedInteger {
  value: number;
  digits: boolean;
  overflow: boolean;
}

/**
 * C strtol over text: blanks, a sign, then digits of `base` (0: `0x` → 16, `0` → 8, else 10; a
 * `0x` prefix is also allowed with base 16); parsing stops at the first other character.
 */
function parseInteger(text: string, base: number): ParsedInteger {
  let i = 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-';
  const hexPrefix = /^0[xX][0-9a-fA-F]/.test(text.slice(i));
  if ((base === 0 || base === 16) && hexPrefix) {
    base = 16;
    i += 2;
  } else if (base === 0) {
    base = text[i] === '0' ? 8 : 10;
  }
  let value = 0n;
  let digits = false;
  for (; i < text.length; i++) {
    const d = parseInt(text[i], 36);
    if (Number.isNaN(d) || d >= base) break;
    value = value * BigInt(base) + BigInt(d);
    digits = true;
  }
  const limit = negative ? 2n ** 63n : 2n ** 63n - 1n;
  const overflow = value > limit;
  const clamped = overflow ? limit : value;
  return { value: Number(negative ? -clamped : clamped), digits, overflow };
}

/** std.atoi: base 10, saturating, 0 when there are no digits. */
const atoi = ofOneString('INTEGER', (text) => parseInteger(text, 10).value);

const strtol: FunctionDef = {
  params: ['STRING', 'INTEGER'],
  minArgs: 2,
  pure: true,
  returns: 'INTEGER',
  build: ([textArg, baseArg]) => {
    const s = argText(textArg);
    const base = numberArg(baseArg, 'INTEGER');
    return (ctx) => {
      const b = base(ctx) ?? 10;
      if (b !== 0 && (b < 2 || b > 36)) {
        ctx.fastlyError = 'ERANGE';
        return 0;
      }
      const parsed = parseInteger(s(ctx), b);
      if (!parsed.digits) ctx.fastlyError = 'EPARSENUM';
      else if (parsed.overflow) ctx.fastlyError = 'ERANGE';
      return parsed.value;
    };
  },
};

const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)([pP][+-]?\d+)?/;

/**
 * C strtod over text: blanks, then a decimal float (or, with base 0 or 16, a `0x` hex float with
 * an optional binary exponent `p…`); null when no number starts the text.
 */
function parseFloatText(text: string, base: 0 | 10 | 16 = 10): number | null {
  const t = text.replace(/^\s+/, '');
  const hex = base !== 10 ? HEX_FLOAT.exec(t) : null;
  if (hex && (hex[2] || hex[3])) {
    const mantissa = parseInt(hex[2] || '0', 16) + (hex[3] ? parseInt(hex[3], 16) / 16 ** hex[3].length : 0);
    const exponent = hex[4] ? Number(hex[4].slice(1)) : 0;
    return (hex[1] === '-' ? -1 : 1) * mantissa * 2 ** exponent;
  }
  const m = DECIMAL_FLOAT.exec(t);
  return m ? Number(m[0]) : null;
}

const atof = ofOneString('FLOAT', (text) => parseFloatText(text) ?? 0);

const strtof: FunctionDef = {
  params: ['STRING', 'INTEGER'],
  minArgs: 2,
  pure: true,
  returns: 'FLOAT',
  build: ([textArg, baseArg]) => {
    const s = argText(textArg);
    const base = numberArg(baseArg, 'INTEGER');
    return (ctx) => {
      const b = base(ctx) ?? 10;
      if (b !== 0 && b !== 10 && b !== 16) {
        ctx.fastlyError = 'ERANGE';
        return 0;
      }
      const value = parseFloatText(s(ctx), b);
      if (value === null) ctx.fastlyError = 'EPARSENUM';
      return value ?? 0;
    };
  },
};

/** std.str2ip / std.anystr2ip: the address, else the fallback, else not set. */
function toIp(parse: (text: string) => IpBytes | null): FunctionDef {
  return {
    params: ['STRING', 'STRING'],
    minArgs: 2,
    pure: true,
    returns: 'IP',
    build: ([addrArg, fallbackArg]) => {
      const addr = argText(addrArg);
      const fallback = argText(fallbackArg);
      return (ctx) => {
        const bytes = parse(addr(ctx).trim()) ?? parse(fallback(ctx).trim());
        return bytes && formatIp(bytes);
      };
    },
  };
}

const ip2str: FunctionDef = {
  params: ['IP'],
  minArgs: 1,
  pure: true,
  newlineRisk: NO_NEWLINES,
  returns: 'STRING',
  build: ([a]) => {
    const text = argText(a);
    return (ctx) => {
      const bytes = parseIp(text(ctx));
      return bytes && formatIp(bytes);
    };
  },
};

export const CONVERSION_FUNCTIONS: Record<string, FunctionDef> = {
  'std.itoa': itoa,
  'std.itoa_charset': itoaCharset,
  'std.atoi': atoi,
  'std.atof': atof,
  'std.strtol': strtol,
  'std.strtof': strtof,
  'std.str2ip': toIp(parseIp),
  'std.ip': toIp(parseIp),
  'std.anystr2ip': toIp(parseLooseIp),
  'std.ip2str': ip2str,
};
