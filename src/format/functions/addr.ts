/**
 * addr.* functions (https://www.fastly.com/documentation/reference/vcl/functions/addr/):
 * addr.is_ipv4, addr.is_ipv6, addr.extract_bits.
 *
 * Owns: their reading of an IP argument (an IP value such as client.ip, or a STRING in the
 * standard form; anything else is neither IPv4 nor IPv6) and addr.extract_bits' bit numbering:
 * bit 0 is the address's least significant bit, an IPv4 address counts as 128 bits with zeros
 * above its 32, and at most 32 bits are taken ([I] the falco simulator's reading of the page).
 * A range outside that (bit_count > 32, start_bit + bit_count > 128, or a negative value), or
 * an argument that is not an address, sets EINVAL and is not set.
 */
import { argText, numberArg } from '../coercion.js';
import { parseIp } from '../ip.js';
import type { FunctionDef } from './define.js';

function family(length: 4 | 16): FunctionDef {
  return {
    params: ['IP'],
    minArgs: 1,
    pure: true,
    returns: 'BOOL',
    build: ([a]) => {
      const text = argText(a);
      return (ctx) => parseIp(text(ctx))?.length === length;
    },
  };
}

const extractBits: FunctionDef = {
  params: ['IP', 'INTEGER', 'INTEGER'],
  minArgs: 3,
  pure: true,
  returns: 'INTEGER',
  build: ([ipArg, startArg, countArg]) => {
    const text = argText(ipArg);
    const start = numberArg(startArg, 'INTEGER');
    const count = numberArg(countArg, 'INTEGER');
    return (ctx) => {
      const bytes = parseIp(text(ctx));
      const s = start(ctx) ?? 0;
      const n = count(ctx) ?? 0;
      if (!bytes || s < 0 || n < 0 || n > 32 || s + n > 128) {
        ctx.fastlyError = 'EINVAL';
        return null;
      }
      let value = 0n;
      for (const b of bytes) value = (value << 8n) | BigInt(b);
      return Number((value >> BigInt(s)) & ((1n << BigInt(n)) - 1n));
    };
  },
};

export const ADDR_FUNCTIONS: Record<string, FunctionDef> = {
  'addr.is_ipv4': family(4),
  'addr.is_ipv6': family(16),
  'addr.extract_bits': extractBits,
};
