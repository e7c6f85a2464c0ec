/**
 * The config folder's public names: what a user configures, read and validated.
 *
 * Owns: the store names and layout (schema.ts), reading the Config Store into a ServiceConfig with
 * a precise problem per wrong field (load.ts, endpoint.ts, access.ts), the problems' shape
 * (errors.ts), and what a message may show of a value (quote.ts). Secrets are never read here;
 * they stay in the Secret Store (aws/).
 */
export { ConfigError } from './errors.js';
export { endpointNameProblem, loadServiceConfig, LOGGING_BACKEND_REQUESTS, lookupsToLoad, MAX_ENDPOINTS, NotEnoughConfigLookups, type LoadOptions } from './load.js';
export { hiddenValue, isQuotable, isShowableName, looksLikeCredential, quoteValue, redactCredentials } from './quote.js';
export { AWS_REGIONS } from './regions.js';
export * from './schema.js';
