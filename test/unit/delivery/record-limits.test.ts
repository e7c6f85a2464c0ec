/** The record and request limits of a delivery to a stream (src/delivery/record-limits.ts). */
import { describe, expect, it } from 'vitest';
import type { DeliveryLimits } from '../../../src/config/index.js';
import { recordLimitsFor } from '../../../src/delivery/record-limits.js';

const MIB = 1024 * 1024;
const DEFAULTS: DeliveryLimits = { maxAttempts: 3, retryWindowMs: 10_000, maxRecordBytes: MIB, recordSizeFromStream: true, maxRequestBytes: 5 * MIB, oversize: 'truncate' };

describe('recordLimitsFor', () => {
  it("without max_record_bytes: the stream's maximum once known, 1 MiB until then", () => {
    expect(recordLimitsFor(DEFAULTS, undefined)).toEqual({ limits: DEFAULTS });
    expect(recordLimitsFor(DEFAULTS, MIB).limits).toBe(DEFAULTS);
    expect(recordLimitsFor(DEFAULTS, 3 * MIB).limits).toMatchObject({ maxRecordBytes: 3 * MIB, maxRequestBytes: 5 * MIB });
  });

  it('calls grow to hold one record of the limit, never past the API’s 10 MiB', () => {
    expect(recordLimitsFor(DEFAULTS, 10 * MIB).limits).toMatchObject({ maxRecordBytes: 10 * MIB, maxRequestBytes: 10 * MIB });
    expect(recordLimitsFor(DEFAULTS, 7 * MIB).limits).toMatchObject({ maxRecordBytes: 7 * MIB, maxRequestBytes: 7 * MIB });
    expect(recordLimitsFor({ ...DEFAULTS, maxRequestBytes: 10 * MIB }, 2 * MIB).limits.maxRequestBytes).toBe(10 * MIB);
  });

  it("max_record_bytes set: believed while the stream's maximum is not known, cut to it once known (and said)", () => {
    const set = { ...DEFAULTS, recordSizeFromStream: false, maxRecordBytes: 8 * MIB, maxRequestBytes: 10 * MIB };
    expect(recordLimitsFor(set, undefined)).toEqual({ limits: set });
    expect(recordLimitsFor(set, 10 * MIB)).toEqual({ limits: set });
    expect(recordLimitsFor(set, 2 * MIB)).toEqual({ limits: { ...set, maxRecordBytes: 2 * MIB }, settingAboveStream: { setting: 8 * MIB, stream: 2 * MIB } });
    const small = { ...DEFAULTS, recordSizeFromStream: false, maxRecordBytes: 64 * 1024 };
    expect(recordLimitsFor(small, 10 * MIB)).toEqual({ limits: small });
  });
});
