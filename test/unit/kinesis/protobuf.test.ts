import { describe, expect, it } from 'vitest';
import {
  ProtobufWriter,
  lengthDelimitedFieldSize,
  varintFieldSize,
  varintSize,
} from '../../../src/kinesis/protobuf.js';

function encodeVarint(value: number): number[] {
  const writer = new ProtobufWriter(varintSize(value));
  return [...writer.varint(value).finish()];
}

describe('protobuf varints', () => {
  // Examples from https://protobuf.dev/programming-guides/encoding/
  it.each([
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [150, [0x96, 0x01]],
    [300, [0xac, 0x02]],
    [16383, [0xff, 0x7f]],
    [16384, [0x80, 0x80, 0x01]],
    [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    [Number.MAX_SAFE_INTEGER, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('encodes %d', (value, bytes) => {
    expect(encodeVarint(value)).toEqual(bytes);
  });

  it('varintSize agrees with the writer at every 7-bit boundary', () => {
    for (let bits = 0; bits <= 53; bits++) {
      for (const value of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1]) {
        if (value > Number.MAX_SAFE_INTEGER) continue;
        expect(varintSize(value), `value ${value}`).toBe(encodeVarint(value).length);
      }
    }
  });

  it('refuses negative, fractional and unsafe values', () => {
    for (const value of [-1, 1.5, 2 ** 53, Number.NaN]) {
      expect(() => new ProtobufWriter(10).varint(value)).toThrow(RangeError);
    }
  });
});

describe('ProtobufWriter', () => {
  it('writes fields with one-byte keys', () => {
    const payload = new Uint8Array([1, 2, 3]);
    const size = varintFieldSize(150) + lengthDelimitedFieldSize(payload.length);
    const bytes = new ProtobufWriter(size).varintField(1, 150).bytesField(3, payload).finish();
    expect([...bytes]).toEqual([0x08, 0x96, 0x01, 0x1a, 0x03, 1, 2, 3]);
  });

  it('finish() fails when fewer bytes were written than allocated', () => {
    expect(() => new ProtobufWriter(3).varint(1).finish()).toThrow(/wrote 1 bytes into a buffer of 3/);
  });

  it('finish() fails when the size was underestimated', () => {
    expect(() => new ProtobufWriter(1).varint(300).finish()).toThrow(/wrote 2 bytes into a buffer of 1/);
  });

  it('refuses field numbers that need a multi-byte key', () => {
    expect(() => new ProtobufWriter(4).fieldKey(16, 0)).toThrow(RangeError);
  });
});
