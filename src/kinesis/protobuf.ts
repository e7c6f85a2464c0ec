/**
 * The small part of the protobuf wire format the KPL aggregated record needs: varints and
 * length-delimited fields (https://protobuf.dev/programming-guides/encoding/).
 *
 * Owns: exact encoded sizes (so callers can account bytes without encoding) and a writer over a
 * buffer allocated once at the exact size. Does not own: any message schema (see kpl-record.ts),
 * decoding, signed/zigzag integers, fixed32/64 or field numbers above 15.
 */

export const WIRE_TYPE_VARINT = 0;
export const WIRE_TYPE_LENGTH_DELIMITED = 2;

/** Largest value the number-based varint code handles exactly. */
const MAX_VARINT_VALUE = Number.MAX_SAFE_INTEGER;

/** Bytes the base-128 varint of a non-negative integer takes (1 for 0..127, 2 up to 16383, ...). */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  let rest = Math.floor(value / 0x10000000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 0x80);
  }
  return size;
}

/** A field key (field number and wire type) is one byte for field numbers 1..15. */
export const FIELD_KEY_BYTES = 1;

/** Bytes a length-delimited field takes in total: key, length varint, payload. */
export function lengthDelimitedFieldSize(payloadBytes: number): number {
  return FIELD_KEY_BYTES + varintSize(payloadBytes) + payloadBytes;
}

/** Bytes a varint field takes in total: key and value. */
export function varintFieldSize(value: number): number {
  return FIELD_KEY_BYTES + varintSize(value);
}

/**
 * Writes into a buffer of a size known in advance. `finish()` checks that exactly that many
 * bytes were written, so a wrong size computation fails loudly instead of producing a truncated
 * or zero-padded message.
 */
export class ProtobufWriter {
  readonly bytes: Uint8Array;
  private offset: number;

  constructor(size: number, prefixBytes = 0) {
    this.bytes = new Uint8Array(size);
    this.offset = prefixBytes;
  }

  get position(): number {
    return this.offset;
  }

  /** Raw bytes, no key or length (for a message's outer framing such as a magic number). */
  raw(bytes: Uint8Array): this {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  varint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT_VALUE) {
      throw new RangeError(`protobuf varint: ${value} is not a non-negative safe integer`);
    }
    const out = this.bytes;
    let rest = value;
    while (rest >= 0x80) {
      out[this.offset++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    out[this.offset++] = rest;
    return this;
  }

  fieldKey(fieldNumber: number, wireType: number): this {
    if (fieldNumber < 1 || fieldNumber > 15) throw new RangeError(`protobuf field number ${fieldNumber} needs a multi-byte key`);
    this.bytes[this.offset++] = (fieldNumber << 3) | wireType;
    return this;
  }

  varintField(fieldNumber: number, value: number): this {
    return this.fieldKey(fieldNumber, WIRE_TYPE_VARINT).varint(value);
  }

  bytesField(fieldNumber: number, payload: Uint8Array): this {
    return this.fieldKey(fieldNumber, WIRE_TYPE_LENGTH_DELIMITED).varint(payload.length).raw(payload);
  }

  /** Starts an embedded message whose encoded length the caller already knows. */
  messageHeader(fieldNumber: number, messageBytes: number): this {
    return this.fieldKey(fieldNumber, WIRE_TYPE_LENGTH_DELIMITED).varint(messageBytes);
  }

  /** The filled buffer; throws if fewer or more bytes were written than allocated. */
  finish(): Uint8Array {
    if (this.offset !== this.bytes.length) {
      throw new Error(`protobuf writer: wrote ${this.offset} bytes into a buffer of ${this.bytes.length}`);
    }
    return this.bytes;
  }
}
