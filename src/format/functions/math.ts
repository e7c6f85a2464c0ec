/**
 * math.* functions: rounding, exponentials and logarithms, trigonometry, and the floating-point
 * classifications (https://www.fastly.com/documentation/reference/vcl/functions/math-rounding/,
 * math-logexp/, math-trig/, floating-point-classifications/).
 *
 * Owns: their FLOAT results and `fastly.error`, which follows C99/POSIX math as the pages and the
 * fastly.error reference describe it: EDOM for an argument outside the function's domain
 * (math.log(-1), math.sqrt(-1), math.acos(2)), ERANGE for a pole or an overflow (math.log(0),
 * math.exp(1000)). A NaN argument gives NaN without an error. An INTEGER argument is widened.
 * Does not own: how a FLOAT prints (values.ts: 3 decimals, `NaN`, `inf`).
 */
import { numberArg } from '../coercion.js';
import type { FunctionDef } from './define.js';

type Domain = (x: number) => 'EDOM' | 'ERANGE' | null;

const ANY: Domain = () => null;
const POSITIVE: Domain = (x) => (x < 0 ? 'EDOM' : x === 0 ? 'ERANGE' : null);
const NON_NEGATIVE: Domain = (x) => (x < 0 ? 'EDOM' : null);
const UNIT: Domain = (x) => (Math.abs(x) > 1 ? 'EDOM' : null);
const AT_LEAST_ONE: Domain = (x) => (x < 1 ? 'EDOM' : null);
const OPEN_UNIT: Domain = (x) => (Math.abs(x) > 1 ? 'EDOM' : Math.abs(x) === 1 ? 'ERANGE' : null);
const FINITE: Domain = (x) => (!Number.isFinite(x) ? 'EDOM' : null);

/** A FLOAT → FLOAT function; an error from the domain, or an overflow to ±inf, is recorded. */
function unaryFloat(fn: (x: number) => number, domain: Domain = ANY): FunctionDef {
  return {
    params: ['FLOAT'],
    minArgs: 1,
    pure: true,
    returns: 'FLOAT',
    build: ([a]) => {
      const x = numberArg(a, 'FLOAT');
      return (ctx) => {
        const v = x(ctx);
        if (v === null) return null;
        if (Number.isNaN(v)) return NaN;
        const error = domain(v);
        const out = fn(v);
        if (error) ctx.fastlyError = error;
        else if (!Number.isFinite(out) && Number.isFinite(v)) ctx.fastlyError = 'ERANGE';
        return out;
      };
    },
  };
}

function classify(test: (x: number) => boolean): FunctionDef {
  return {
    params: ['FLOAT'],
    minArgs: 1,
    pure: true,
    returns: 'BOOL',
    build: ([a]) => {
      const x = numberArg(a, 'FLOAT');
      return (ctx) => {
        const v = x(ctx);
        return v !== null && test(v);
      };
    },
  };
}

/** Smallest positive normal double (DBL_MIN). */
const DBL_MIN = 2.2250738585072014e-308;

/** Rounding to the nearest integer with the given rule for exact halves. */
function roundHalf(tie: (x: number) => number): (x: number) => number {
  return (x) => {
    if (!Number.isFinite(x)) return x;
    const floor = Math.floor(x);
    const diff = x - floor;
    if (diff < 0.5) return floor;
    if (diff > 0.5) return floor + 1;
    return tie(x);
  };
}

const roundAwayFromZero = roundHalf((x) => (x < 0 ? Math.floor(x) : Math.ceil(x)));
const roundEven = roundHalf((x) => {
  const floor = Math.floor(x);
  return floor % 2 === 0 ? floor : floor + 1;
});

const atan2: FunctionDef = {
  params: ['FLOAT', 'FLOAT'],
  minArgs: 2,
  pure: true,
  returns: 'FLOAT',
  build: ([ya, xa]) => {
    const y = numberArg(ya, 'FLOAT');
    const x = numberArg(xa, 'FLOAT');
    return (ctx) => {
      const a = y(ctx);
      const b = x(ctx);
      return a === null || b === null ? null : Math.atan2(a, b);
    };
  },
};

export const MATH_FUNCTIONS: Record<string, FunctionDef> = {
  'math.ceil': unaryFloat(Math.ceil),
  'math.floor': unaryFloat(Math.floor),
  'math.trunc': unaryFloat(Math.trunc),
  'math.round': unaryFloat(roundAwayFromZero),
  'math.roundeven': unaryFloat(roundEven),
  'math.roundhalfup': unaryFloat(roundHalf((x) => Math.ceil(x))),
  'math.roundhalfdown': unaryFloat(roundHalf((x) => Math.floor(x))),
  'math.exp': unaryFloat(Math.exp),
  'math.exp2': unaryFloat((x) => 2 ** x),
  'math.log': unaryFloat(Math.log, POSITIVE),
  'math.log2': unaryFloat(Math.log2, POSITIVE),
  'math.log10': unaryFloat(Math.log10, POSITIVE),
  'math.sqrt': unaryFloat(Math.sqrt, NON_NEGATIVE),
  'math.sin': unaryFloat(Math.sin, FINITE),
  'math.cos': unaryFloat(Math.cos, FINITE),
  'math.tan': unaryFloat(Math.tan, FINITE),
  'math.asin': unaryFloat(Math.asin, UNIT),
  'math.acos': unaryFloat(Math.acos, UNIT),
  'math.atan': unaryFloat(Math.atan),
  'math.atan2': atan2,
  'math.sinh': unaryFloat(Math.sinh),
  'math.cosh': unaryFloat(Math.cosh),
  'math.tanh': unaryFloat(Math.tanh),
  'math.asinh': unaryFloat(Math.asinh),
  'math.acosh': unaryFloat(Math.acosh, AT_LEAST_ONE),
  'math.atanh': unaryFloat(Math.atanh, OPEN_UNIT),
  'math.is_finite': classify(Number.isFinite),
  'math.is_infinite': classify((x) => x === Infinity || x === -Infinity),
  'math.is_nan': classify(Number.isNaN),
  'math.is_normal': classify((x) => Number.isFinite(x) && Math.abs(x) >= DBL_MIN),
  'math.is_subnormal': classify((x) => x !== 0 && Math.abs(x) < DBL_MIN),
};
