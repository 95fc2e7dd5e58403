// The typed-connection codecs: the safe value codec round-trips plain data, refuses classes,
// functions and __proto__ keys, bounds depth; typed frames round-trip with explicit booleans
// (peerpy's `bool("False") == True` cannot happen: strict=false travels as a cleared bit), and
// any bytes decode or raise DecodeError.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { utf8 } from '../../../protocol/core/bytes.ts';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { decodeFrame, encodeFrame, NAME_BYTES_MAX, REASON_BYTES_MAX, type TypedFrame } from '../../../protocol/typed/typed-wire.ts';
import { decodeValue, encodeValue, ValueEncodeError, VALUE_DEPTH_MAX, type Value } from '../../../protocol/typed/value-codec.ts';

const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
    fc.string(),
    fc.uint8Array({ maxLength: 32 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => k !== '__proto__'), tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('value codec', () => {
  fcTest.prop([value])('round trips plain values', (v) => {
    expect(decodeValue(encodeValue(v, 1 << 20))).toEqual(v);
  });

  fcTest.prop([fc.uint8Array({ maxLength: 200 })])('random bytes decode or raise DecodeError', (bytes) => {
    try {
      decodeValue(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
    }
  });

  it('refuses what is not plain data, and __proto__ keys on the wire', () => {
    expect(() => encodeValue(new Date(0) as unknown as Value, 1024)).toThrow(ValueEncodeError);
    expect(() => encodeValue((() => 1) as unknown as Value, 1024)).toThrow(ValueEncodeError);
    // An object with one key "__proto__" (tag 9, count 1, key length 9, key, then null).
    const evil = Uint8Array.from([9, 0, 0, 0, 1, 0, 0, 0, 9, ...utf8('__proto__'), 0]);
    expect(() => decodeValue(evil)).toThrow(/__proto__/);
    let deep: Value = null;
    for (let i = 0; i <= VALUE_DEPTH_MAX + 1; i++) deep = [deep];
    expect(() => encodeValue(deep, 1 << 16)).toThrow(ValueEncodeError);
  });

  it('refuses an array count the message cannot hold before allocating', () => {
    expect(() => decodeValue(Uint8Array.from([8, 0xff, 0xff, 0xff, 0xff]))).toThrow(DecodeError);
  });
});

const frame: fc.Arbitrary<TypedFrame> = fc.oneof(
  fc.record({
    kind: fc.constant('hello' as const),
    name: fc.string({ maxLength: 20 }),
    options: fc.record({ dataType: fc.constantFrom('json' as const, 'bytes' as const, 'value' as const), strict: fc.boolean(), stream: fc.boolean(), dataSize: fc.oneof(fc.constant('auto' as const), fc.integer({ min: 1, max: 1 << 20 })) }),
  }),
  fc.constant({ kind: 'accept' as const }),
  fc.record({ kind: fc.constant('deny' as const), reason: fc.constantFrom('refused' as const, 'max-connections' as const, 'bad-hello' as const, 'timeout' as const), message: fc.string({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('data' as const), dataType: fc.constantFrom('json' as const, 'bytes' as const, 'value' as const), payload: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('stream' as const), payload: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('close' as const), code: fc.constantFrom('normal' as const, 'strict-violation' as const, 'frame-size' as const, 'protocol' as const), message: fc.string({ maxLength: 40 }) }),
);

describe('typed frames', () => {
  fcTest.prop([frame])('round trip', (f) => {
    expect(decodeFrame(encodeFrame(f, 4096))).toEqual(f);
  });

  fcTest.prop([fc.uint8Array({ maxLength: 100 })])('random bytes decode or raise DecodeError', (bytes) => {
    try {
      decodeFrame(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
    }
  });

  it('an over-long name or message is cut to its byte limit between characters', () => {
    const options = { dataType: 'bytes' as const, strict: true, stream: false, dataSize: 'auto' as const };
    // 'a' then two-byte characters: the limit falls inside one, which is dropped whole.
    const hello = decodeFrame(encodeFrame({ kind: 'hello', name: 'a' + 'é'.repeat(NAME_BYTES_MAX), options }, 1024));
    expect(hello).toEqual({ kind: 'hello', name: 'a' + 'é'.repeat((NAME_BYTES_MAX - 2) / 2), options });
    const close = decodeFrame(encodeFrame({ kind: 'close', code: 'protocol', message: 'x'.repeat(REASON_BYTES_MAX - 1) + '𝄞' }, 1024));
    expect(close).toEqual({ kind: 'close', code: 'protocol', message: 'x'.repeat(REASON_BYTES_MAX - 1) });
  });

  it('strict=false survives the wire (peerpy parsed "False" as True)', () => {
    const hello = decodeFrame(encodeFrame({ kind: 'hello', name: 'x|y&z=w', options: { dataType: 'json', strict: false, stream: false, dataSize: 'auto' } }, 256));
    expect(hello).toEqual({ kind: 'hello', name: 'x|y&z=w', options: { dataType: 'json', strict: false, stream: false, dataSize: 'auto' } });
  });
});
