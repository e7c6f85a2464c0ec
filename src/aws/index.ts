/**
 * The aws folder's public names: the execution's request budget, credentials providers per access
 * method, and signed fetch over a Compute backend.
 */
export { BACKEND_REQUESTS_PER_EXECUTION, BudgetExhaustedError, RequestBudget } from './budget.js';
export { CredentialsError, secretKeys, type AwsCredentials, type CredentialsProvider, type CredentialsStats } from './credentials.js';
export { createCredentialsProvider } from './provider.js';
export { createSignedFetch, RequestTimeoutError, type SignedFetch } from './signed-fetch.js';
