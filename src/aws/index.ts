/**
 * The aws folder's public names: the execution's request budget, credentials providers per access
 * method, signed fetch over a Compute backend, and the gate every AWS-provided message passes.
 */
export { BACKEND_REQUESTS_PER_EXECUTION, BudgetExhaustedError, RequestBudget } from './budget.js';
export { CredentialsError, secretKeys, type AwsCredentials, type CredentialsProvider, type CredentialsStats } from './credentials.js';
export { createCredentialsProvider, type AccessConfig, type CredentialsSubject } from './provider.js';
export { MAX_AWS_MESSAGE_CHARS, sanitizeAwsMessage } from './error-message.js';
export { createSignedFetch, RequestTimeoutError, type SignedFetch } from './signed-fetch.js';
export type { SigningKeyCache } from './sigv4.js';
