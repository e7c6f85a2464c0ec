/**
 * The std.* string functions that search, replace and build: std.prefixof, std.suffixof,
 * std.strstr, std.strcasecmp, std.replace, std.replaceall, std.replace_prefix,
 * std.replace_suffix, std.strrev, std.strpad, std.strrep, std.basename, std.dirname
 * (https://www.fastly.com/documentation/reference/vcl/functions/strings/).
 *
 * Owns: their semantics over VCL byte strings (src/facts/byte-string.ts), and the length bound
 * for the ones whose output can outgrow their input many times over (std.replaceall,
 * std.strpad, std.strrep): they stop building past `ctx.maxChars`.
 * Decisions where the pages are silent: an empty target leaves the string unchanged in
 * std.replace and std.replaceall, as the pages say it does in std.replace_prefix/_suffix; an
 * empty string is no suffix, as the std.prefixof page says it is no prefix; std.strcasecmp
 * folds ASCII letters only (C locale), like std.tolower.
 */
import { decodeBytes } from '../../facts/byte-string.js';
import { argText, numberArg, type Compiled } from '../coercion.js';
import type { RenderContext } from '../render-context.js';
import { asciiLower, utf8Bytes } from '../text-escapes.js';
import { riskOf, type FunctionDef } from './define.js';

/** A pure function of its STRING arguments. */
function strings(
  arity: number,
  returns: 'STRING' | 'BOOL',
  fn: (ctx: RenderContext, ...texts: string[]) => string | boolean | null,
  keeps: number[] = [],
): FunctionDef {
  return {
    params: Array<'STRING'>(arity).fill('STRING'),
    minArgs: arity,
    pure: true,
    newlineRisk: riskOf(...keeps),
    returns,
    build: (args: readonly Compiled[]) => {
      const texts = args.map(argText);
      if (arity === 1) return (ctx) => fn(ctx, texts[0](ctx));
      if (arity === 2) return (ctx) => fn(ctx, texts[0](ctx), texts[1](ctx));
      return (ctx) => fn(ctx, texts[0](ctx), texts[1](ctx), texts[2](ctx));
    },
  };
}

/**
 * Pads `items` (bytes or code points) with `pad` repeated, to |width| items: on the left for a
 * positive width, on the right for a negative one; nothing when the pad is empty or the items
 * already fill the width. The width is capped at what the length bound can ever need, so a
 * width of INTEGER_MAX builds at most that much before `ctx.bound` stops the render.
 */
export function padTo<T>(ctx: RenderContext, items: readonly T[], width: number, pad: readonly T[], itemsPerChar = 1): T[] {
  const target = Math.min(Math.abs(width), itemsPerChar * (ctx.maxChars + 1));
  if (pad.length === 0 || target <= items.length) return [...items];
  const padding: T[] = [];
  for (let i = 0; padding.length < target - items.length; i++) padding.push(pad[i % pad.length]);
  return width < 0 ? [...items, ...padding] : [...padding, ...items];
}

/**
 * std.strpad: widths are in bytes, so a multi-byte pad can be cut mid-character, as Fastly's
 * page says (the cut bytes follow the byte model). Three bytes per UTF-16 unit at most: a
 * capped width always decodes to more than maxChars units, which the bound then stops.
 */
const strpad: FunctionDef = {
  params: ['STRING', 'INTEGER', 'STRING'],
  minArgs: 3,
  pure: true,
  newlineRisk: riskOf(0, 2),
  returns: 'STRING',
  build: (args) => {
    const s = argText(args[0]);
    const width = numberArg(args[1], 'INTEGER');
    const pad = argText(args[2]);
    return (ctx) => {
      const bytes = padTo(ctx, Array.from(utf8Bytes(s(ctx))), width(ctx) ?? 0, Array.from(utf8Bytes(pad(ctx))), 3);
      return ctx.bound(decodeBytes(bytes));
    };
  },
};

/** std.strrep: `s` n times (n < 0 is 0), never building more than the bound allows. */
const strrep: FunctionDef = {
  params: ['STRING', 'INTEGER'],
  minArgs: 2,
  pure: true,
  newlineRisk: riskOf(0),
  returns: 'STRING',
  build: (args) => {
    const s = argText(args[0]);
    const count = numberArg(args[1], 'INTEGER');
    return (ctx) => {
      const text = s(ctx);
      const n = Math.max(0, count(ctx) ?? 0);
      if (text.length === 0 || n === 0) return '';
      const fits = Math.floor(ctx.maxChars / text.length) + 1;
      return ctx.bound(text.repeat(Math.min(n, fits)));
    };
  },
};

/** Every occurrence of `target` replaced, left to right, stopping past the bound. */
function replaceAll(ctx: RenderContext, s: string, target: string, replacement: string): string {
  if (target === '') return s;
  let out = '';
  let from = 0;
  for (let at = s.indexOf(target); at >= 0; at = s.indexOf(target, from)) {
    out += s.slice(from, at) + replacement;
    from = at + target.length;
    if (out.length > ctx.maxChars) return ctx.bound(out);
  }
  return out + s.slice(from);
}

/** std.strrev reverses bytes and refuses multi-byte UTF-8 (EUTF8), as its page says. */
function reverseBytes(ctx: RenderContext, s: string): string | null {
  // U+0080 and above, except the lone surrogates that stand for single invalid bytes.
  if (/[\u0080-\udc7f\udd00-\uffff]/.test(s)) {
    ctx.fastlyError = 'EUTF8';
    return null;
  }
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}

/** POSIX basename: the last component, trailing slashes ignored; "" → ".", only slashes → "/". */
function basename(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** POSIX dirname: all but the last component; "" or no slash → ".", only slashes → "/". */
function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path === '' ? '.' : '/';
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return '.';
  return trimmed.slice(0, slash).replace(/\/+$/, '') || '/';
}

export const STD_STRING_FUNCTIONS: Record<string, FunctionDef> = {
  'std.prefixof': strings(2, 'BOOL', (_, s, prefix) => prefix !== '' && s.startsWith(prefix)),
  'std.suffixof': strings(2, 'BOOL', (_, s, suffix) => suffix !== '' && s.endsWith(suffix)),
  'std.strcasecmp': strings(2, 'BOOL', (_, a, b) => asciiLower(a) === asciiLower(b)),
  'std.strstr': strings(2, 'STRING', (_, haystack, needle) => {
    const at = haystack.indexOf(needle);
    return at < 0 ? null : haystack.slice(at);
  }, [0]),
  'std.replace': strings(3, 'STRING', (_, s, target, replacement) => (target === '' ? s : s.replace(target, () => replacement)), [0, 2]),
  'std.replaceall': strings(3, 'STRING', replaceAll, [0, 2]),
  'std.replace_prefix': strings(3, 'STRING', (_, s, target, replacement) =>
    target !== '' && s.startsWith(target) ? replacement + s.slice(target.length) : s, [0, 2]),
  'std.replace_suffix': strings(3, 'STRING', (_, s, target, replacement) =>
    target !== '' && s.endsWith(target) ? s.slice(0, s.length - target.length) + replacement : s, [0, 2]),
  'std.strrev': strings(1, 'STRING', reverseBytes, [0]),
  'std.strpad': strpad,
  'std.strrep': strrep,
  'std.basename': strings(1, 'STRING', (_, s) => basename(s), [0]),
  'std.dirname': strings(1, 'STRING', (_, s) => dirname(s), [0]),
};
