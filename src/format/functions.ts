/**
 * The VCL functions usable inside `%{…}V`: one registry over the namespace modules in
 * functions/ (docs/vcl-functions.md lists every function of Fastly's reference with its status
 * here).
 *
 * Owns: the name → definition table the compiler resolves calls against, and the re-export of
 * the definition types (functions/define.ts).
 * Does not own: any function's semantics (functions/*.ts), escaping, regexes, hashing or time
 * formatting (text-escapes.ts, regex/, src/hash/, time-format.ts).
 */
import { ACCEPT_FUNCTIONS } from './functions/accept.js';
import { ADDR_FUNCTIONS } from './functions/addr.js';
import { CONVERSION_FUNCTIONS } from './functions/conversion.js';
import type { FunctionDef } from './functions/define.js';
import { DIGEST_FUNCTIONS } from './functions/digest.js';
import { MATH_FUNCTIONS } from './functions/math.js';
import { MISC_FUNCTIONS } from './functions/misc.js';
import { QUERYSTRING_FUNCTIONS } from './functions/querystring.js';
import { RANDOM_FUNCTIONS } from './functions/random.js';
import { REGEX_FUNCTIONS } from './regex/index.js';
import { STD_STRING_FUNCTIONS } from './functions/std-strings.js';
import { STRING_FUNCTIONS } from './functions/strings.js';
import { TABLE_FUNCTIONS } from './functions/table.js';
import { TIME_FUNCTIONS } from './functions/time.js';
import { URL_FUNCTIONS } from './functions/url.js';
import { UUID_FUNCTIONS } from './functions/uuid.js';

export type { CallSite, FunctionDef, ParamKind } from './functions/define.js';

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map<string, FunctionDef>(
  Object.entries({
    ...STRING_FUNCTIONS,
    ...STD_STRING_FUNCTIONS,
    ...REGEX_FUNCTIONS,
    ...CONVERSION_FUNCTIONS,
    ...TIME_FUNCTIONS,
    ...DIGEST_FUNCTIONS,
    ...MATH_FUNCTIONS,
    ...ADDR_FUNCTIONS,
    ...QUERYSTRING_FUNCTIONS,
    ...MISC_FUNCTIONS,
    ...RANDOM_FUNCTIONS,
    ...UUID_FUNCTIONS,
    ...TABLE_FUNCTIONS,
    ...URL_FUNCTIONS,
    ...ACCEPT_FUNCTIONS,
  }),
);
