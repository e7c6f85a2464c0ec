/**
 * Apache-style directives (reference/log-format.md §3, decisions of §11): letter → compiled part.
 *
 * Owns: what each `%X` prints, which letters take a `{…}` argument, and the errors for unknown
 * letters, misplaced modifiers and bad arguments.
 * Does not own: the format grammar (format-parser.ts) or VCL expressions (expr-compiler.ts); the
 * directives read the same variables (variables.ts) that `%{…}V` sees, so `%U` and
 * `%{req.url.path}V` cannot disagree.
 *
 * Printing rules: documented-unsupported directives print `-` (`%l %u %P %{…}e %{…}n %{…}P`,
 * and the Apache ones Fastly does not list: `%R %X %L %S %{c}a %{c}h %{…}x`, and `%^ti %^to` with
 * or without Apache's `{Name}` argument); `%k` prints `0`; `%p` prints 80 and
 * `%{canonical|local|remote}p` 80 or 443 by TLS; `%b` prints `-` for 0; an absent header or
 * cookie in `%{…}i`, `%{…}o`, `%{…}C` prints `(null)` (§11.1).
 */
import type { DirectiveNode, MappedText } from './ast.js';
import { jsonSafeType, logText, type Compiled } from './coercion.js';
import { formatClfTime, mayPrintNewline, sharedStrftime } from './time-format.js';
import { headerSlot, type RenderContext } from './render-context.js';
import { escapeNewlines, MAY_HAVE_NEWLINES, NO_NEWLINES, type NewlineRisk } from './newlines.js';
import { NOT_SET_TEXT } from './values.js';
import {
  elapsedUs,
  endUs,
  headerVariable,
  requestHeaderBytes,
  responseHeaderBytes,
  startUs,
  timePart,
} from './variables.js';
import type { RequestFacts } from '../facts/request-facts.js';

/**
 * One piece of a compiled format: fixed text; text computed per request with its newline risk
 * (newlines.ts), which tells the render loop whether the §11.6 check is needed; or NO_VALUE.
 */
export type Part = string | DynamicPart | typeof NO_VALUE;

/**
 * A `%{…}V` whose value is not set for every request: a variable Compute has no source for
 * (variables.ts). log-format.ts prints it by where it stands: `(null)` as on Fastly, but `null` as
 * a bare JSON value and nothing inside a JSON string, so that a JSON template's line stays JSON.
 */
export const NO_VALUE: unique symbol = Symbol('no value on Compute');

export interface DynamicPart {
  readonly text: (ctx: RenderContext) => string;
  readonly newlineRisk: NewlineRisk;
  /** True when the text can hold nothing a JSON string must escape, so a JSON template skips its repair. */
  readonly jsonSafe?: boolean;
  /** Set by log-format.ts on a part written inside a JSON string of a JSON template. */
  readonly repairForJsonString?: boolean;
}

export interface DirectiveCompiler {
  fail(pos: number, reason: string): never;
  /** Compiles the expression of a `%{…}V`. */
  expression(arg: MappedText): Compiled;
}

const UNSUPPORTED = '-';
// `^ti`/`^to` take Apache's `%{Name}^ti` form; like `%^ti` they are unsupported and print `-`.
const WITH_ARGUMENT = new Set<string>([
  'a', 'C', 'e', 'h', 'i', 'n', 'o', 'p', 'P', 't', 'T', 'V', 'x', '^ti', '^to',
]);
const NEEDS_ARGUMENT: Record<string, string> = {
  C: 'a cookie name, as in %{session}C',
  i: 'a request header name, as in %{User-Agent}i',
  o: 'a response header name, as in %{Content-Type}o',
  x: 'a name, as in %{NAME}x',
};
/** What a JSON string must escape or repair: `"`, `\`, control characters, surrogates (any, to be sure). */
const JSON_SPECIAL = /["\\\u0000-\u001f\ud800-\udfff]/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PORT_FORMATS = new Set(['canonical', 'local', 'remote']);

/** Digits and dates: no newline, and nothing a JSON string must escape. */
const safe = (text: (ctx: RenderContext) => string): DynamicPart => ({ text, newlineRisk: NO_NEWLINES, jsonSafe: true });
const unsafe = (text: (ctx: RenderContext) => string): DynamicPart => ({ text, newlineRisk: MAY_HAVE_NEWLINES });

/** A compiled expression as a part (constants become fixed text, newlines escaped now). */
export function expressionPart(compiled: Compiled): Part {
  if (compiled.noComputeSource) return NO_VALUE;
  const text = logText(compiled);
  if (compiled.constant) return escapeNewlines(text(undefined as never));
  return { text, newlineRisk: compiled.newlineRisk ?? MAY_HAVE_NEWLINES, jsonSafe: compiled.jsonSafe === true || jsonSafeType(compiled.type) };
}

const integerOf = (get: (f: RequestFacts) => number): DynamicPart => safe((ctx) => String(get(ctx.facts)));
const requestHeader = (lowerName: string): DynamicPart => {
  const slot = headerSlot(lowerName);
  return unsafe((ctx) => ctx.requestHeaderAt(slot) ?? NOT_SET_TEXT);
};
const responseHeader = (lowerName: string): DynamicPart => {
  const slot = headerSlot(lowerName);
  return unsafe((ctx) => ctx.responseHeaderAt(slot) ?? NOT_SET_TEXT);
};
// %a and %h are req.http.Fastly-Client-IP (§3). Fastly sets that header from client.ip when a
// request arrives without it, so RenderContext falls back to client.ip when it is absent.
const clientAddress = requestHeader('fastly-client-ip');
const host = requestHeader('host');
const urlPath = unsafe((ctx) => ctx.urlParts().path);
const serverIp = unsafe((ctx) => ctx.facts.server.ip ?? NOT_SET_TEXT);

const SIMPLE: Record<string, Part> = {
  a: clientAddress,
  h: clientAddress,
  A: serverIp,
  B: integerOf((f) => f.responseBodyBytes),
  b: safe((ctx) => (ctx.facts.responseBodyBytes ? String(ctx.facts.responseBodyBytes) : '-')),
  D: safe((ctx) => String(Math.floor(elapsedUs(ctx.facts)))),
  e: UNSUPPORTED,
  f: urlPath,
  H: unsafe((ctx) => ctx.facts.proto),
  I: integerOf((f) => requestHeaderBytes(f) + (f.requestBodyBytes ?? 0)),
  k: '0',
  l: UNSUPPORTED,
  L: UNSUPPORTED,
  m: unsafe((ctx) => ctx.facts.method),
  n: UNSUPPORTED,
  O: integerOf((f) => responseHeaderBytes(f) + f.responseBodyBytes),
  p: '80',
  P: UNSUPPORTED,
  q: unsafe((ctx) => {
    const qs = ctx.urlParts().qs;
    return qs ? `?${qs}` : '';
  }),
  r: unsafe((ctx) => `${ctx.facts.method} ${ctx.facts.url} ${ctx.facts.proto}`),
  R: UNSUPPORTED,
  s: integerOf((f) => f.status),
  S: UNSUPPORTED,
  t: safe((ctx) => formatClfTime(ctx.brokenTime(ctx.facts.timeStartUs))),
  T: safe((ctx) => String(Math.floor(elapsedUs(ctx.facts) / 1e6))),
  u: UNSUPPORTED,
  U: urlPath,
  v: host,
  V: host,
  x: UNSUPPORTED,
  X: UNSUPPORTED,
  '^ti': UNSUPPORTED,
  '^to': UNSUPPORTED,
};

const ELAPSED_UNITS: Record<string, number> = { s: 1e6, ms: 1e3, us: 1 };

export function compileDirective(node: DirectiveNode, c: DirectiveCompiler): Part {
  const { letter, arg } = node;
  const display = `%${node.modifier}${arg ? '{…}' : ''}${letter}`;
  if (!(letter in SIMPLE) && !(letter in NEEDS_ARGUMENT)) {
    c.fail(node.letterPos, `unknown directive '${display}': expected one of a A b B C D e f h H i I k l m n o O p P q r s t T u U v V, or %% for a literal %`);
  }
  if (node.modifier && letter !== 's') {
    c.fail(node.pos, `the '${node.modifier}' modifier is only supported on %s (as in %>s)`);
  }
  if (arg && !WITH_ARGUMENT.has(letter)) {
    c.fail(node.pos, `%${letter} does not take a {…} argument: expected %${letter} alone (the letters that take one are ${[...WITH_ARGUMENT].join(' ')})`);
  }
  if (!arg) {
    if (NEEDS_ARGUMENT[letter]) c.fail(node.letterPos, `%${letter} needs ${NEEDS_ARGUMENT[letter]}`);
    return SIMPLE[letter];
  }
  const text = arg.text;
  const argPos = arg.offsets[0] ?? arg.end;
  switch (letter) {
    case 'a':
    case 'h':
      if (text !== 'c') c.fail(argPos, `%{${text}}${letter}: expected %${letter} or %{c}${letter}`);
      return UNSUPPORTED;
    case 'i':
    case 'o':
    case 'C': {
      const name = text.trim();
      if (!HEADER_NAME.test(name)) c.fail(argPos, `expected ${NEEDS_ARGUMENT[letter]}, found '${text}'`);
      if (letter === 'i') return requestHeader(name.toLowerCase());
      if (letter === 'o') return responseHeader(name.toLowerCase());
      const cookie = headerVariable('request', 'Cookie', name);
      return unsafe(logText({ type: cookie.type, eval: cookie.get }));
    }
    case 'p':
      if (!PORT_FORMATS.has(text)) c.fail(argPos, `%{${text}}p: expected canonical, local or remote`);
      return safe((ctx) => (ctx.facts.isSsl ? '443' : '80'));
    case 't':
      return timeDirective(text);
    case 'T': {
      const scale = ELAPSED_UNITS[text];
      if (!scale) c.fail(argPos, `%{${text}}T: expected a unit: s, ms or us`);
      return safe((ctx) => String(Math.floor(elapsedUs(ctx.facts) / scale)));
    }
    case 'V':
      return expressionPart(c.expression(arg));
    default:
      // e, n, P, x, ^ti, ^to: Fastly does not support them and prints "-" whatever the argument.
      return UNSUPPORTED;
  }
}

/** `%{[begin:|end:]pattern}t` or `%{[begin:|end:]sec|msec|usec|msec_frac|usec_frac}t` (§4). */
function timeDirective(text: string): Part {
  let rest = text;
  let pick = startUs;
  if (rest.startsWith('begin:')) rest = rest.slice(6);
  else if (rest.startsWith('end:')) {
    rest = rest.slice(4);
    pick = endUs;
  }
  const token = timePart(rest);
  if (token) return safe((ctx) => token(pick(ctx.facts)));
  // Older Fastly examples quote the pattern: %{"%Y-%m-%dT%T%z"}t. One surrounding pair is removed.
  if (rest.length >= 2 && rest.startsWith('"') && rest.endsWith('"')) rest = rest.slice(1, -1);
  if (rest === '') return safe((ctx) => formatClfTime(ctx.brokenTime(pick(ctx.facts))));
  const formatter = sharedStrftime(rest);
  return {
    text: (ctx) => formatter(pick(ctx.facts)),
    newlineRisk: mayPrintNewline(rest) ? MAY_HAVE_NEWLINES : NO_NEWLINES,
    // The pattern's own characters are printed as they are; %n and %t print a newline and a tab.
    jsonSafe: !JSON_SPECIAL.test(rest) && !/%[nt]/.test(rest),
  };
}
