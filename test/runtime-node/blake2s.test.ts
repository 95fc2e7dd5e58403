// The JavaScript BLAKE2s behind the node:crypto provider's small inputs: RFC 7693's published
// vector, and byte-for-byte agreement with OpenSSL (node:crypto's blake2s256 and its HMAC) on
// every length around the 64-byte block boundaries and on keys longer than a block.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { blake2s, hmacBlake2s } from '../../runtime-node/blake2s.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const opensslHash = (data: Uint8Array): string => createHash('blake2s256').update(data).digest('hex');
const opensslHmac = (key: Uint8Array, data: Uint8Array): string => createHmac('blake2s256', key).update(data).digest('hex');

describe('blake2s (JavaScript)', () => {
  it('RFC 7693 appendix B: BLAKE2s-256("abc")', () => {
    expect(hex(blake2s(new TextEncoder().encode('abc')))).toBe('508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982');
  });

  it('agrees with OpenSSL on every length from 0 to 200 bytes (one, two, three and four blocks)', () => {
    const data = Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff);
    for (let length = 0; length <= 200; length++) {
      const slice = data.subarray(0, length);
      expect(hex(blake2s(slice)), `length ${length}`).toBe(opensslHash(slice));
    }
  });

  it('HMAC agrees with OpenSSL for keys of 0, 1, 32, 64 and 65+ bytes and empty or block-sized data', () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 100]) {
      const key = Uint8Array.from({ length: keyLength }, (_, i) => (i * 101 + 7) & 0xff);
      for (const dataLength of [0, 1, 32, 63, 64, 65, 128, 129]) {
        const data = Uint8Array.from({ length: dataLength }, (_, i) => (i * 13 + 5) & 0xff);
        expect(hex(hmacBlake2s(key, data)), `key ${keyLength}, data ${dataLength}`).toBe(opensslHmac(key, data));
      }
    }
  });

  it.prop([fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 600 })], { numRuns: 200 })('hash and HMAC agree with OpenSSL on random inputs', (key, data) => {
    expect(hex(blake2s(data))).toBe(opensslHash(data));
    expect(hex(hmacBlake2s(key, data))).toBe(opensslHmac(key, data));
  });

  it('returns fresh outputs: a later call never changes an earlier digest (shared scratch state)', () => {
    const first = blake2s(new Uint8Array([1, 2, 3]));
    const copy = hex(first);
    hmacBlake2s(new Uint8Array(80), new Uint8Array(300));
    blake2s(new Uint8Array(1000));
    expect(hex(first)).toBe(copy);
  });
});
