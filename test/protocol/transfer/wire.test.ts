// The transfer wire format: offers and verdicts round-trip; every length and range a peer
// sends is checked (name, size against the receiver's limit, received bytes against the
// offer, reason length, magic, version, kind, code); and the decoders, fed random bytes,
// truncations and bit flips of genuine messages, only ever raise DecodeError.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { truncateUtf8 } from '../../../protocol/core/bytes.ts';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import {
  decodeOffer, decodeVerdict, encodeOffer, encodeVerdict, nameProblem, offerBytesWanted, OFFER_BYTES_MAX, OFFER_FIXED_BYTES, REASON_BYTES_MAX,
  VERDICT_BYTES_MAX, VERDICT_CODES, verdictBytesWanted, WIRE_SIZE_BYTES_MAX,
} from '../../../protocol/transfer/wire.ts';

const sha = fc.uint8Array({ minLength: 32, maxLength: 32 });
const name = fc.string({ minLength: 1, maxLength: 60 }).filter((n) => nameProblem(n) === undefined);
const size = fc.integer({ min: 0, max: WIRE_SIZE_BYTES_MAX });

/** Runs a decoder; anything thrown that is not a DecodeError fails the property. */
function decodesOrDecodeError(fn: () => unknown): 'ok' | 'decode-error' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof DecodeError) return 'decode-error';
    throw error;
  }
}

describe('offer', () => {
  it.prop([name, size, sha])('round-trips, and offerBytesWanted names its exact length', (n, s, h) => {
    const bytes = encodeOffer({ name: n, size_bytes: s, sha256: h });
    expect(bytes.byteLength).toBeLessThanOrEqual(OFFER_BYTES_MAX);
    expect(offerBytesWanted(bytes.subarray(0, OFFER_FIXED_BYTES - 1))).toBe(OFFER_FIXED_BYTES);
    expect(offerBytesWanted(bytes)).toBe(bytes.byteLength);
    const back = decodeOffer(bytes, WIRE_SIZE_BYTES_MAX);
    expect(back).toEqual({ name: n, size_bytes: s, sha256: h });
  });

  it('refuses a size above the receiver limit as oversize at offer.size', () => {
    const bytes = encodeOffer({ name: 'a.bin', size_bytes: 1001, sha256: new Uint8Array(32) });
    expect(decodeOffer(bytes, 1001).size_bytes).toBe(1001);
    const error = (() => {
      try {
        decodeOffer(bytes, 1000);
      } catch (e) {
        return e as DecodeError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect(error?.field).toBe('offer.size');
    expect(error?.reason).toBe('oversize');
  });

  it('refuses names that are not one safe path component', () => {
    for (const bad of ['', '.', '..', 'a/b', '..\\x', 'nul\u0000', 'tab\t', 'x'.repeat(256)]) {
      expect(nameProblem(bad), JSON.stringify(bad)).toBeDefined();
    }
    const bytes = encodeOffer({ name: 'ok', size_bytes: 1, sha256: new Uint8Array(32) });
    bytes[bytes.byteLength - 1] = 0x2f; // "o/"
    expect(() => decodeOffer(bytes, 10)).toThrow(/offer.name/);
    expect(nameProblem('report 2026.pdf')).toBeUndefined();
  });

  it('refuses a bad magic, version or kind, and trailing bytes', () => {
    const good = encodeOffer({ name: 'f', size_bytes: 3, sha256: new Uint8Array(32) });
    for (const [at, field] of [[0, 'offer.magic'], [4, 'offer.version'], [5, 'offer.kind']] as const) {
      const bad = good.slice();
      bad[at]! ^= 0x01;
      expect(() => decodeOffer(bad, 10)).toThrow(field);
    }
    const long = new Uint8Array(good.byteLength + 1);
    long.set(good);
    expect(() => decodeOffer(long, 10)).toThrow(/trailing/);
  });
});

describe('verdict', () => {
  const code = fc.constantFrom(...VERDICT_CODES);
  it.prop([code, fc.integer({ min: 0, max: 1 << 30 }), sha, fc.string({ maxLength: 40 })])('round-trips', (c, r, h, reason) => {
    const bytes = encodeVerdict({ code: c, received_bytes: r, sha256: h, reason });
    expect(bytes.byteLength).toBeLessThanOrEqual(VERDICT_BYTES_MAX);
    expect(verdictBytesWanted(bytes)).toBe(bytes.byteLength);
    expect(decodeVerdict(bytes, 1 << 30)).toEqual({ code: c, received_bytes: r, sha256: h, reason: truncateUtf8(reason, REASON_BYTES_MAX) });
  });

  it('refuses a received count above the offered size, and an unknown code', () => {
    const bytes = encodeVerdict({ code: 'ok', received_bytes: 11, sha256: new Uint8Array(32), reason: '' });
    expect(() => decodeVerdict(bytes, 10)).toThrow(/verdict.received/);
    const bad = bytes.slice();
    bad[6] = VERDICT_CODES.length;
    expect(() => decodeVerdict(bad, 100)).toThrow(/verdict.code/);
  });

  it('cuts an over-long reason on a character boundary', () => {
    const reason = 'é'.repeat(REASON_BYTES_MAX);
    const bytes = encodeVerdict({ code: 'refused', received_bytes: 0, sha256: new Uint8Array(32), reason });
    const back = decodeVerdict(bytes, 0);
    expect(new TextEncoder().encode(back.reason).byteLength).toBeLessThanOrEqual(REASON_BYTES_MAX);
    expect(back.reason).toBe('é'.repeat(REASON_BYTES_MAX / 2));
  });
});

describe('decoders under fuzz', () => {
  it.prop([fc.uint8Array({ maxLength: 400 })], { numRuns: 2000 })('random bytes raise only DecodeError', (bytes) => {
    decodesOrDecodeError(() => decodeOffer(bytes, 1 << 20));
    decodesOrDecodeError(() => decodeVerdict(bytes, 1 << 20));
    decodesOrDecodeError(() => offerBytesWanted(bytes));
    decodesOrDecodeError(() => verdictBytesWanted(bytes));
  });

  it.prop([name, size, sha, fc.nat(), fc.integer({ min: 0, max: 7 }), fc.nat()], { numRuns: 2000 })(
    'bit flips and truncations of a genuine offer raise only DecodeError, and a decoded one stays in bounds',
    (n, s, h, at, bit, cut) => {
      const bytes = encodeOffer({ name: n, size_bytes: s, sha256: h });
      bytes[at % bytes.byteLength]! ^= 1 << bit;
      const truncated = bytes.subarray(0, cut % (bytes.byteLength + 1));
      for (const input of [bytes, truncated]) {
        try {
          const offer = decodeOffer(input, 1 << 40);
          expect(offer.size_bytes).toBeLessThanOrEqual(1 << 40);
          expect(nameProblem(offer.name)).toBeUndefined();
          expect(offer.sha256.byteLength).toBe(32);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }
    },
  );

  it.prop([fc.constantFrom(...VERDICT_CODES), fc.integer({ min: 0, max: 5000 }), sha, fc.nat(), fc.integer({ min: 0, max: 7 })], { numRuns: 1000 })(
    'bit flips of a genuine verdict raise only DecodeError, and a decoded one claims at most the offer',
    (c, r, h, at, bit) => {
      const bytes = encodeVerdict({ code: c, received_bytes: r, sha256: h, reason: 'x' });
      bytes[at % bytes.byteLength]! ^= 1 << bit;
      try {
        expect(decodeVerdict(bytes, 5000).received_bytes).toBeLessThanOrEqual(5000);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
      }
    },
  );
});
