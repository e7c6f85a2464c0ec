/** Error classification (kinesis/errors.ts): by code first, the HTTP status only for codes it does not know. */
import { describe, expect, it } from 'vitest';
import { AwsCallError, classifyErrorCode, isShardThrottle, sanitizeErrorCode } from '../../../src/kinesis/errors.js';

describe('classifyErrorCode', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 'throttled'],
    ['ThrottlingException', 'throttled'],
    ['KMSThrottlingException', 'throttled'],
    ['Throttling', 'throttled'],
    ['InternalFailure', 'retriable'],
    ['InternalFailureException', 'retriable'],
    ['ServiceUnavailable', 'retriable'],
    ['NetworkError', 'retriable'],
    ['Timeout', 'retriable'],
    ['MalformedResponse', 'retriable'],
    ['ExpiredTokenException', 'auth'],
    ['ExpiredToken', 'auth'],
    ['UnrecognizedClientException', 'auth'],
    ['InvalidSignatureException', 'auth'],
    ['SignatureDoesNotMatch', 'auth'],
    ['InvalidClientTokenId', 'auth'],
    ['ResourceNotFoundException', 'fatal'],
    ['AccessDeniedException', 'fatal'],
    ['AccessDenied', 'fatal'],
    ['ValidationException', 'fatal'],
    ['InvalidArgumentException', 'fatal'],
    ['KMSAccessDeniedException', 'fatal'],
    ['KMSDisabledException', 'fatal'],
    ['RecordCountMismatch', 'fatal'],
    ['BudgetExhausted', 'fatal'],
    ['MissingCredentials', 'fatal'],
  ])('%s is %s', (code, expected) => {
    expect(classifyErrorCode(code)).toBe(expected);
  });

  it('decides by status only for unknown codes', () => {
    expect(classifyErrorCode('HTTP503', 503)).toBe('retriable');
    expect(classifyErrorCode('HTTP429', 429)).toBe('throttled');
    expect(classifyErrorCode('HTTP403', 403)).toBe('fatal');
    // A known fatal code stays fatal whatever the status says.
    expect(classifyErrorCode('ResourceNotFoundException', 500)).toBe('fatal');
    expect(classifyErrorCode('AccessDeniedException', 400)).toBe('fatal');
  });

  it('moves only ProvisionedThroughputExceededException to another shard', () => {
    expect(isShardThrottle('ProvisionedThroughputExceededException')).toBe(true);
    expect(isShardThrottle('KMSThrottlingException')).toBe(false);
  });

  it('sanitizes namespaced codes as the SDKs do', () => {
    expect(sanitizeErrorCode('com.amazonaws.kinesis.v20131202#ProvisionedThroughputExceededException')).toBe('ProvisionedThroughputExceededException');
    expect(sanitizeErrorCode('ValidationException:http://internal.amazon.com/coral/')).toBe('ValidationException');
  });

  it('AwsCallError carries the class and whether the request left', () => {
    expect(new AwsCallError('BudgetExhausted', 'spent', undefined, false)).toMatchObject({ errorClass: 'fatal', requestSent: false });
    expect(new AwsCallError('InternalFailure', 'x', 500)).toMatchObject({ errorClass: 'retriable', requestSent: true });
    expect(new AwsCallError('HTTP429', '', 429)).toMatchObject({ errorClass: 'throttled' });
  });
});
