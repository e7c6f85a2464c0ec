/** Fastly-Orig-Host on the first hop (src/facts/orig-host.ts): the Host the client sent, unless a trusted upstream set it. */
import { describe, expect, it } from 'vitest';
import { origHostHeader } from '../../../src/facts/orig-host.js';

describe('origHostHeader', () => {
  it('is the Host the client sent, whatever Fastly-Orig-Host it sent', () => {
    expect(origHostHeader(null, 'www.example.org', 'http://www.example.org/a', false)).toBe('www.example.org');
    expect(origHostHeader('forged.example', 'www.example.org', 'http://www.example.org/a', false)).toBe('www.example.org');
  });

  it('keeps the one a trusted upstream sent, and sets one when a trusted upstream sent none', () => {
    expect(origHostHeader('www.example.org', 'origin-facing.example', 'http://origin-facing.example/', true)).toBe('www.example.org');
    expect(origHostHeader(null, 'origin-facing.example', 'http://origin-facing.example/', true)).toBe('origin-facing.example');
  });

  it("falls back to the request URL's authority, and leaves the request alone without either", () => {
    expect(origHostHeader(null, null, 'http://shop.example:8080/x', false)).toBe('shop.example:8080');
    expect(origHostHeader(null, '', 'https://shop.example/x', false)).toBe('shop.example');
    expect(origHostHeader(null, null, 'not a url', false)).toBeUndefined();
  });
});
