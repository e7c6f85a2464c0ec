/**
 * What a configuration message may show of a value a user wrote. Configuration problems reach the
 * error log endpoint, `check`, `import` and KinesisLoggingConfigError, and the value at fault may
 * be a secret pasted into the wrong field. So a message quotes a value only when it cannot be one,
 * and otherwise describes it (length, the first character the field does not allow) without
 * showing it.
 *
 * The rule: a value is quoted only when it is at most QUOTABLE_MAX_CHARS characters of printable
 * ASCII without `"`, `\`, `+` or `@`, with no run of CREDENTIAL_RUN_CHARS or more letters and
 * digits. AWS access key ids are 20 such characters, secret keys 40 (with `/` and `+`), session
 * tokens hundreds; a URL's `user:password@` has an `@`. Typos in regions, enums, numbers and names
 * ("eu-west", "truncat", "5") stay quoted; anything else is `<40 characters, not shown>`. Only
 * printable ASCII is ever quoted, so a message cannot carry a terminal escape sequence either.
 *
 * The last guard, `redactCredentials`, masks credential shapes in any message text (a format
 * quoted under a caret, a name): it keeps the text's length so that a caret still points right.
 *
 * Owns: those rules. Does not own: which fields are secret (endpoint-item.ts never quotes them).
 */

/** Longest value a message quotes. */
export const QUOTABLE_MAX_CHARS = 32;
/** A run of this many letters and digits may be a key (AWS key ids are 20, tokens longer). */
export const CREDENTIAL_RUN_CHARS = 16;

const QUOTABLE_CHARS = /^[\x20-\x7e]*$/;
const PRINTABLE_CHARACTER = /^[\x20-\x7e]$/;
const NOT_QUOTED_CHARS = /["\\+@]/;
const LONG_ALPHANUMERIC_RUN = new RegExp(`[A-Za-z0-9]{${CREDENTIAL_RUN_CHARS},}`);

/** Whether a message may show `value` as it is. */
export function isQuotable(value: string): boolean {
  return (
    value.length <= QUOTABLE_MAX_CHARS && QUOTABLE_CHARS.test(value) && !NOT_QUOTED_CHARS.test(value) && !LONG_ALPHANUMERIC_RUN.test(value)
  );
}

/**
 * Whether a name (an endpoint's, a VCL endpoint's: a position that messages must show to be of
 * use) may be shown: printable ASCII, at most 255 characters, and no credential shape in it
 * (the narrower test: names such as "KinesisProductionLogs" are common, pasted keys are not).
 */
export function isShowableName(name: string): boolean {
  return name.length <= 255 && QUOTABLE_CHARS.test(name) && !looksLikeCredential(name);
}

/**
 * `"eu-west"` when the value may be shown; otherwise what it is, without showing it:
 * `<40 characters, not shown>`, or `<12 characters, not shown; character 5 is a control
 * character>`: the first character outside `allowed` (one character of the field's alphabet), or
 * else the first that is not printable ASCII, is named by kind.
 */
export function quoteValue(value: string, allowed?: RegExp): string {
  return isQuotable(value) ? `"${value}"` : hiddenValue(value, allowed);
}

/** `<N characters, not shown>`, naming the first character outside `allowed` (or not printable ASCII). */
export function hiddenValue(value: string, allowed: RegExp = PRINTABLE_CHARACTER): string {
  const chars = [...value];
  const at = chars.findIndex((char) => !allowed.test(char));
  const where = at < 0 ? '' : `; character ${at + 1} is ${describeCharacter(chars[at])}`;
  return `<${plural(chars.length, 'character')}, not shown${where}>`;
}

/** One character by kind; punctuation (which no key is made of) by itself. */
function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (char === ' ') return 'a space';
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) return 'a control character';
  if (code > 0x7f) return 'a non-ASCII character';
  if (/[A-Za-z]/.test(char)) return 'a letter';
  if (/[0-9]/.test(char)) return 'a digit';
  return `'${char}'`;
}

/**
 * Credential shapes, wherever they sit in a text:
 *  - AWS access key ids: AKIA… (IAM users), ASIA… (temporary), and the other key id prefixes, 20
 *    upper-case letters and digits;
 *  - a run of 40 characters of the base64 alphabet with upper- and lower-case letters (an AWS
 *    secret access key), and a run of 64 or more with digits too (session tokens, other keys);
 *    names joined with `_` or `-` never match, however long;
 *  - a URL's user information (`//user:password@`).
 */
const CREDENTIAL_SHAPES: RegExp[] = [
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|AGPA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]*[a-z])(?=[A-Za-z0-9/+=]*[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g,
  /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]*[a-z])(?=[A-Za-z0-9/+=]*[A-Z])(?=[A-Za-z0-9/+=]*[0-9])[A-Za-z0-9/+=]{64,}/g,
];
const URL_USERINFO = /(\/\/)[^/?#\s@]*@/g;

/** Whether `text` holds anything shaped like a credential (CREDENTIAL_SHAPES). */
export function looksLikeCredential(text: string): boolean {
  return redactCredentials(text) !== text;
}

/** `text` with every credential shape masked by as many `*` (so carets under it still line up). */
export function redactCredentials(text: string): string {
  let result = text.replace(URL_USERINFO, (match, slashes: string) => slashes + '*'.repeat(match.length - slashes.length - 1) + '@');
  for (const shape of CREDENTIAL_SHAPES) result = result.replace(shape, (match) => '*'.repeat(match.length));
  return result;
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}
