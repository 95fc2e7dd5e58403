// The echo codec: round trips, and a fuzzed decoder that only ever raises DecodeError.
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { decodeEcho, encodeEcho, ECHO_OVERHEAD_BYTES, type EchoMessage } from '../../../protocol/echo/codec.ts';

const PAYLOAD_MAX = 1_472;

const messageArb = fc.record({
  kind: fc.constantFrom('ping' as const, 'pong' as const),
  session: fc.nat({ max: 0xffff_ffff }),
  seq: fc.nat({ max: 0xffff_ffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
});

function decodeOrError(data: Uint8Array): EchoMessage | DecodeError {
  try {
    return decodeEcho(data, PAYLOAD_MAX);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error; // anything else fails the property
  }
}

describe('echo codec', () => {
  test.prop([messageArb])('round-trips every message', (message) => {
    const bytes = encodeEcho(message);
    expect(bytes.byteLength).toBe(ECHO_OVERHEAD_BYTES + message.payload.byteLength);
    expect(bytes[0]).toBe(0xe0);
    const decoded = decodeEcho(bytes, PAYLOAD_MAX);
    expect(decoded.kind).toBe(message.kind);
    expect(decoded.session).toBe(message.session);
    expect(decoded.seq).toBe(message.seq);
    expect([...decoded.payload]).toEqual([...message.payload]);
  });

  test.prop([fc.uint8Array({ maxLength: 2_000 })])('random bytes decode or raise DecodeError, nothing else', (data) => {
    const result = decodeOrError(data);
    if (!(result instanceof DecodeError)) expect([...encodeEcho(result)]).toEqual([...data]);
  });

  test.prop([messageArb, fc.nat(), fc.integer({ min: 1, max: 255 })])(
    'a single corrupted byte is always rejected',
    (message, position, xor) => {
      const bytes = encodeEcho(message);
      const at = position % bytes.byteLength;
      bytes[at] = bytes[at]! ^ xor;
      expect(decodeOrError(bytes)).toBeInstanceOf(DecodeError);
    },
  );

  test.prop([messageArb, fc.nat()])('every truncation is rejected as truncated or invalid', (message, cut) => {
    const bytes = encodeEcho(message);
    const short = bytes.subarray(0, cut % bytes.byteLength);
    const result = decodeOrError(short);
    expect(result).toBeInstanceOf(DecodeError);
  });

  test.prop([messageArb, fc.uint8Array({ minLength: 1, maxLength: 8 })])('trailing bytes are rejected', (message, extra) => {
    const bytes = encodeEcho(message);
    const longer = new Uint8Array(bytes.byteLength + extra.byteLength);
    longer.set(bytes);
    longer.set(extra, bytes.byteLength);
    expect(decodeOrError(longer)).toBeInstanceOf(DecodeError);
  });

  test('a payload over the limit is oversize', () => {
    const bytes = encodeEcho({ kind: 'ping', session: 1, seq: 2, payload: new Uint8Array(100) });
    const result = (() => {
      try {
        return decodeEcho(bytes, 99);
      } catch (error) {
        return error;
      }
    })();
    expect(result).toBeInstanceOf(DecodeError);
    expect((result as DecodeError).reason).toBe('oversize');
  });
});
