/**
 * A configuration problem: which endpoint, which field, what is wrong and what was expected.
 * Messages never include the value of a credential field.
 *
 * The message names the key at fault once: `main.region: "eu-west" is not an AWS region` for an
 * endpoint's field, `main: missing: …` for its whole item, `service: endpoints: …` for a
 * service-wide key.
 */
export class ConfigError extends Error {
  constructor(
    /** Endpoint name, or `service` for service-wide keys. */
    readonly endpoint: string,
    /** The field of the endpoint's item (or the service key) at fault; undefined for the whole item. */
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super(`${endpoint === SERVICE ? `${SERVICE}: ` : ''}${keyOf(endpoint, field)}: ${problem}`);
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
