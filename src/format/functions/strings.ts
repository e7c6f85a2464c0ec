/**
 * String functions that escape, measure and cut: json.escape, cstr_escape, xml_escape,
 * urlencode, urldecode, std.tolower, std.toupper, std.strlen, substr, and the code-point
 * versions utf8.codepoint_count, utf8.is_valid, utf8.substr, utf8.strpad.
 *
 * Owns: their signatures, not-set results and `fastly.error` codes.
 * Does not own: the byte-level rules of each escape (text-escapes.ts) or the byte model
 * (src/facts/byte-string.ts: a string that is not well formed came from invalid UTF-8).
 */
import { isWellFormedText } from '../../facts/byte-string.js';
import { argText, numberArg } from '../coercion.js';
import { MAY_HAVE_NEWLINES, NO_NEWLINES } from '../newlines.js';
import type { RenderContext } from '../render-context.js';
import {
  asciiLower,
  asciiUpper,
  byteLength,
  byteSubstr,
  cstrEscape,
  jsonEscape,
  substrRange,
  urlDecode,
  urlEncode,
  xmlEscape,
} from '../text-escapes.js';
import { padTo } from './std-strings.js';
import { ofOneString, predicate, riskOf, unary, type FunctionDef } from './define.js';

/** A substring function: (text, offset, length?) → text or not set. */
function substring(cut: (s: string, offset: number, length: number | undefined) => string | null): FunctionDef {
  return {
    params: ['STRING', 'INTEGER', 'INTEGER'],
    minArgs: 2,
    pure: true,
    newlineRisk: riskOf(0),
    returns: 'STRING',
    build: (args) => {
      const s = argText(args[0]);
      const offset = numberArg(args[1], 'INTEGER');
      const length = args[2] ? numberArg(args[2], 'INTEGER') : undefined;
      return (ctx) => cut(s(ctx), offset(ctx) ?? 0, length ? (length(ctx) ?? 0) : undefined);
    },
  };
}

/** The code points of well-formed text, or null for text that came from invalid UTF-8. */
function codePoints(s: string): string[] | null {
  return isWellFormedText(s) ? Array.from(s) : null;
}

/** Text without surrogates: each code unit is a code point, so strings are cut natively. */
const BMP_ONLY = /^[^\ud800-\udfff]*$/;

/**
 * utf8.substr (https://www.fastly.com/documentation/reference/vcl/functions/strings/utf8-substr/):
 * substr's range rules counted in code points; invalid UTF-8 is not set.
 */
function utf8Substr(s: string, offset: number, length: number | undefined): string | null {
  if (BMP_ONLY.test(s)) {
    const range = substrRange(s.length, offset, length);
    return range && s.slice(range[0], range[1]);
  }
  const points = codePoints(s);
  if (!points) return null;
  const range = substrRange(points.length, offset, length);
  return range && points.slice(range[0], range[1]).join('');
}

const strlen = ofOneString('INTEGER', byteLength);

// Zero for invalid UTF-8 (the reference page).
const codepointCount = ofOneString('INTEGER', (text) => (BMP_ONLY.test(text) ? text.length : (codePoints(text)?.length ?? 0)));

/**
 * utf8.strpad (https://www.fastly.com/documentation/reference/vcl/functions/strings/utf8-strpad/):
 * std.strpad counted in code points; a string or pad that is not valid UTF-8 sets EUTF8.
 */
const utf8Strpad: FunctionDef = {
  params: ['STRING', 'INTEGER', 'STRING'],
  minArgs: 3,
  pure: true,
  newlineRisk: riskOf(0, 2),
  returns: 'STRING',
  build: (args) => {
    const s = argText(args[0]);
    const width = numberArg(args[1], 'INTEGER');
    const pad = argText(args[2]);
    return (ctx: RenderContext) => {
      const text = codePoints(s(ctx));
      const padding = codePoints(pad(ctx));
      if (!text || !padding) {
        ctx.fastlyError = 'EUTF8';
        return null;
      }
      return ctx.bound(padTo(ctx, text, width(ctx) ?? 0, padding).join(''));
    };
  },
};

export const STRING_FUNCTIONS: Record<string, FunctionDef> = {
  'json.escape': { ...unary(jsonEscape, NO_NEWLINES), jsonSafe: true },
  cstr_escape: unary(cstrEscape, NO_NEWLINES),
  xml_escape: unary(xmlEscape),
  urlencode: unary(urlEncode, NO_NEWLINES),
  urldecode: unary(urlDecode, MAY_HAVE_NEWLINES),
  'std.tolower': unary(asciiLower),
  'std.toupper': unary(asciiUpper),
  'std.strlen': strlen,
  substr: substring(byteSubstr),
  'utf8.substr': substring(utf8Substr),
  'utf8.codepoint_count': codepointCount,
  'utf8.is_valid': predicate(isWellFormedText),
  'utf8.strpad': utf8Strpad,
};
