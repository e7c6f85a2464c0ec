/**
 * Query-string functions (https://www.fastly.com/documentation/reference/vcl/functions/query-string/):
 * querystring.get, .set, .add, .remove, .clean, .sort (and its alias boltsort.sort), .filter,
 * .filter_except, .filtersep, .globfilter, .globfilter_except, .regfilter, .regfilter_except.
 *
 * Owns: one model of a URL's query: everything after the first `?`, split on `&` into
 * parameters whose name runs to the first `=`. Names and values are compared and kept as
 * written (never percent-decoded: querystring.get returns the undecoded value, so `+` and `%20`
 * stay as they are). A URL that ends with no parameter left loses its `?`.
 * Decisions where the pages are silent: querystring.get skips a parameter written without `=`
 * and returns the first one with it (`/?foo&foo=bar` → `bar`, `/?foo` → not set); querystring.set
 * replaces the first parameter of that name and drops the others, or appends one; querystring.sort
 * orders by name (byte order), keeping the original order of equal names; globs take `*`, `?`
 * and `[…]`; querystring.filtersep() is the byte 0xFF, which no URL contains ([I] the separator
 * the falco simulator uses).
 */
import { argText, type Compiled } from '../coercion.js';
import { NO_NEWLINES } from '../newlines.js';
import type { RenderContext } from '../render-context.js';
import { regexArg, type CompiledRegex } from '../regex/index.js';
import { riskOf, unary, type FunctionDef } from './define.js';

/** The byte 0xFF in the engine's byte model (src/facts/byte-string.ts). */
const FILTER_SEPARATOR = '\udcff';

interface Query {
  readonly path: string;
  readonly params: string[];
}

function splitQuery(url: string): Query | null {
  const q = url.indexOf('?');
  if (q < 0) return null;
  return { path: url.slice(0, q), params: url.slice(q + 1).split('&') };
}

function nameOf(param: string): string {
  const eq = param.indexOf('=');
  return eq < 0 ? param : param.slice(0, eq);
}

function joinQuery(path: string, params: readonly string[]): string {
  return params.length === 0 ? path : `${path}?${params.join('&')}`;
}

/** Keeps the parameters whose name passes `keep`; a URL without a query is unchanged. */
function filterParams(url: string, keep: (name: string) => boolean): string {
  const query = splitQuery(url);
  if (!query) return url;
  return joinQuery(query.path, query.params.filter((p) => keep(nameOf(p))));
}

/** A glob over a parameter name as a regex: `*` any run, `?` one character, `[…]` a class. */
function globToRegex(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') source += '[^]*';
    else if (c === '?') source += '[^]';
    else if (c === '[' && glob.indexOf(']', i + 2) > 0) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      source += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A (url, STRING) → url function with the second argument read as the filter's spec. */
function filterBy(toTest: (spec: string) => (name: string) => boolean, except: boolean): FunctionDef {
  return {
    params: ['STRING', 'STRING'],
    minArgs: 2,
    pure: true,
    newlineRisk: riskOf(0),
    returns: 'STRING',
    build: (args) => {
      const url = argText(args[0]);
      const spec = argText(args[1]);
      let lastSpec: string | undefined;
      let lastTest: (name: string) => boolean = () => false;
      return (ctx: RenderContext) => {
        const s = spec(ctx);
        // Usually a literal: the test (a glob's regex, a name set) is built once per distinct spec.
        if (s !== lastSpec) {
          lastTest = toTest(s);
          lastSpec = s;
        }
        return filterParams(url(ctx), (name) => lastTest(name) === except);
      };
    },
  };
}

const namesIn = (list: string) => {
  const names = new Set(list.split(FILTER_SEPARATOR));
  return (name: string) => names.has(name);
};
const globMatch = (glob: string) => {
  const re = globToRegex(glob);
  return (name: string) => re.test(name);
};

function regexFilter(except: boolean): FunctionDef {
  return {
    params: ['STRING', 'REGEX'],
    minArgs: 2,
    pure: true,
    newlineRisk: riskOf(0),
    returns: 'STRING',
    build: (args, site) => {
      const url = argText(args[0]);
      const regex: CompiledRegex = regexArg(args, 1, site);
      return (ctx) => filterParams(url(ctx), (name) => regex.test(name) === except);
    },
  };
}

function sortQuery(url: string): string {
  const query = splitQuery(url);
  if (!query) return url;
  const sorted = query.params
    .map((param, index) => ({ param, name: nameOf(param), index }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  return joinQuery(query.path, sorted.map((p) => p.param));
}

/** A (url, name, value) → url function. */
function withParam(fn: (url: string, name: string, value: string) => string): FunctionDef {
  return {
    params: ['STRING', 'STRING', 'STRING'],
    minArgs: 3,
    pure: true,
    newlineRisk: riskOf(0, 1, 2),
    returns: 'STRING',
    build: (args: readonly Compiled[]) => {
      const [url, name, value] = args.map(argText);
      return (ctx) => fn(url(ctx), name(ctx), value(ctx));
    },
  };
}

function addParam(url: string, name: string, value: string): string {
  const query = splitQuery(url);
  const params = query ? query.params.filter((p) => p !== '') : [];
  return joinQuery(query ? query.path : url, [...params, `${name}=${value}`]);
}

function setParam(url: string, name: string, value: string): string {
  const query = splitQuery(url);
  if (!query) return addParam(url, name, value);
  const at = query.params.findIndex((p) => nameOf(p) === name);
  if (at < 0) return addParam(url, name, value);
  const params = query.params.filter((p, i) => i === at || nameOf(p) !== name);
  params[params.findIndex((p) => nameOf(p) === name)] = `${name}=${value}`;
  return joinQuery(query.path, params);
}

const get: FunctionDef = {
  params: ['STRING', 'STRING'],
  minArgs: 2,
  pure: true,
  newlineRisk: riskOf(0),
  returns: 'STRING',
  build: ([urlArg, nameArg]) => {
    const url = argText(urlArg);
    const name = argText(nameArg);
    return (ctx) => {
      const query = splitQuery(url(ctx));
      const wanted = `${name(ctx)}=`;
      const param = query?.params.find((p) => p.startsWith(wanted));
      return param === undefined ? null : param.slice(wanted.length);
    };
  },
};

export const QUERYSTRING_FUNCTIONS: Record<string, FunctionDef> = {
  'querystring.get': get,
  'querystring.set': withParam(setParam),
  'querystring.add': withParam(addParam),
  'querystring.remove': unary((url) => splitQuery(url)?.path ?? url),
  'querystring.clean': unary((url) => filterParams(url, (name) => name !== '')),
  'querystring.sort': unary(sortQuery),
  'boltsort.sort': unary(sortQuery),
  'querystring.filter': filterBy(namesIn, false),
  'querystring.filter_except': filterBy(namesIn, true),
  'querystring.globfilter': filterBy(globMatch, false),
  'querystring.globfilter_except': filterBy(globMatch, true),
  'querystring.regfilter': regexFilter(false),
  'querystring.regfilter_except': regexFilter(true),
  'querystring.filtersep': { params: [], minArgs: 0, pure: true, newlineRisk: NO_NEWLINES, returns: 'STRING', build: () => () => FILTER_SEPARATOR },
};
