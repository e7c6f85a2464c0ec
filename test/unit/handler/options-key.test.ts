/** The structural key that lets identical library options share one instance (handler/options-key.ts). */
import { describe, expect, it } from 'vitest';
import { optionsKey } from '../../../src/handler/options-key.js';

describe('optionsKey', () => {
  it('is equal for options that say the same, however they were built', () => {
    const a = { endpoints: { main: { stream_name: 'logs', region: 'us-east-1', period: 60 } }, stores: { kv: 'state' } };
    const b = { stores: { kv: 'state', secrets: undefined }, endpoints: { main: { period: 60, region: 'us-east-1', stream_name: 'logs' } } };
    expect(optionsKey(a)).toBe(optionsKey(b));
    expect(optionsKey({})).toBe(optionsKey({ endpoints: undefined }));
  });

  it('differs for any different value, type or order of a list', () => {
    const base = optionsKey({ endpoints: { main: { period: 60 } } });
    expect(optionsKey({ endpoints: { main: { period: '60' } } })).not.toBe(base);
    expect(optionsKey({ endpoints: { main: { period: 61 } } })).not.toBe(base);
    expect(optionsKey({ endpoints: { other: { period: 60 } } })).not.toBe(base);
    expect(optionsKey([1, 2])).not.toBe(optionsKey([2, 1]));
    expect(optionsKey({ a: null })).not.toBe(optionsKey({ a: 'null' }));
  });

  it('compares functions and class instances by identity', () => {
    const f = () => 1;
    expect(optionsKey({ hook: f })).toBe(optionsKey({ hook: f }));
    expect(optionsKey({ hook: f })).not.toBe(optionsKey({ hook: () => 1 }));
    const when = new Date(0);
    expect(optionsKey({ at: when })).toBe(optionsKey({ at: when }));
    expect(optionsKey({ at: when })).not.toBe(optionsKey({ at: new Date(0) }));
  });
});
