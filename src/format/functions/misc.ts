/**
 * Miscellaneous and header functions
 * (https://www.fastly.com/documentation/reference/vcl/functions/miscellaneous/, headers/): if,
 * subfield, std.count, header.get, setcookie.get_value_by_name, http_status_matches.
 *
 * Owns: their semantics over the request's facts. `bereq`, `beresp` and `obj` are not readable
 * where a log line renders on Compute (README, variables.ts), so header.get, std.count and
 * setcookie.get_value_by_name on them are not set, like `bereq.http.*`.
 * Decisions where the pages are silent: std.count(req.headers) counts header fields as they
 * arrived (a repeated name counts once per field); subfield takes the first matching key, as
 * the `req.http.X:key` form does (render-context.ts); a separator that is not one character is
 * an error where the format compiles, when it is a literal, and EINVAL otherwise.
 */
import { argText, constantText, numberArg, truthiness } from '../coercion.js';
import type { RenderContext } from '../render-context.js';
import { identifierArg, riskOf, type FunctionDef } from './define.js';

const ifFunction: FunctionDef = {
  params: ['BOOL', 'STRING', 'STRING'],
  minArgs: 3,
  pure: true,
  newlineRisk: riskOf(1, 2),
  returns: 'STRING',
  build: (args) => {
    const cond = truthiness(args[0]);
    const a = argText(args[1]);
    const b = argText(args[2]);
    if (args[0].constant) return cond(undefined as never) ? a : b;
    const fixedA = constantText(args[1]);
    const fixedB = constantText(args[2]);
    // The common if(cond, "true", "false") form: no call for the branches.
    if (fixedA !== undefined && fixedB !== undefined) return (ctx) => (cond(ctx) ? fixedA : fixedB);
    return (ctx) => (cond(ctx) ? a(ctx) : b(ctx));
  },
};

/** The value of `key=value` in a list split by `separator` (bare key → "", absent → not set). */
function subfieldOf(subject: string, key: string, separator: string): string | null {
  for (const raw of subject.split(separator)) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    if ((eq < 0 ? item : item.slice(0, eq).trim()) !== key) continue;
    if (eq < 0) return '';
    const value = item.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return null;
}

const subfield: FunctionDef = {
  params: ['STRING', 'STRING', 'STRING'],
  minArgs: 2,
  pure: true,
  newlineRisk: riskOf(0),
  returns: 'STRING',
  build: (args, site) => {
    const subject = argText(args[0]);
    const key = argText(args[1]);
    const fixed = args[2] ? constantText(args[2]) : ',';
    if (fixed !== undefined && [...fixed].length !== 1) {
      site.fail(site.node.args[2].pos, `subfield: argument 3 must be one separator character, found ${JSON.stringify(fixed)}`);
    }
    const separator = args[2] ? argText(args[2]) : () => ',';
    return (ctx) => {
      const sep = separator(ctx);
      if ([...sep].length !== 1) {
        ctx.fastlyError = 'EINVAL';
        return null;
      }
      return subfieldOf(subject(ctx), key(ctx), sep);
    };
  },
};

const HEADER_HOLDERS = ['req', 'resp', 'bereq', 'beresp', 'obj'] as const;

const headerGet: FunctionDef = {
  params: ['ID', 'STRING'],
  minArgs: 2,
  returns: 'STRING',
  build: (args, site) => {
    const where = identifierArg(site, 0, HEADER_HOLDERS);
    const name = argText(args[1]);
    if (where === 'req') return (ctx) => ctx.requestHeader(name(ctx));
    if (where === 'resp') return (ctx) => ctx.responseHeader(name(ctx));
    return () => null;
  },
};

const COLLECTIONS = HEADER_HOLDERS.map((h) => `${h}.headers`);

const count: FunctionDef = {
  params: ['ID'],
  minArgs: 1,
  returns: 'INTEGER',
  build: (_, site) => {
    const collection = identifierArg(site, 0, COLLECTIONS);
    if (collection === 'req.headers') return (ctx) => ctx.facts.requestHeaders.length;
    if (collection === 'resp.headers') return (ctx) => ctx.facts.responseHeaders.length;
    return () => null;
  },
};

/** The value of the last `Set-Cookie` of the response that sets cookie `name`. */
function setCookieValue(ctx: RenderContext, name: string): string | null {
  let found: string | null = null;
  for (const [header, value] of ctx.facts.responseHeaders) {
    if (header.toLowerCase() !== 'set-cookie') continue;
    const pair = value.split(';', 1)[0];
    const eq = pair.indexOf('=');
    if (eq >= 0 && pair.slice(0, eq).trim() === name) found = pair.slice(eq + 1).trim();
  }
  return found;
}

const setCookieGetValue: FunctionDef = {
  params: ['ID', 'STRING'],
  minArgs: 2,
  returns: 'STRING',
  build: (args, site) => {
    const where = identifierArg(site, 0, ['resp', 'beresp']);
    const name = argText(args[1]);
    if (where === 'beresp') return () => null;
    return (ctx) => setCookieValue(ctx, name(ctx));
  },
};

/** http_status_matches(status, "200,304") — a leading `!` inverts the list. */
const httpStatusMatches: FunctionDef = {
  params: ['INTEGER', 'STRING'],
  minArgs: 2,
  pure: true,
  returns: 'BOOL',
  build: ([statusArg, listArg]) => {
    const status = numberArg(statusArg, 'INTEGER');
    const list = argText(listArg);
    return (ctx) => {
      const text = list(ctx);
      const inverse = text.startsWith('!');
      const codes = (inverse ? text.slice(1) : text).split(',').map((c) => c.trim());
      return codes.includes(String(status(ctx))) !== inverse;
    };
  },
};

export const MISC_FUNCTIONS: Record<string, FunctionDef> = {
  if: ifFunction,
  subfield,
  'std.count': count,
  'header.get': headerGet,
  'setcookie.get_value_by_name': setCookieGetValue,
  http_status_matches: httpStatusMatches,
};
