/**
 * The aws folder's public names: the execution's request budget and its reservations, who signs
 * an endpoint's calls (credentials per access method, role sessions shared between endpoints),
 * signed fetch over a Compute backend, and the gate every AWS-provided message passes.
 */
export { BACKEND_REQUESTS_PER_EXECUTION, BUDGET_EXHAUSTED, BudgetExhaustedError, RequestBudget, type RequestAllowance, type Reservation } from './budget.js';
export { CredentialsError, secretKeys, type AwsCredentials, type CredentialsProvider, type CredentialsStats } from './credentials.js';
export { createEndpointCredentials, type AccessConfig, type CredentialsSubject, type EndpointCredentials, type SigningIdentity } from './provider.js';
export { MAX_AWS_MESSAGE_CHARS, sanitizeAwsMessage } from './error-message.js';
export { BACKEND_NOT_DEFINED, BackendNotDefinedError, createSignedFetch, RequestTimeoutError, warmUpSigning, type SignedFetch } from './signed-fetch.js';
