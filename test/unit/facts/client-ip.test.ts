/** trusted_upstreams parsing and matching, and the Fastly-Client-IP rule of the first hop (facts/client-ip.ts). */
import { describe, expect, it } from 'vitest';
import { clientIpHeader, isTrustedUpstream, parseTrustedUpstreams } from '../../../src/facts/client-ip.js';

describe('parseTrustedUpstreams / isTrustedUpstream', () => {
  const trusted = parseTrustedUpstreams(' 203.0.113.0/24, 198.51.100.7 ,2001:db8::/32, ::ffff:192.0.2.0/120');

  it.each([
    ['203.0.113.9', true],
    ['203.0.114.9', false],
    ['198.51.100.7', true],
    ['198.51.100.8', false],
    ['2001:db8:1::5', true],
    ['2001:db9::5', false],
    ['::ffff:192.0.2.77', true],
    ['192.0.2.77', false],
    ['not-an-ip', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(isTrustedUpstream(address, trusted)).toBe(expected);
  });

  it('an empty key trusts nobody', () => {
    expect(parseTrustedUpstreams('')).toEqual([]);
    expect(isTrustedUpstream('127.0.0.1', [])).toBe(false);
  });

  it.each(['203.0.113.0/33', '256.1.1.1', '1.2.3', '2001:db8::/129', '1.2.3.4/24/1', 'example.com', '1::2::3'])('refuses %j, naming it', (entry) => {
    expect(() => parseTrustedUpstreams(`10.0.0.1, ${entry}`)).toThrow(`"${entry}" is not an IP address or CIDR range`);
  });
});

describe('parseTrustedUpstreams: the edges of each address form', () => {
  it.each([
    ['255.255.255.255', '255.255.255.255', true],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['203.0.113.255', '203.0.113.255', true],
    ['203.0.113.255', '203.0.113.254', false],
    ['::ffff:203.0.113.255', '::ffff:203.0.113.255', true],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', true],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8', true],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', true],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304', true],
  ])('%s holds %s: %s', (entry, address, expected) => {
    expect(isTrustedUpstream(address, parseTrustedUpstreams(entry))).toBe(expected);
  });

  it.each([
    '256.0.0.0',
    '1.2.3.256',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.4/33',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '1:2:3:4::5:6:7:8',
    '1:2:3:4:5:6:7:8::1::2',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:1.2.3.256',
    '12345::',
    '::/129',
    '1:xyz::1',
    '10.0.0.0/+8',
    '10.0.0.0/1e1',
    '10.0.0.0/0x8',
    '10.0.0.0/8 0',
  ])('refuses %j', (entry) => {
    expect(() => parseTrustedUpstreams(entry)).toThrow(`"${entry}" is not an IP address or CIDR range`);
  });

  it('an address that is not one is never trusted, not even by a range holding everything', () => {
    const everything = parseTrustedUpstreams('0.0.0.0/0, ::/0');
    for (const address of ['256.0.0.1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '', 'unknown']) expect(isTrustedUpstream(address, everything)).toBe(false);
    expect(isTrustedUpstream('255.0.0.1', everything)).toBe(true);
    expect(isTrustedUpstream('1:2:3:4:5:6:7::', everything)).toBe(true);
  });

  it('an IPv4 range never holds an IPv6 address, nor an IPv6 range an IPv4 one', () => {
    expect(isTrustedUpstream('::', parseTrustedUpstreams('0.0.0.0/0'))).toBe(false);
    expect(isTrustedUpstream('::ffff:10.0.0.1', parseTrustedUpstreams('10.0.0.0/8'))).toBe(false);
    expect(isTrustedUpstream('0.0.0.1', parseTrustedUpstreams('::/0'))).toBe(false);
  });
});

describe('clientIpHeader', () => {
  const trusted = parseTrustedUpstreams('10.0.0.0/8');
  it('is client.ip on the first hop, whatever the client sent', () => {
    expect(clientIpHeader('1.2.3.4","x":"', '203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientIpHeader(null, '203.0.113.7', trusted)).toBe('203.0.113.7');
  });
  it('keeps what a trusted upstream sent, and sets client.ip when it sent nothing', () => {
    expect(clientIpHeader('198.51.100.1', '10.1.2.3', trusted)).toBe('198.51.100.1');
    expect(clientIpHeader(null, '10.1.2.3', trusted)).toBe('10.1.2.3');
  });
  it('leaves the request alone without a client address', () => {
    expect(clientIpHeader('1.2.3.4', undefined, trusted)).toBeUndefined();
  });
});
