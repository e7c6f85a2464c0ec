/** Record ids and partition keys fitted to Kinesis's 1–256 characters and delivery's 256-byte room. */
import { describe, expect, it } from 'vitest';
import { fitPartitionKey, recordId } from '../../../src/kinesis/keys.js';
import { MAX_PARTITION_KEY_LENGTH } from '../../../src/kinesis/limits.js';

const bytes = (s: string) => new TextEncoder().encode(s).length;

describe('fitPartitionKey', () => {
  it('keeps a key that fits, cuts a longer one at 256 bytes on a character boundary', () => {
    expect(fitPartitionKey('tenant-42')).toBe('tenant-42');
    expect(fitPartitionKey('a'.repeat(300))).toBe('a'.repeat(256));
    const accented = fitPartitionKey('é'.repeat(200)); // 2 bytes each
    expect(accented).toBe('é'.repeat(128));
    const emoji = fitPartitionKey(`${'x'.repeat(254)}😀`); // the pair (4 bytes) does not fit: cut before it, not inside
    expect(emoji).toBe('x'.repeat(254));
    for (const key of [accented, emoji, fitPartitionKey('€'.repeat(100))]) {
      expect(bytes(key)).toBeLessThanOrEqual(MAX_PARTITION_KEY_LENGTH);
      expect([...key].length).toBeLessThanOrEqual(MAX_PARTITION_KEY_LENGTH);
      expect(key).not.toMatch(/[\uD800-\uDFFF](?![\uDC00-\uDFFF])/u);
    }
  });

  it('answers the empty string when nothing is left (delivery then sends the record id)', () => {
    expect(fitPartitionKey('')).toBe('');
  });
});

describe('recordId', () => {
  it('is <request id>-<n>, within 256 bytes whatever the request id, and distinct for distinct lines', () => {
    expect(recordId('3f2a9c', 0)).toBe('3f2a9c-0');
    const long = recordId('r'.repeat(1000), 123456);
    expect(long.endsWith('-123456')).toBe(true);
    expect(bytes(long)).toBeLessThanOrEqual(MAX_PARTITION_KEY_LENGTH);
    expect(recordId('r'.repeat(1000), 1)).not.toBe(recordId('r'.repeat(1000), 2));
  });
});
