/** Counters derived from the attempts (delivery/attempt.ts), over several records. */
import { describe, expect, it } from 'vitest';
import { countAttempts, isDelivered, type Attempt } from '../../../src/delivery/attempt.js';

const attempt = (callId: number, fields: Partial<Attempt> = {}): Attempt => ({ callId, sent: true, startMs: 0, endMs: 1, ...fields });

describe('countAttempts', () => {
  it('adds up tries, sent tries, retries and calls over every record', () => {
    const records = [
      { attempts: [attempt(1, { errorCode: 'Timeout' }), attempt(2, { shardId: 's1', targetShardId: 's1' })] },
      { attempts: [attempt(1, { errorCode: 'InternalFailure' }), attempt(3, { sent: false, errorCode: 'BudgetExhausted' })] },
      { attempts: [attempt(2, { shardId: 's2', targetShardId: 's1' })] },
      { attempts: [attempt(4, { shardId: 's3' })] },
    ];
    expect(countAttempts(records)).toEqual({ tries: 6, sent: 5, retried: 1, retriedAfterAmbiguous: 1, putRecordsCalls: 3, misrouted: 1 });
  });

  it('a record with no attempt, or an attempt that failed or never left, is not delivered', () => {
    expect(isDelivered(undefined)).toBe(false);
    expect(isDelivered(attempt(1, { errorCode: 'InternalFailure' }))).toBe(false);
    expect(isDelivered(attempt(1, { sent: false }))).toBe(false);
    expect(isDelivered(attempt(1, { shardId: 's' }))).toBe(true);
  });
});
