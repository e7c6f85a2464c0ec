/**
 * Classifies Kinesis and STS failures by error code (the JSON `__type`, or `x-amzn-ErrorType`),
 * not by HTTP status, which differs between services (reference/kinesis.md §3.4). The status only
 * decides for codes we do not know: 429 is throttling, 5xx retriable, anything else fatal.
 *
 *   throttled  back off and retry (PTEE additionally moves the record to another shard)
 *   retriable  back off and retry (may duplicate after a timeout: the call may have succeeded)
 *   auth       refresh credentials once (rate-limited), retry once
 *   fatal      do not retry: validation, ResourceNotFoundException, AccessDeniedException, KMS
 *              configuration errors, our own RecordCountMismatch / BudgetExhausted /
 *              MissingCredentials / InvalidCredentials / SigningFailed
 *   configuration  do not retry, and report once per cause, not once per delivery: the service
 *              lacks what the call needs (our BackendNotDefined: no such backend); every call
 *              fails alike until someone changes the service
 *
 * Apart from the class: whether a failed call's outcome is ambiguous — sent, and no readable
 * answer came back, so Kinesis may have stored its records and a retry can duplicate them
 * (isAmbiguousOutcome; delivery counts such retries apart).
 */
import { sanitizeAwsMessage } from '../aws/error-message.js';
import { BACKEND_NOT_DEFINED } from '../aws/signed-fetch.js';

export type ErrorClass = 'throttled' | 'retriable' | 'auth' | 'fatal' | 'configuration';

/** Our codes for calls the service's configuration stops before they leave (aws/signed-fetch.ts). */
const CONFIGURATION = new Set([BACKEND_NOT_DEFINED]);

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
  'LimitExceededException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const RETRIABLE = new Set([
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ExpiredNextTokenException',
  // Our own codes for failures without an AWS answer.
  'NetworkError',
  'Timeout',
  'MalformedResponse',
]);
const AUTH = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'RequestExpired',
  'MissingAuthenticationToken',
]);

/** The per-shard write limit: the only code that says "this shard, not the stream, is busy". */
export const SHARD_THROTTLE_CODE = 'ProvisionedThroughputExceededException';

export function isShardThrottle(code: string): boolean {
  return code === SHARD_THROTTLE_CODE;
}

/** Known not to get better by retrying, whatever the HTTP status (reference/kinesis.md §3.4 "Fatal"). */
const FATAL = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'AccessDenied',
  'ValidationException',
  'ValidationError',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'RequestEntityTooLargeException',
  'RecordCountMismatch',
  'BudgetExhausted',
  'MissingCredentials',
  'InvalidCredentials',
  'SigningFailed',
]);

/**
 * Our codes for a call that was sent and got no answer we could read: a timeout, the connection
 * failing (a reset may come after Kinesis stored the records; a refused connection cannot be told
 * apart from here), an answer that is not JSON. Kinesis may have stored the records.
 */
const AMBIGUOUS = new Set(['Timeout', 'NetworkError', 'MalformedResponse']);

export function isAmbiguousOutcome(code: string): boolean {
  return AMBIGUOUS.has(code);
}

export function classifyErrorCode(code: string, httpStatus?: number): ErrorClass {
  if (CONFIGURATION.has(code)) return 'configuration';
  if (FATAL.has(code)) return 'fatal';
  if (THROTTLING.has(code)) return 'throttled';
  if (RETRIABLE.has(code)) return 'retriable';
  if (AUTH.has(code)) return 'auth';
  if (httpStatus === 429) return 'throttled';
  if (httpStatus !== undefined && httpStatus >= 500) return 'retriable';
  return 'fatal';
}

/** `aws.protocols#Foo:http://…` → `Foo` (as smithy-rs and Amplify sanitise error codes). */
export function sanitizeErrorCode(raw: string): string {
  const afterHash = raw.includes('#') ? raw.slice(raw.lastIndexOf('#') + 1) : raw;
  return afterHash.split(':')[0].trim();
}

/**
 * A whole AWS call that failed: no per-entry results exist. The message passes
 * `sanitizeAwsMessage` here, where AWS's text enters our errors: AWS echoes the signed headers
 * (session token included) when it refuses a signature, and nothing downstream should hold that.
 */
export class AwsCallError extends Error {
  readonly errorClass: ErrorClass;
  readonly errorMessage: string;
  constructor(
    readonly errorCode: string,
    errorMessage: string,
    readonly httpStatus?: number,
    /** False when the call never left (no budget, no credentials): it cannot have had any effect. */
    readonly requestSent: boolean = true,
  ) {
    const message = sanitizeAwsMessage(errorMessage);
    super(`${errorCode}${message ? ` ${message}` : ''}`);
    this.errorMessage = message;
    this.name = 'AwsCallError';
    this.errorClass = classifyErrorCode(errorCode, httpStatus);
  }
}
