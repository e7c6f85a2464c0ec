/**
 * An endpoint's Config Store item: a JSON object of field → value, read into a map of field → text.
 *
 * Owns: parsing the item, and refusing what does not belong in it (unknown fields, with a "did you
 * mean"; secrets pasted into the Config Store, by field name or by shape, whose values are never
 * echoed; arrays and objects).
 * Does not own: what each field means (endpoint.ts).
 */
import { closestNames } from '../format/suggest.js';
import { describeJsonSyntaxError } from '../json/syntax-error.js';
import { ConfigError } from './errors.js';
import { hiddenValue, isQuotable, looksLikeCredential, quoteValue } from './quote.js';
import { ENDPOINT_FIELDS } from './schema.js';

/** Secret fields (Fastly's own names and ours) → the Secret Store key they belong in. */
const SECRET_FIELDS = new Map([
  ['access_key', 'access_key_id'],
  ['access_key_id', 'access_key_id'],
  ['secret_key', 'secret_access_key'],
  ['secret_access_key', 'secret_access_key'],
  ['session_token', 'session_token'],
]);

const EXAMPLE_ITEM = '{"stream_name": "logs", "region": "us-east-1"}';

/**
 * Fields whose value may be shaped like a credential (config/quote.ts) and still be right: text
 * a format renders, and the external id (a shared secret of its own, never shown). Any other
 * field holding such a value is refused: its value is a name or a setting that messages and
 * reports show (a stream name in every failure report), so a key pasted there would travel.
 */
const FREE_TEXT_FIELDS = new Set(['format', 'response_condition', 'partition_key', 'external_id']);

/**
 * The endpoint's fields (numbers and booleans are read as their text; null means "not set", so the
 * default applies), or undefined when the item has any problem: every problem is pushed to `errors`.
 */
export function readEndpointItem(name: string, raw: string | null, errors: ConfigError[]): Map<string, string> | undefined {
  const fail = (field: string | undefined, problem: string) => {
    errors.push(new ConfigError(name, field, problem));
    return undefined;
  };
  if (raw === null) return fail(undefined, `missing: an item "${name}" holding the endpoint's settings as JSON, e.g. ${EXAMPLE_ITEM}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON.parse's message: V8's quotes the text around the fault, which may be a pasted secret.
    return fail(undefined, `not JSON (${describeJsonSyntaxError(raw)}); expected an object such as ${EXAMPLE_ITEM}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail(undefined, `expected a JSON object of the endpoint's fields, e.g. ${EXAMPLE_ITEM}`);
  }
  const fields = new Map<string, string>();
  const problemsBefore = errors.length;
  for (const [index, [field, value]] of Object.entries(parsed).entries()) {
    const secretKey = SECRET_FIELDS.get(field);
    if (secretKey) {
      // The value is never echoed: it may be a real secret pasted in the wrong place.
      fail(field, `secrets do not belong in the Config Store: remove it here and store it in the Secret Store as ${name}.${secretKey}`);
    } else if (!(ENDPOINT_FIELDS as readonly string[]).includes(field)) {
      const hint = closestNames(field, ENDPOINT_FIELDS).join(' or ');
      const expected = `${hint ? ` (did you mean ${hint}?)` : ''}; expected one of ${ENDPOINT_FIELDS.join(', ')}`;
      // A name is part of the key a message names; one that could be a pasted key is told by position.
      if (isQuotable(field)) fail(field, `unknown field${expected}`);
      else fail(undefined, `field ${index + 1} of the item: its name, ${quoteValue(field)}, is not a known field${expected}`);
    } else if (typeof value === 'string' && !FREE_TEXT_FIELDS.has(field) && looksLikeCredential(value)) {
      fail(field, `${hiddenValue(value)} looks like a credential (an AWS key id, a secret key, a token or a URL's user:password): secrets belong in the Secret Store`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields.set(field, String(value));
    } else if (value !== null) {
      fail(field, `expected a string or a number, got ${Array.isArray(value) ? 'an array' : 'an object'}`);
    }
  }
  return errors.length === problemsBefore ? fields : undefined;
}
