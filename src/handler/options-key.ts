/**
 * A structural key for options given in code: equal for options that say the same thing, however
 * they were built (a new object literal per request, keys in another order), so that identical
 * options can share one library instance. Plain data (strings, numbers, booleans, arrays, plain
 * objects) is compared by value; anything else (a function, a class instance) by identity.
 * A property whose value is `undefined` counts as absent, as it does for the options.
 *
 * Owns the key only; not what the options mean (kinesis-logging.ts).
 */

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

export function optionsKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return `${typeof value}:${String(value)}`;
    case 'symbol':
    case 'function':
      return identityOf(value as object);
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(optionsKey).join(',')}]`;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return identityOf(value as object);
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${optionsKey(v)}`).join(',')}}`;
}

function identityOf(value: object | symbol): string {
  // Symbols cannot key a WeakMap everywhere; they never appear in options, so a fresh id is enough.
  if (typeof value === 'symbol') return `#symbol${nextIdentity++}`;
  let id = identities.get(value);
  if (id === undefined) identities.set(value, (id = nextIdentity++));
  return `#${id}`;
}
