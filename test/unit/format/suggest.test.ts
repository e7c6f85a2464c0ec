/** "Did you mean": close names only, transpositions count as one edit, ties listed. */
import { describe, expect, it } from 'vitest';
import { closestNames, didYouMean } from '../../../src/format/suggest.js';

const NAMES = ['req.url', 'req.xid', 'req.proto', 'resp.status', 'client.geo.country_code', 'client.geo.country_name'];

describe('closestNames', () => {
  it.each([
    ['req.ulr', ['req.url']],
    ['req.prto', ['req.proto']],
    ['resp.stauts', ['resp.status']],
    ['client.geo.country_cod', ['client.geo.country_code']],
    ['REQ.URL', ['req.url']],
    ['req.foo', []],
    ['resp.code', []],
    ['client.geo.country', []],
  ])('%s → %j', (name, expected) => {
    expect(closestNames(name, NAMES)).toEqual(expected);
  });

  it('lists ties alphabetically, at most three', () => {
    expect(closestNames('ab', ['ax', 'ay', 'az', 'aw'])).toEqual(['aw', 'ax', 'ay']);
  });

  it('words the hint', () => {
    expect(didYouMean('req.ulr', NAMES)).toBe('; did you mean req.url?');
    expect(didYouMean('ab', ['ax', 'ay'])).toBe('; did you mean ax or ay?');
    expect(didYouMean('zzzzzz', NAMES)).toBe('');
  });
});
