/** Error classification (kinesis/errors.ts) and reading PutRecords answers (kinesis/put-records.ts). */
import { describe, expect, it } from 'vitest';
import { AwsCallError, classifyErrorCode, isShardThrottle, sanitizeErrorCode } from '../../../src/kinesis/errors.js';
import { putRecordsInput, readPutRecordsResults } from '../../../src/kinesis/put-records.js';

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
    expect(new AwsCallError('BudgetExhausted', 'spent', undefined, false)).toMatchObject({ errorClass: 'fatal', retriable: false, requestSent: false });
    expect(new AwsCallError('InternalFailure', 'x', 500)).toMatchObject({ errorClass: 'retriable', retriable: true, requestSent: true });
  });
});

describe('PutRecords answers', () => {
  it('reads entries by index: ShardId/SequenceNumber, or ErrorCode/ErrorMessage', () => {
    expect(
      readPutRecordsResults(
        {
          FailedRecordCount: 1,
          Records: [
            { ShardId: 'shardId-000000000001', SequenceNumber: '4960' },
            { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000001 in stream exampleStreamName under account 111111111111.' },
            { ErrorCode: 'InternalFailure' },
          ],
        },
        3,
      ),
    ).toEqual([
      { index: 0, ok: true, shardId: 'shardId-000000000001', sequenceNumber: '4960' },
      { index: 1, ok: false, errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'Rate exceeded for shard shardId-000000000001 in stream exampleStreamName under account 111111111111.' },
      { index: 2, ok: false, errorCode: 'InternalFailure', errorMessage: '' },
    ]);
  });

  it.each([
    ['fewer entries', { Records: [{ ShardId: 's', SequenceNumber: '1' }] }, 'sent 2 records, the answer has 1 entries'],
    ['more entries', { Records: [{}, {}, {}] }, 'sent 2 records, the answer has 3 entries'],
    ['no Records', {} as never, 'sent 2 records, the answer has no entries'],
  ])('fails every record of an answer with %s', (_name, output, message) => {
    expect(readPutRecordsResults(output, 2)).toEqual([
      { index: 0, ok: false, errorCode: 'RecordCountMismatch', errorMessage: message },
      { index: 1, ok: false, errorCode: 'RecordCountMismatch', errorMessage: message },
    ]);
  });

  it('builds the request with AWS field names, ExplicitHashKey only when set', () => {
    expect(putRecordsInput('s', [{ data: 'YQ==', partitionKey: 'a', explicitHashKey: '42' }, { data: 'Yg==', partitionKey: 'k' }])).toEqual({
      StreamName: 's',
      Records: [
        { Data: 'YQ==', PartitionKey: 'a', ExplicitHashKey: '42' },
        { Data: 'Yg==', PartitionKey: 'k' },
      ],
    });
  });
});
