/**
 * Table functions (https://www.fastly.com/documentation/reference/vcl/functions/table/):
 * table.lookup, table.contains and the typed table.lookup_bool, _integer, _float, _ip, _rtime,
 * over Config Stores (tables.ts says how a table maps to a store and what a lookup costs).
 *
 * Owns: the table-name check when the format compiles (a Config Store name: a letter, then
 * letters, digits and `_`; not this logger's own `kinesis_logger`), and how a stored text becomes
 * a typed value: BOOL `true`/`false`, INTEGER and FLOAT as VCL literals (decimal or `0x` hex,
 * an optional sign), RTIME as a VCL RTIME literal (`10s`, `1.5m`, `250ms`), IP in its standard
 * form. A key that is absent, a table that cannot be read (no such store linked, or this
 * execution's lookups spent), or a text that does not parse as the type gives the default; without
 * a default, table.lookup is not set.
 * Not here: table.lookup_acl, _backend and _regex: ACLs and backends are not values a log line can
 * hold, and a regex read while rendering could not be checked when the format compiles.
 */
import { argText, numberArg, truthiness, type Compiled } from '../coercion.js';
import { formatIp, parseIp } from '../ip.js';
import type { RenderContext } from '../render-context.js';
import type { Value, VclType } from '../values.js';
import { identifierArg, type CallSite, type FunctionDef, type ParamKind } from './define.js';

const STORE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,254}$/;
/** The logger's own settings store (config/schema.ts CONFIG_STORE_NAME) is not a log table. */
const RESERVED_TABLES = ['kinesis_logger'];

function tableName(site: CallSite): string {
  const name = identifierArg(site, 0);
  const pos = site.node.args[0].pos;
  if (!STORE_NAME.test(name)) {
    site.fail(pos, `${site.node.name}: table ${name || '(an expression)'} must be named like a Config Store: a letter, then letters, digits or _`);
  }
  if (RESERVED_TABLES.includes(name)) site.fail(pos, `${site.node.name}: ${name} is this logger's configuration, not a table`);
  return name;
}

const RTIME_UNIT_US: Record<string, number> = { ms: 1e3, s: 1e6, m: 6e7, h: 3.6e9, d: 8.64e10, y: 3.1536e13 };

/** Stored text → a value of `type`, or undefined when it does not parse as one. */
function parseStored(type: VclType, text: string): Value | undefined {
  const t = text.trim();
  switch (type) {
    case 'BOOL':
      return t === 'true' ? true : t === 'false' ? false : undefined;
    case 'INTEGER': {
      const m = /^([+-]?)(0[xX][0-9a-fA-F]+|\d+)$/.exec(t);
      return m ? (m[1] === '-' ? -1 : 1) * Number(m[2]) : undefined;
    }
    case 'FLOAT':
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
    case 'RTIME': {
      const m = /^([+-]?\d+(?:\.\d+)?)(ms|s|m|h|d|y)$/.exec(t);
      return m ? Math.round(Number(m[1]) * RTIME_UNIT_US[m[2]]) : undefined;
    }
    case 'IP': {
      const bytes = parseIp(t);
      return bytes ? formatIp(bytes) : undefined;
    }
    default:
      return text;
  }
}

/** The default argument's evaluator, by kind (absent: not set). */
function defaultOf(arg: Compiled | undefined, kind: ParamKind): (ctx: RenderContext) => Value {
  if (!arg) return () => null;
  if (kind === 'BOOL') return truthiness(arg);
  if (kind === 'INTEGER' || kind === 'FLOAT' || kind === 'RTIME') return numberArg(arg, kind);
  return argText(arg);
}

function typedLookup(returns: VclType, defaultKind: ParamKind, defaultRequired: boolean): FunctionDef {
  return {
    params: ['ID', 'STRING', defaultKind],
    minArgs: defaultRequired ? 3 : 2,
    returns,
    build: (args, site) => {
      const table = tableName(site);
      const key = argText(args[1]);
      const fallback = defaultOf(args[2], defaultKind);
      return (ctx) => {
        const text = ctx.table(table, key(ctx));
        const value = text === null || text === undefined ? undefined : parseStored(returns, text);
        return value === undefined ? fallback(ctx) : value;
      };
    },
  };
}

const contains: FunctionDef = {
  params: ['ID', 'STRING'],
  minArgs: 2,
  returns: 'BOOL',
  build: (args, site) => {
    const table = tableName(site);
    const key = argText(args[1]);
    return (ctx) => {
      const text = ctx.table(table, key(ctx));
      return text !== null && text !== undefined;
    };
  },
};

export const TABLE_FUNCTIONS: Record<string, FunctionDef> = {
  'table.lookup': typedLookup('STRING', 'STRING', false),
  'table.contains': contains,
  'table.lookup_bool': typedLookup('BOOL', 'BOOL', true),
  'table.lookup_integer': typedLookup('INTEGER', 'INTEGER', true),
  'table.lookup_float': typedLookup('FLOAT', 'FLOAT', true),
  'table.lookup_ip': typedLookup('IP', 'IP', true),
  'table.lookup_rtime': typedLookup('RTIME', 'RTIME', true),
};
