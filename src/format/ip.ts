/**
 * IP addresses as text and as bytes, for std.str2ip, std.anystr2ip, std.ip2str and addr.*.
 *
 * Owns: parsing the standard numeric forms (dotted-quad IPv4, RFC 4291 IPv6 with `::` and an
 * embedded IPv4 tail), the loose inet_aton form std.anystr2ip accepts (hex `0x…`, octal `0…`,
 * fewer than four parts), and the canonical text of an address (RFC 5952 for IPv6: lower case,
 * the longest run of two or more zero groups as `::`).
 * Does not own: where addresses come from (client.ip, headers) or VCL's IP type (values.ts: an IP
 * value is its text).
 */

/** An address: 4 bytes (IPv4) or 16 (IPv6). */
export type IpBytes = Uint8Array;

const DECIMAL_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Dotted-quad IPv4 in its standard form (no leading zeros), or null. */
function parseIpv4(text: string): IpBytes | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => DECIMAL_OCTET.test(p))) return null;
  return Uint8Array.from(parts, Number);
}

function parseIpv6(text: string): IpBytes | null {
  if (text.includes('%')) return null; // zone ids are not addresses
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** The standard numeric forms (std.str2ip): `192.0.2.2`, `2001:db8::1`; null otherwise. */
export function parseIp(text: string): IpBytes | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** One inet_aton number: `0x…` hex, `0…` octal, else decimal; null when it is none of these. */
function looseNumber(part: string): number | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(part)) return parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9]\d*$/.test(part)) return Number(part);
  return null;
}

/**
 * std.anystr2ip's forms: IPv6 as in parseIp, or IPv4 as one to four hex/octal/decimal numbers, the
 * last filling the remaining bytes (`0x8.010.2056` is 8.8.8.8), as inet_aton reads them.
 */
export function parseLooseIp(text: string): IpBytes | null {
  if (text.includes(':')) return parseIpv6(text);
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const numbers = parts.map(looseNumber);
  if (numbers.some((n) => n === null)) return null;
  const values = numbers as number[];
  const lastBytes = 5 - values.length;
  const last = values[values.length - 1];
  if (values.slice(0, -1).some((v) => v > 255) || last >= 2 ** (8 * lastBytes)) return null;
  const bytes = new Uint8Array(4);
  values.slice(0, -1).forEach((v, i) => (bytes[i] = v));
  for (let i = 0; i < lastBytes; i++) bytes[3 - i] = Math.floor(last / 2 ** (8 * i)) & 0xff;
  return bytes;
}

/** The canonical text: dotted quad, or RFC 5952 IPv6. */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // The longest run of zero groups (two or more; the first such run on a tie) becomes `::`.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
