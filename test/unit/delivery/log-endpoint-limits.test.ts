/** The log_endpoint destination's line limit (delivery/log-endpoints.ts): max_record_bytes, oversize, and their counters. */
import { describe, expect, it } from 'vitest';
import type { LogEndpointConfig } from '../../../src/config/index.js';
import { createLogEndpointWriter } from '../../../src/delivery/log-endpoints.js';
import { TRUNCATION_MARKER } from '../../../src/delivery/prepare.js';

function endpoint(name: string, maxRecordBytes: number, oversize: 'truncate' | 'drop'): LogEndpointConfig {
  return { name, destination: 'log_endpoint', logEndpoint: `${name}_log`, line: { maxRecordBytes, oversize } } as unknown as LogEndpointConfig;
}

function writer() {
  const written = new Map<string, string[]>();
  const notices: string[] = [];
  const w = createLogEndpointWriter(
    (name) => ({ log: (line) => void written.set(name, [...(written.get(name) ?? []), line]) }),
    (line) => notices.push(line),
  );
  return { w, written, notices };
}

describe('log_endpoint lines', () => {
  it('writes a line of exactly max_record_bytes whole, and cuts a longer one at a character boundary, marked', () => {
    const { w, written, notices } = writer();
    const cut = endpoint('cut', 40, 'truncate');
    w.write(cut, ['x'.repeat(40), 'é'.repeat(30)]);
    const [whole, truncated] = written.get('cut_log')!;
    expect(whole).toBe('x'.repeat(40));
    expect(truncated.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(new TextEncoder().encode(truncated).length).toBeLessThanOrEqual(40);
    expect(truncated).not.toContain('\ufffd');
    expect(w.stats()).toMatchObject({ cut: { logEndpoint: 'cut_log', written: 2, truncated: 1, droppedOversize: 0 } });
    expect(notices).toEqual([]);
  });

  it('drops a longer line with oversize = drop, counts it, and says so once per instance', () => {
    const { w, written, notices } = writer();
    const drop = endpoint('drop', 10, 'drop');
    w.write(drop, ['short', 'far too long a line']);
    w.write(drop, ['another line too long']);
    expect(written.get('drop_log')).toEqual(['short']);
    expect(w.stats().drop).toMatchObject({ logEndpoint: 'drop_log', written: 1, truncated: 0, droppedOversize: 2 });
    expect(new Set(notices)).toEqual(new Set(['compute-kinesis-logger: drop: a line over max_record_bytes (10) was dropped (oversize=drop); dropped lines are counted on the admin page']));
  });

  it('keeps counters per endpoint across writes', () => {
    const { w } = writer();
    w.write(endpoint('a', 100, 'truncate'), ['1', '2']);
    w.write(endpoint('b', 100, 'truncate'), ['3']);
    w.write(endpoint('a', 100, 'truncate'), ['4']);
    expect(Object.fromEntries(Object.entries(w.stats()).map(([name, c]) => [name, c.written]))).toEqual({ a: 3, b: 1 });
  });
});
