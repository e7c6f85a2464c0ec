/**
 * Randomness functions (https://www.fastly.com/documentation/reference/vcl/functions/randomness/):
 * randomstr, randombool, randomint and the _seeded forms.
 *
 * Owns: turning random bytes into the values they promise. The bytes come from the render's
 * input (`ctx.randomBytes`, RenderOptions; crypto.getRandomValues by default), never from a
 * generator called in place, so a test can fix them.
 * The _seeded forms are deterministic per seed, as the pages promise, from SplitMix64 over the
 * seed: the same seed gives the same value on every line and instance here, but not Fastly's
 * value, whose generator is not published.
 * Decisions where the pages are silent: randomint with from > to, and randomstr with an empty
 * character set, set EINVAL and are not set; randomstr's default characters are
 * `a-z A-Z 0-9 - _`; randombool with numerator ≤ 0 is false, with denominator ≤ 0 true.
 */
import { argText, numberArg, type Compiled } from '../coercion.js';
import { NO_NEWLINES } from '../newlines.js';
import type { RenderContext } from '../render-context.js';
import { riskOf, type FunctionDef } from './define.js';

/** A uniform number in [0, 1) with 53 random bits: 48 from six bytes, 5 from a seventh (exact in a double). */
function unitFrom(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + bytes[i];
  return (n * 32 + (bytes[6] >> 3)) / 2 ** 53;
}

/** SplitMix64's first output for `seed`, as a number in [0, 1) (https://prng.di.unimi.it/splitmix64.c). */
function seededUnit(seed: number): number {
  const mask = (1n << 64n) - 1n;
  let z = (BigInt.asUintN(64, BigInt(Math.trunc(seed))) + 0x9e3779b97f4a7c15n) & mask;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
  z ^= z >> 31n;
  return Number(z >> 11n) / 2 ** 53;
}

/** Where a function's uniform number comes from: the render's bytes, or the seed argument. */
function uniformSource(seedArg: Compiled | undefined): (ctx: RenderContext) => number {
  if (!seedArg) return (ctx) => unitFrom(ctx.randomBytes(7));
  const seed = numberArg(seedArg, 'INTEGER');
  return (ctx) => seededUnit(seed(ctx) ?? 0);
}

function randomBool(seeded: boolean): FunctionDef {
  return {
    params: seeded ? ['INTEGER', 'INTEGER', 'INTEGER'] : ['INTEGER', 'INTEGER'],
    minArgs: seeded ? 3 : 2,
    pure: seeded,
    returns: 'BOOL',
    build: (args) => {
      const numerator = numberArg(args[0], 'INTEGER');
      const denominator = numberArg(args[1], 'INTEGER');
      const uniform = uniformSource(args[2]);
      return (ctx) => {
        const num = numerator(ctx) ?? 0;
        const den = denominator(ctx) ?? 0;
        if (num <= 0) return false;
        if (den <= 0) return true;
        return Math.floor(uniform(ctx) * den) < num;
      };
    },
  };
}

function randomInt(seeded: boolean): FunctionDef {
  return {
    params: seeded ? ['INTEGER', 'INTEGER', 'INTEGER'] : ['INTEGER', 'INTEGER'],
    minArgs: seeded ? 3 : 2,
    pure: seeded,
    returns: 'INTEGER',
    build: (args) => {
      const fromArg = numberArg(args[0], 'INTEGER');
      const toArg = numberArg(args[1], 'INTEGER');
      const uniform = uniformSource(args[2]);
      return (ctx) => {
        const from = fromArg(ctx) ?? 0;
        const to = toArg(ctx) ?? 0;
        if (from > to) {
          ctx.fastlyError = 'EINVAL';
          return null;
        }
        return from + Math.floor(uniform(ctx) * (to - from + 1));
      };
    },
  };
}

const DEFAULT_CHARACTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

const randomStr: FunctionDef = {
  params: ['INTEGER', 'STRING'],
  minArgs: 1,
  newlineRisk: (args) => (args[1] ? riskOf(1)(args) : NO_NEWLINES),
  returns: 'STRING',
  build: (args) => {
    const length = numberArg(args[0], 'INTEGER');
    const characters = args[1] ? argText(args[1]) : () => DEFAULT_CHARACTERS;
    return (ctx) => {
      const chars = Array.from(characters(ctx));
      if (chars.length === 0) {
        ctx.fastlyError = 'EINVAL';
        return null;
      }
      // Past the bound the render stops anyway: draw no more than it can use.
      const n = Math.min(Math.max(0, length(ctx) ?? 0), ctx.maxChars + 1);
      const bytes = ctx.randomBytes(4 * n);
      let out = '';
      for (let i = 0; i < n; i++) {
        const r = ((bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3]) >>> 0;
        out += chars[Math.floor((r / 2 ** 32) * chars.length)];
      }
      return ctx.bound(out);
    };
  },
};

export const RANDOM_FUNCTIONS: Record<string, FunctionDef> = {
  randombool: randomBool(false),
  randombool_seeded: randomBool(true),
  randomint: randomInt(false),
  randomint_seeded: randomInt(true),
  randomstr: randomStr,
};
