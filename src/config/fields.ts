/**
 * Reading one endpoint's fields: text → typed values with a problem per field that is wrong, the
 * shapes every part of an endpoint shares (integers in a range, URLs, backends).
 *
 * Owns: the FieldReader (get a field, record a problem against it) and the readers of shared
 * shapes. Does not own: what the fields mean (endpoint.ts, access.ts).
 */
import type { BackendRef } from '../platform/types.js';
import { ConfigError } from './errors.js';
import { quoteValue } from './quote.js';

export interface FieldReader {
  readonly endpoint: string;
  get(field: string): string | undefined;
  /** Records a problem with `field`; returns undefined so a reader can `return fail(…)`. */
  fail(field: string, problem: string): undefined;
  /** Whether any problem was recorded for this endpoint. */
  readonly failed: boolean;
}

export function fieldReader(endpoint: string, fields: ReadonlyMap<string, string>, errors: ConfigError[]): FieldReader {
  let failed = false;
  return {
    endpoint,
    get: (field) => fields.get(field),
    fail(field, problem) {
      failed = true;
      errors.push(new ConfigError(endpoint, field, problem));
      return undefined;
    },
    get failed() {
      return failed;
    },
  };
}

/** An integer field from `min` to `max`; the default when unset, and also (after the problem) when wrong. */
export function readInteger(reader: FieldReader, field: string, fallback: number, min: number, max: number): number {
  const raw = reader.get(field);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    reader.fail(field, `${quoteValue(raw)} is not an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

/**
 * An http(s) URL field, normalised; `fallback` when unset. A URL is never quoted back whole (its
 * path or query may hold a key): a problem names the part at fault. A user name or password in
 * it is refused: AWS credentials belong in the Secret Store, and the URL is shown in places
 * (the admin page's stream keys name its host) where they would leak.
 */
export function readUrl(reader: FieldReader, field: string, fallback: string, example: string): string | undefined {
  const raw = reader.get(field);
  if (raw === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reader.fail(field, `${quoteValue(raw)} is not a URL (e.g. ${example})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return reader.fail(field, `must be an http or https URL, not ${quoteValue(url.protocol.slice(0, -1))} (e.g. ${example})`);
  }
  if (url.username !== '' || url.password !== '') {
    return reader.fail(field, 'holds a user name or password (user:password@): remove it; credentials belong in the Secret Store');
  }
  return url.toString();
}

const BACKEND_NAME = /^[A-Za-z0-9_.-]{1,255}$/;
/** One character of a backend's or log endpoint's name. */
export const NAME_CHARACTER = /^[A-Za-z0-9_.-]$/;

/**
 * A backend field: the name of a static backend declared on the service (`fallback` when unset),
 * or `dynamic` to reach the URL's own host through a dynamic backend.
 */
export function readBackend(reader: FieldReader, field: string, fallback: string, url: string): BackendRef | undefined {
  const name = reader.get(field) ?? fallback;
  if (name === 'dynamic') {
    const { host, protocol } = new URL(url);
    return { kind: 'dynamic', host, useSsl: protocol === 'https:' };
  }
  if (!BACKEND_NAME.test(name)) {
    return reader.fail(field, `${quoteValue(name, NAME_CHARACTER)} is not a backend name (1-255 of A-Z a-z 0-9 _ . -), nor "dynamic"`);
  }
  return { kind: 'static', name };
}
