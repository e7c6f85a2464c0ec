import { describe, expect, it } from 'vitest';
import { addOutcome, newCounters, reportDelivery, type FailedRecord, type ReportedRecord } from '../../../src/delivery/report.js';

const delivered = (index: number, tries = 1, truncated = false): ReportedRecord => ({
  index,
  line: `line-${index}`,
  truncated,
  attempts: Array.from({ length: tries }, (_, i) => ({ callId: i + 1, sent: true, startMs: 0, endMs: 1, ...(i < tries - 1 ? { errorCode: 'InternalFailure' } : { shardId: 's', targetShardId: 's' }) })),
});

const failedRecord = (index: number, errorCode: string, kind: FailedRecord['failure']['kind'], tries: number, errorMessage = 'msg'): FailedRecord => ({
  index,
  line: `line-${index}`,
  truncated: false,
  attempts: Array.from({ length: tries }, (_, i) => ({ callId: i + 1, sent: true, startMs: 0, endMs: 1, errorCode })),
  failure: { kind, errorCode, errorMessage },
});

describe('reportDelivery', () => {
  it('writes one line per error code and kind, with counts, never one per record', () => {
    const lines: string[] = [];
    const fallback: string[] = [];
    const outcome = reportDelivery(
      {
        streamName: 'logs',
        attempted: 10,
        delivered: [delivered(0), delivered(1, 2)],
        failed: [
          failedRecord(5, 'ProvisionedThroughputExceededException', 'retries-exhausted', 3, 'Rate exceeded for shard shardId-000000000001'),
          failedRecord(3, 'ProvisionedThroughputExceededException', 'retries-exhausted', 3, 'Rate exceeded for shard shardId-000000000002'),
          failedRecord(4, 'ResourceNotFoundException', 'not-retriable', 1, 'Stream logs under account 1 not found.'),
        ],
        dropped: [{ index: 2, line: 'huge', bytes: 2_000_000 }],
        maxDataBytes: 1_048_320,
      },
      { reportFailure: (l) => lines.push(l), fallback: (l) => fallback.push(l) },
    );
    expect(lines).toEqual([
      'Failed to put record onto stream logs: ProvisionedThroughputExceededException Rate exceeded for shard shardId-000000000001 (2 of 10 records; gave up after 3 attempts)',
      'Failed to put record onto stream logs: ResourceNotFoundException Stream logs under account 1 not found. (1 of 10 records; not retriable, 1 attempt)',
      'Failed to put record onto stream logs: RecordTooLarge line of up to 2000000 bytes exceeds the 1048320-byte record data limit (max_record_bytes less room for the partition key) (1 of 10 records; dropped, oversize=drop)',
    ]);
    expect(fallback).toEqual(['huge', 'line-3', 'line-4', 'line-5']);
    expect(outcome).toEqual({
      attempted: 10,
      delivered: 2,
      retried: 1 + 2 + 2,
      retriedAfterAmbiguous: 0,
      failed: 3,
      failedByCode: { ProvisionedThroughputExceededException: 2, ResourceNotFoundException: 1, RecordTooLarge: 1 },
      failedByKind: { 'retries-exhausted': 2, 'not-retriable': 1 },
      droppedOversize: 1,
      truncated: 0,
      putRecordsCalls: 3,
      misrouted: 0,
      deliveredByShard: { s: 2 },
    });
  });

  it('keeps the first line of AWS messages, caps it, and reports truncation as its own line', () => {
    const lines: string[] = [];
    reportDelivery(
      {
        streamName: 's',
        attempted: 3,
        delivered: [delivered(0, 1, true)],
        failed: [
          failedRecord(1, 'InternalFailure', 'retries-exhausted', 3, `one\tline ${'x'.repeat(400)}\nsecond line`),
          failedRecord(2, 'ServiceUnavailable', 'retries-exhausted', 3, 'first\nsecond line'),
        ],
        dropped: [],
        maxDataBytes: 100,
      },
      { reportFailure: (l) => lines.push(l) },
    );
    expect(lines[0]).toMatch(/^Failed to put record onto stream s: InternalFailure one line x+… \(1 of 3 records; gave up after 3 attempts\)$/);
    expect(lines[0].length).toBeLessThan(420);
    expect(lines[1]).toBe('Failed to put record onto stream s: ServiceUnavailable first (1 of 3 records; gave up after 3 attempts)');
    expect(lines[2]).toBe('compute-kinesis-logger: stream s: 1 of 3 records truncated to 100 bytes of data (oversize=truncate)');
  });

  it('never writes the signing material AWS echoes in a refused signature (session token, credential, signature)', () => {
    const token = 'IQoJb3JpZ2luX2VjEXAMPLE-session-token';
    const echoed =
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\n' +
      `The Canonical String for this request should have been\n'POST\n/\n\nhost:kinesis.us-east-1.amazonaws.com\nx-amz-security-token:${token}\n'`;
    const flattened = `denied for Credential=ASIAIOSFODNN7EXAMPLE/20240101/us-east-1/kinesis/aws4_request x-amz-security-token:${token}`;
    const lines: string[] = [];
    reportDelivery(
      {
        streamName: 's',
        attempted: 2,
        delivered: [],
        failed: [failedRecord(0, 'InvalidSignatureException', 'auth', 1, echoed), failedRecord(1, 'AccessDeniedException', 'not-retriable', 1, flattened)],
        dropped: [],
        maxDataBytes: 100,
      },
      { reportFailure: (l) => lines.push(l) },
    );
    expect(lines).toEqual([
      'Failed to put record onto stream s: InvalidSignatureException The request signature we calculated does not match the signature you provided. (1 of 2 records; credentials refused, 1 attempt)',
      'Failed to put record onto stream s: AccessDeniedException denied for Credential=[redacted] x-amz-security-token:[redacted] (1 of 2 records; not retriable, 1 attempt)',
    ]);
  });

  it('says nothing when everything was delivered whole', () => {
    const lines: string[] = [];
    reportDelivery({ streamName: 's', attempted: 1, delivered: [delivered(0)], failed: [], dropped: [], maxDataBytes: 100 }, { reportFailure: (l) => lines.push(l) });
    expect(lines).toEqual([]);
  });
});

describe('instance counters', () => {
  it('add up outcomes', () => {
    const counters = newCounters();
    const outcome = { attempted: 3, delivered: 2, retried: 1, retriedAfterAmbiguous: 1, failed: 1, failedByCode: { X: 1 }, failedByKind: { 'not-retriable': 1 }, droppedOversize: 0, truncated: 1, putRecordsCalls: 2, misrouted: 1 } as const;
    addOutcome(counters, { ...outcome, failedByCode: { ...outcome.failedByCode }, failedByKind: { ...outcome.failedByKind }, deliveredByShard: { a: 2 } });
    addOutcome(counters, { ...outcome, failedByCode: { X: 2, Y: 1 }, failedByKind: { 'retries-exhausted': 3 }, deliveredByShard: { a: 1, b: 1 } });
    expect(counters).toEqual({
      deliveries: 2,
      attempted: 6,
      delivered: 4,
      retried: 2,
      retriedAfterAmbiguous: 2,
      failed: 2,
      failedByCode: { X: 3, Y: 1 },
      failedByKind: { 'not-retriable': 1, 'retries-exhausted': 3 },
      droppedOversize: 0,
      truncated: 2,
      putRecordsCalls: 4,
      misrouted: 2,
      deliveredByShard: { a: 3, b: 1 },
    });
  });
});

describe('reportDelivery: truncated and dropped records, and where records landed', () => {
  it('counts truncated records delivered and failed, names the largest dropped line, and counts deliveries per shard', () => {
    const lines: string[] = [];
    const landedOn = (index: number, shardId: string, truncated = false): ReportedRecord => ({ ...delivered(index, 1, truncated), attempts: [{ callId: 1, sent: true, startMs: 0, endMs: 1, shardId }] });
    const outcome = reportDelivery(
      {
        streamName: 's',
        attempted: 7,
        delivered: [landedOn(0, 'shardId-1', true), landedOn(1, 'shardId-2'), landedOn(2, 'shardId-1')],
        failed: [{ ...failedRecord(3, 'InternalFailure', 'retries-exhausted', 3), truncated: true }],
        dropped: [
          { index: 4, line: 'big', bytes: 3_000 },
          { index: 5, line: 'bigger', bytes: 5_000 },
          { index: 6, line: 'big again', bytes: 4_000 },
        ],
        maxDataBytes: 1_000,
      },
      { reportFailure: (l) => lines.push(l) },
    );
    expect(outcome).toMatchObject({ truncated: 2, droppedOversize: 3, deliveredByShard: { 'shardId-1': 2, 'shardId-2': 1 }, failedByCode: { InternalFailure: 1, RecordTooLarge: 3 } });
    expect(lines.filter((l) => !l.includes('InternalFailure'))).toEqual([
      'Failed to put record onto stream s: RecordTooLarge line of up to 5000 bytes exceeds the 1000-byte record data limit (max_record_bytes less room for the partition key) (3 of 7 records; dropped, oversize=drop)',
      'compute-kinesis-logger: stream s: 2 of 7 records truncated to 1000 bytes of data (oversize=truncate)',
    ]);
  });

  it('names tries that never left when none of a record\'s tries was sent', () => {
    const lines: string[] = [];
    const neverSent: FailedRecord = { ...failedRecord(0, 'Throttling', 'retries-exhausted', 0), attempts: [1, 2].map((callId) => ({ callId, sent: false, startMs: 0, endMs: 0, errorCode: 'Throttling' })) };
    reportDelivery({ streamName: 's', attempted: 1, delivered: [], failed: [neverSent], dropped: [], maxDataBytes: 100 }, { reportFailure: (l) => lines.push(l) });
    expect(lines).toEqual(['Failed to put record onto stream s: Throttling msg (1 of 1 records; gave up after 2 tries, none sent)']);
  });
});

describe('instance counters: dropped records', () => {
  it('add up droppedOversize', () => {
    const counters = newCounters();
    const outcome = { attempted: 2, delivered: 0, retried: 0, retriedAfterAmbiguous: 0, failed: 0, failedByCode: {}, failedByKind: {}, droppedOversize: 2, truncated: 0, putRecordsCalls: 0, misrouted: 0, deliveredByShard: {} };
    addOutcome(counters, outcome);
    addOutcome(counters, { ...outcome, droppedOversize: 1 });
    expect(counters.droppedOversize).toBe(3);
  });
});
