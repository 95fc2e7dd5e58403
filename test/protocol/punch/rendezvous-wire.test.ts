// The rendezvous wire format: every message round-trips, and the decoder meets random and
// mutated datagrams with DecodeError only.
import { describe, expect } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { decodeRendezvous, encodeRendezvous } from '../../../protocol/punch/rendezvous-wire.ts';
import { arbMessage } from './arbitraries.ts';

function decodeOrTyped(bytes: Uint8Array): void {
  try {
    decodeRendezvous(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

describe('rendezvous wire', () => {
  fcTest.prop([arbMessage], { numRuns: 500 })('round-trips', (m) => {
    const bytes = encodeRendezvous(m);
    expect(bytes[0]! >= 0xd0 && bytes[0]! <= 0xdf).toBe(true);
    expect(decodeRendezvous(bytes)).toEqual(m);
  });
  fcTest.prop([fc.uint8Array({ maxLength: 1500 })], { numRuns: 2000 })('random bytes: DecodeError or a message', (bytes) => decodeOrTyped(bytes));
  fcTest.prop([fc.integer({ min: 0xd0, max: 0xdf }), fc.uint8Array({ maxLength: 200 })], { numRuns: 2000 })('random bodies behind our type bytes', (type, body) =>
    decodeOrTyped(new Uint8Array([type, ...body])),
  );
  fcTest.prop([arbMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean()], { numRuns: 2000 })(
    'mutated and truncated messages',
    (m, flips, cut, truncate) => {
      const bytes = encodeRendezvous(m).slice();
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      decodeOrTyped(truncate ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes);
    },
  );
});
