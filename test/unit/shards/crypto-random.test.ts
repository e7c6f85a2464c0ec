import { afterEach, describe, expect, it, vi } from 'vitest';
import { cryptoRandom } from '../../../src/shards/crypto-random.js';

afterEach(() => vi.restoreAllMocks());

describe('cryptoRandom', () => {
  it('turns the words crypto.getRandomValues gives into [0, 1), fetching them in blocks', () => {
    // Drain whatever the pool holds, then serve known words: 0, 2^31 and 2^32 − 1.
    for (let i = 0; i < 256; i++) cryptoRandom();
    const fill = vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const words = array as unknown as Uint32Array;
      words.fill(0);
      words[1] = 2 ** 31;
      words[2] = 2 ** 32 - 1;
      return array;
    });
    expect([cryptoRandom(), cryptoRandom(), cryptoRandom()]).toEqual([0, 0.5, (2 ** 32 - 1) / 2 ** 32]);
    for (let i = 3; i < 256; i++) cryptoRandom();
    expect(fill).toHaveBeenCalledTimes(1);
    cryptoRandom();
    expect(fill).toHaveBeenCalledTimes(2);
  });

  it('is uniform over many draws', () => {
    const tenths = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) tenths[Math.floor(cryptoRandom() * 10)]++;
    for (const count of tenths) expect(count).toBeGreaterThan(1_800);
  });
});
