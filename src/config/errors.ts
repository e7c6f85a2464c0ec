import { redactCredentials } from './quote.js';

/**
 * A configuration problem: which endpoint, which field, what is wrong and what was expected.
 * Messages never include the value of a credential field, quote other values only when they
 * cannot be a credential (quote.ts), and mask whatever still looks like one (a format quoted under
 * a caret, say) as the problem is made.
 *
 * The message names the key at fault once: `main.region: "eu-west" is not an AWS region` for an
 * endpoint's field, `main: missing: …` for its whole item, `service: endpoints: …` for a
 * service-wide key.
 */
export class ConfigError extends Error {
  /** What is wrong and what was expected, credential shapes masked. */
  readonly problem: string;

  constructor(
    /** Endpoint name, or `service` for service-wide keys. */
    readonly endpoint: string,
    /** The field of the endpoint's item (or the service key) at fault; undefined for the whole item. */
    readonly field: string | undefined,
    problem: string,
  ) {
    const masked = redactCredentials(problem);
    super(`${endpoint === SERVICE ? `${SERVICE}: ` : ''}${keyOf(endpoint, field)}: ${masked}`);
    this.problem = masked;
    this.name = 'ConfigError';
  }

  /** The Config Store key at fault: `main.region` (a field), `main` (the whole item), or a service key. */
  get key(): string {
    return keyOf(this.endpoint, this.field);
  }
}

function keyOf(endpoint: string, field: string | undefined): string {
  if (field === undefined) return endpoint;
  return endpoint === SERVICE ? field : `${endpoint}.${field}`;
}

/** The `endpoint` of problems with service-wide keys. */
export const SERVICE = 'service';
