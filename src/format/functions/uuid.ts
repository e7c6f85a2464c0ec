/**
 * UUID functions (https://www.fastly.com/documentation/reference/vcl/functions/uuid/): the
 * RFC 4122 namespace constants uuid.dns, uuid.url, uuid.oid, uuid.x500; name-based
 * uuid.version3 (MD5) and uuid.version5 (SHA-1); random uuid.version4; time-ordered uuid.version7
 * (RFC 9562 §5.7); and the checks uuid.is_valid, uuid.is_version3/4/5/7.
 *
 * Owns: their layout (version and variant bits, lower-case 8-4-4-4-12 text). Random bits come
 * from the render's input (`ctx.randomBytes`); uuid.version7's timestamp is the request's end
 * (`time.end`, which is also `now` here), so a line's UUID sorts with its time.
 * A namespace that is not a UUID makes uuid.version3/5 set EINVAL and return not set.
 */
import { md5 } from '../../hash/md5.js';
import { sha1 } from '../../hash/sha1.js';
import { utf8Bytes } from '../text-escapes.js';
import { argText } from '../coercion.js';
import { NO_NEWLINES } from '../newlines.js';
import { hex } from './digest.js';
import { predicate, type FunctionDef } from './define.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The text of 16 bytes with the given version and the RFC 4122 variant. */
function format(bytes: Uint8Array, version: number): string {
  bytes[6] = (bytes[6] & 0x0f) | (version << 4);
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function uuidBytes(text: string): Uint8Array | null {
  if (!UUID.test(text)) return null;
  const h = text.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));
}

function constant(text: string): FunctionDef {
  return { params: [], minArgs: 0, pure: true, newlineRisk: NO_NEWLINES, returns: 'STRING', build: () => () => text };
}

function nameBased(version: 3 | 5): FunctionDef {
  const hash = version === 3 ? md5 : sha1;
  return {
    params: ['STRING', 'STRING'],
    minArgs: 2,
    pure: true,
    newlineRisk: NO_NEWLINES,
    returns: 'STRING',
    build: ([namespaceArg, nameArg]) => {
      const namespace = argText(namespaceArg);
      const name = argText(nameArg);
      return (ctx) => {
        const ns = uuidBytes(namespace(ctx));
        if (!ns) {
          ctx.fastlyError = 'EINVAL';
          return null;
        }
        const nameBytes = utf8Bytes(name(ctx));
        const input = new Uint8Array(16 + nameBytes.length);
        input.set(ns);
        input.set(nameBytes, 16);
        return format(hash(input).slice(0, 16), version);
      };
    },
  };
}

const version4: FunctionDef = {
  params: [],
  minArgs: 0,
  newlineRisk: NO_NEWLINES,
  returns: 'STRING',
  build: () => (ctx) => format(ctx.randomBytes(16), 4),
};

const version7: FunctionDef = {
  params: [],
  minArgs: 0,
  newlineRisk: NO_NEWLINES,
  returns: 'STRING',
  reads: ['timeEndUs'],
  build: () => (ctx) => {
    const bytes = ctx.randomBytes(16);
    let ms = Math.floor(ctx.facts.timeEndUs / 1000);
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    return format(bytes, 7);
  },
};

const isVersion = (version: number): FunctionDef =>
  predicate((s) => UUID.test(s) && parseInt(s[14], 16) === version && /[89ab]/i.test(s[19]));

export const UUID_FUNCTIONS: Record<string, FunctionDef> = {
  'uuid.dns': constant('6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
  'uuid.url': constant('6ba7b811-9dad-11d1-80b4-00c04fd430c8'),
  'uuid.oid': constant('6ba7b812-9dad-11d1-80b4-00c04fd430c8'),
  'uuid.x500': constant('6ba7b814-9dad-11d1-80b4-00c04fd430c8'),
  'uuid.version3': nameBased(3),
  'uuid.version4': version4,
  'uuid.version5': nameBased(5),
  'uuid.version7': version7,
  'uuid.is_valid': predicate((s) => UUID.test(s)),
  'uuid.is_version3': isVersion(3),
  'uuid.is_version4': isVersion(4),
  'uuid.is_version5': isVersion(5),
  'uuid.is_version7': isVersion(7),
};
