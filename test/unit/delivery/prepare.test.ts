import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { maxDataBytes, PARTITION_KEY_RESERVE_BYTES, prepareRecords, TRUNCATION_MARKER, truncateUtf8 } from '../../../src/delivery/prepare.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const MARKER_BYTES = encoder.encode(TRUNCATION_MARKER).length;

describe('truncateUtf8', () => {
  it('returns input that fits unchanged', () => {
    const bytes = encoder.encode('hello');
    expect(truncateUtf8(bytes, 5)).toBe(bytes);
  });

  it('cuts ASCII exactly to the limit, marker included', () => {
    const out = truncateUtf8(encoder.encode('x'.repeat(100)), 40);
    expect(out.length).toBe(40);
    expect(decoder.decode(out)).toBe('x'.repeat(40 - MARKER_BYTES) + TRUNCATION_MARKER);
  });

  it.each([
    ['2-byte é', 'é'],
    ['3-byte 日', '日'],
    ['4-byte 😀', '😀'],
  ])('never splits a %s character, at every cut position', (_name, char) => {
    const bytes = encoder.encode(char.repeat(50));
    for (let limit = MARKER_BYTES; limit < bytes.length; limit++) {
      const out = truncateUtf8(bytes, limit);
      expect(out.length).toBeLessThanOrEqual(limit);
      const text = decoder.decode(out); // throws on a split character
      expect(text.endsWith(TRUNCATION_MARKER)).toBe(true);
      const kept = text.slice(0, -TRUNCATION_MARKER.length);
      expect(kept).toBe(char.repeat([...kept].length));
      // As much as fits: one more character would not.
      expect(encoder.encode(kept).length + encoder.encode(char).length + MARKER_BYTES).toBeGreaterThan(limit);
    }
  });

  it('gives an empty record when not even the marker fits', () => {
    expect(truncateUtf8(encoder.encode('abcdefghijklmnopqrstuvwxyz'), 3).length).toBe(0);
  });
});

describe('prepareRecords', () => {
  const limits = { maxAttempts: 3, retryWindowMs: 0, maxRecordBytes: 1024, maxRequestBytes: 64 * 1024 };

  it('keeps room for the partition key within max_record_bytes', () => {
    expect(maxDataBytes(limits)).toBe(1024 - PARTITION_KEY_RESERVE_BYTES);
    expect(maxDataBytes({ maxRecordBytes: 10 * 1024 * 1024, maxRequestBytes: 5 * 1024 * 1024 })).toBe(5 * 1024 * 1024 - PARTITION_KEY_RESERVE_BYTES);
  });

  it('truncates oversized lines, keeping the whole line for the fallback', async () => {
    const long = 'é'.repeat(1000);
    const prepared = await prepareRecords(['short', long], { ...limits, oversize: 'truncate' });
    expect(prepared.dropped).toEqual([]);
    expect(prepared.records.map((r) => r.truncated)).toEqual([false, true]);
    expect(prepared.records[1].line).toBe(long);
    expect(prepared.records[1].data.length).toBeLessThanOrEqual(768);
    expect(atob(prepared.records[1].base64).length).toBe(prepared.records[1].data.length);
  });

  it('drops oversized lines under oversize=drop, with their size', async () => {
    const prepared = await prepareRecords(['a', 'b'.repeat(769), 'c'.repeat(768)], { ...limits, oversize: 'drop' });
    expect(prepared.records.map((r) => r.index)).toEqual([0, 2]);
    expect(prepared.dropped).toEqual([{ index: 1, line: 'b'.repeat(769), bytes: 769 }]);
  });

  describe('compression = gzip', () => {
    const gzip = { ...limits, oversize: 'truncate' as const, compression: 'gzip' as const };
    const decode = (record: { base64: string }) => gunzipSync(Buffer.from(record.base64, 'base64')).toString('utf8');

    it('sends each line as its own gzip member, which gunzips to the line', async () => {
      const lines = ['{"url":"/a","status":200}', 'Zürich 🦀 '.repeat(50), ''];
      const prepared = await prepareRecords(lines, gzip);
      expect(prepared.records.map(decode)).toEqual(lines);
      expect(prepared.records.every((r) => !r.truncated && r.data[0] === 0x1f && r.data[1] === 0x8b)).toBe(true);
      expect(prepared.records[1].data.length).toBeLessThan(encoder.encode(lines[1]).length / 5);
    });

    it('checks the size after compressing: a line too long as text may fit compressed', async () => {
      const repetitive = 'GET /index.html 200 '.repeat(200); // 4,000 bytes of text, far over 768
      const prepared = await prepareRecords([repetitive], { ...gzip, oversize: 'drop' });
      expect(prepared.dropped).toEqual([]);
      expect(decode(prepared.records[0])).toBe(repetitive);
    });

    it('truncates as text what is still too large compressed, so it still gunzips, marker included', async () => {
      let random = 7;
      const noise = Array.from({ length: 3000 }, () => String.fromCharCode(33 + ((random = (random * 48271) % 2147483647) % 90))).join('');
      const prepared = await prepareRecords([noise], gzip);
      const [record] = prepared.records;
      expect(record.truncated).toBe(true);
      expect(record.data.length).toBeLessThanOrEqual(maxDataBytes(limits));
      const text = decode(record);
      expect(text.endsWith(TRUNCATION_MARKER)).toBe(true);
      expect(noise.startsWith(text.slice(0, -TRUNCATION_MARKER.length))).toBe(true);
    });
  });
});
