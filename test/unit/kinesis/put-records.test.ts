/** PutRecords on the wire: the request body, and answers read back by index with each failure's class. */
import { describe, expect, it } from 'vitest';
import { putRecordsInput, readPutRecordsResults } from '../../../src/kinesis/put-records.js';

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
      {
        index: 1,
        ok: false,
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: 'Rate exceeded for shard shardId-000000000001 in stream exampleStreamName under account 111111111111.',
        errorClass: 'throttled',
      },
      { index: 2, ok: false, errorCode: 'InternalFailure', errorMessage: '', errorClass: 'retriable' },
    ]);
  });

  it.each([
    ['fewer entries', { Records: [{ ShardId: 's', SequenceNumber: '1' }] }, 'sent 2 records, the answer has 1 entries'],
    ['more entries', { Records: [{}, {}, {}] }, 'sent 2 records, the answer has 3 entries'],
    ['no Records', {} as never, 'sent 2 records, the answer has no entries'],
  ])('fails every record of an answer with %s', (_name, output, message) => {
    expect(readPutRecordsResults(output, 2)).toEqual([
      { index: 0, ok: false, errorCode: 'RecordCountMismatch', errorMessage: message, errorClass: 'fatal' },
      { index: 1, ok: false, errorCode: 'RecordCountMismatch', errorMessage: message, errorClass: 'fatal' },
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
