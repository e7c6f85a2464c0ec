import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadedService, DEFAULT_SOURCE } from '../../../src/handler/endpoints.js';
import { warmUp, warmUpOutcome } from '../../../src/handler/warm-up.js';
import { compileFormat } from '../../../src/format/index.js';
import { WARM_UP_FACTS, WARMED_UP_FORMATS } from '../../../src/format/warm-up.js';
import { cryptoRandom } from '../../../src/shards/crypto-random.js';

afterEach(() => vi.restoreAllMocks());

/** What the runtime refuses at build time (Wizer): `The Request builtin can only be used during request handling`. */
function refuseOutsideRequests() {
  const refused = () => {
    throw new TypeError('refused outside a request (as at build time)');
  };
  vi.spyOn(globalThis, 'Request').mockImplementation(refused);
  vi.spyOn(globalThis, 'Response').mockImplementation(refused);
  vi.spyOn(globalThis, 'fetch').mockImplementation(refused);
}

describe('build-time warm-up', () => {
  it('runs to its end without Request, Response or fetch, draws no randomness and loads no configuration', async () => {
    refuseOutsideRequests();
    const randomValues = vi.spyOn(crypto, 'getRandomValues');
    const mathRandom = vi.spyOn(Math, 'random');
    await warmUp();
    expect(warmUpOutcome()).toBe('done');
    // The snapshot is every sandbox's start: anything drawn here would be drawn alike by all of them.
    expect(randomValues).not.toHaveBeenCalled();
    expect(mathRandom).not.toHaveBeenCalled();
    expect(loadedService(DEFAULT_SOURCE)).toBeUndefined();
    // The shard picker's pool is still to be filled, from the sandbox's own draw.
    cryptoRandom();
    expect(randomValues).toHaveBeenCalledTimes(1);
  });

  it('renders every part of the formats it compiles, so all their renderers run', () => {
    for (const source of WARMED_UP_FORMATS) {
      const failed: number[] = [];
      compileFormat(source).render(WARM_UP_FACTS, (_error, part) => failed.push(part));
      expect(failed).toEqual([]);
    }
  });

  it('compiles no pattern on RE2, so the standalone build keeps re2js as text (re2js-deferred.ts)', async () => {
    // Fresh modules: the compile caches of earlier tests would hide a compile.
    vi.resetModules();
    const { RE2JS } = await import('re2js');
    const fresh = await import('../../../src/handler/warm-up.js');
    const format = await import('../../../src/format/index.js');
    const compiledOnRe2 = vi.spyOn(RE2JS, 'compile');
    await fresh.warmUp();
    expect(fresh.warmUpOutcome()).toBe('done');
    expect(compiledOnRe2).not.toHaveBeenCalled();
    // The spy does see a pattern on RE2 (the native engine cannot prove `^(a+)+$` linear).
    format.compileFormat('%{regsub(req.url, "^(a+)+$", "x")}V');
    expect(compiledOnRe2).toHaveBeenCalled();
  });

  it('keeps a failure for the admin page instead of throwing', async () => {
    vi.spyOn(crypto.subtle, 'importKey').mockRejectedValue(new Error('no crypto at build time'));
    await expect(warmUp()).resolves.toBeUndefined();
    expect(warmUpOutcome()).toBe('failed: no crypto at build time');
  });
});
