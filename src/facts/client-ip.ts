/**
 * Who the client is: `Fastly-Client-IP` on the first hop, and the trusted upstreams whose
 * `Fastly-Client-IP` is believed.
 *
 * Owns: parsing the `trusted_upstreams` service key (comma-separated IPv4/IPv6 addresses and CIDR
 * ranges: `203.0.113.0/24, 2001:db8::/32`), matching an address against it, and the rule
 * `clientIpHeader`: the value the request's `Fastly-Client-IP` must have.
 *
 * Fastly adds `Fastly-Client-IP` (= client.ip) only when a request arrives without one, and keeps
 * one the client sent; its documentation tells services to overwrite it on the first hop
 * (`if (fastly.ff.visits_this_service == 0) { set req.http.Fastly-Client-IP = client.ip; }`,
 * https://www.fastly.com/documentation/reference/http/http-headers/Fastly-Client-IP). A Compute
 * edge is always the first hop of this service, so the app always does so, unless the immediate
 * client (client.ip) is a configured trusted upstream (a proxy or CDN in front that sets the
 * header itself): then a header it sent is kept.
 */

export interface AddressRange {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefixLength: number;
}

export type TrustedUpstreams = readonly AddressRange[];

/** An entry of `trusted_upstreams` that is not an address or range; `index` counts entries from 0. */
export class TrustedUpstreamError extends Error {
  constructor(
    readonly entry: string,
    readonly index: number,
  ) {
    super(`"${entry}" is not an IP address or CIDR range (${TRUSTED_UPSTREAM_EXAMPLES})`);
    this.name = 'TrustedUpstreamError';
  }
}

export const TRUSTED_UPSTREAM_EXAMPLES = 'such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32';

/** Parses `trusted_upstreams`; throws TrustedUpstreamError for the first entry that is not an address or range. */
export function parseTrustedUpstreams(text: string): TrustedUpstreams {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const [address, prefix, extra] = entry.split('/');
      const parsed = parseAddress(address);
      const bits = parsed?.family === 4 ? 32 : 128;
      const prefixLength = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (!parsed || extra !== undefined || !(prefixLength >= 0 && prefixLength <= bits)) {
        throw new TrustedUpstreamError(entry, index);
      }
      return { family: parsed.family, network: mask(parsed.value, prefixLength, bits), prefixLength };
    });
}

export function isTrustedUpstream(address: string | undefined, trusted: TrustedUpstreams): boolean {
  if (!address || trusted.length === 0) return false;
  const parsed = parseAddress(address);
  if (!parsed) return false;
  return trusted.some(
    (range) => range.family === parsed.family && mask(parsed.value, range.prefixLength, parsed.family === 4 ? 32 : 128) === range.network,
  );
}

/**
 * The `Fastly-Client-IP` the request must carry: the one received when `clientIp` is a trusted
 * upstream that sent one, else `clientIp` (undefined: leave the request as it is).
 */
export function clientIpHeader(received: string | null, clientIp: string | undefined, trusted: TrustedUpstreams): string | undefined {
  if (received !== null && isTrustedUpstream(clientIp, trusted)) return received;
  return clientIp || undefined;
}

function mask(value: bigint, prefixLength: number, bits: number): bigint {
  const hostBits = BigInt(bits - prefixLength);
  return (value >> hostBits) << hostBits;
}

function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] | undefined => {
    if (half === '') return [];
    const items = half.split(':');
    const last = items.at(-1) as string;
    // An embedded IPv4 address (::ffff:192.0.2.1) stands for the last two groups.
    if (last.includes('.')) {
      const v4 = parseIpv4(last);
      if (v4 === undefined) return undefined;
      items.splice(-1, 1, ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
    }
    return items.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? items : undefined;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
