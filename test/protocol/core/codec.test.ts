// Reader/Writer: round-trips, bounds, and fuzzing that only DecodeError ever escapes.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { Reader } from '../../../protocol/core/reader.ts';
import { EncodeLimitError, Writer } from '../../../protocol/core/writer.ts';

type Field =
  | { kind: 'u8'; value: number }
  | { kind: 'u16'; value: number }
  | { kind: 'u32'; value: number }
  | { kind: 'u64'; value: bigint }
  | { kind: 'bytes16'; value: Uint8Array }
  | { kind: 'string8'; value: string };

const fieldArbitrary: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((value) => ({ kind: 'u8' as const, value })),
  fc.integer({ min: 0, max: 0xffff }).map((value) => ({ kind: 'u16' as const, value })),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((value) => ({ kind: 'u32' as const, value })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value) => ({ kind: 'u64' as const, value })),
  fc.uint8Array({ maxLength: 300 }).map((value) => ({ kind: 'bytes16' as const, value })),
  fc.string({ maxLength: 40 }).filter((s) => new TextEncoder().encode(s).byteLength <= 255).map((value) => ({ kind: 'string8' as const, value })),
);

function encode(fields: Field[]): Uint8Array {
  const writer = new Writer(1 << 20);
  for (const field of fields) {
    switch (field.kind) {
      case 'u8': writer.u8(field.value); break;
      case 'u16': writer.u16(field.value); break;
      case 'u32': writer.u32(field.value); break;
      case 'u64': writer.u64(field.value); break;
      case 'bytes16': writer.bytesPrefixed16(field.value); break;
      case 'string8': writer.string8(field.value); break;
    }
  }
  return writer.finish();
}

function decode(bytes: Uint8Array, shape: Field[]): Field[] {
  const reader = new Reader(bytes);
  const out = shape.map((field): Field => {
    switch (field.kind) {
      case 'u8': return { kind: 'u8', value: reader.u8() };
      case 'u16': return { kind: 'u16', value: reader.u16() };
      case 'u32': return { kind: 'u32', value: reader.u32() };
      case 'u64': return { kind: 'u64', value: reader.u64() };
      case 'bytes16': return { kind: 'bytes16', value: reader.bytesPrefixed16(1000) };
      case 'string8': return { kind: 'string8', value: reader.string8(255) };
    }
  });
  reader.end();
  return out;
}

describe('Reader/Writer', () => {
  test.prop([fc.array(fieldArbitrary, { maxLength: 30 })])('every field sequence round-trips exactly', (fields) => {
    expect(decode(encode(fields), fields)).toEqual(fields);
  });

  test.prop([fc.array(fieldArbitrary, { minLength: 1, maxLength: 20 }), fc.nat()])(
    'any truncation of a valid message is a DecodeError, never another exception',
    (fields, cut) => {
      const bytes = encode(fields);
      const truncated = bytes.subarray(0, cut % Math.max(1, bytes.byteLength));
      expect(() => decode(truncated, fields)).toThrow(DecodeError);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.array(fieldArbitrary, { maxLength: 10 })])(
    'random bytes decode or fail only with DecodeError',
    (bytes, shape) => {
      try {
        decode(bytes, shape);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
      }
    },
  );

  it('enforces declared length limits and reports the field', () => {
    const bytes = new Writer().bytesPrefixed16(new Uint8Array(50)).finish();
    try {
      new Reader(bytes).bytesPrefixed16(10, 'payload');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).reason).toBe('oversize');
      expect((error as DecodeError).field).toBe('payload');
    }
  });

  it('rejects trailing bytes and invalid UTF-8', () => {
    expect(() => new Reader(new Uint8Array([1, 2])).end()).toThrow(/trailing/);
    expect(() => new Reader(new Uint8Array([2, 0xc3, 0x28])).string8(10)).toThrow(/invalid/);
  });

  it('refuses to write past its limit', () => {
    const writer = new Writer(4);
    writer.u32(1);
    expect(() => writer.u8(1)).toThrow(EncodeLimitError);
    expect(writer.finish()).toEqual(new Uint8Array([0, 0, 0, 1]));
  });

  it('patches a length written after the body', () => {
    const writer = new Writer().u16(0).u32(7);
    writer.patchU16(0, 4);
    expect([...writer.finish()]).toEqual([0, 4, 0, 0, 0, 7]);
  });
});
