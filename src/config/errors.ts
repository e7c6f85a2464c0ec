/**
 * A configuration problem: which endpoint, which field, what is wrong and what was expected.
 * Messages never include the value of a credential field.
 */
export class ConfigError extends Error {
  constructor(
    /** Endpoint name, or `service` for service-wide keys. */
    readonly endpoint: string,
    /** The config store key (or secret store key) at fault. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${endpoint}: ${field}: ${problem}`);
    this.name = 'ConfigError';
  }
}
