// Ring arithmetic: interval tests with wrap-around against a brute-force walk of a small
// ring, id bytes round-trip, hashed ids fit m bits.
import { describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { distance, fingerStart, hashToId, idFromBytes, idToBytes, inHalfOpen, inOpen } from '../../../protocol/chord/id.ts';

const m = 6;
const size = 1n << BigInt(m);
const small = fc.bigInt({ min: 0n, max: size - 1n });

/** Brute force: walk clockwise from a (exclusive) to b, collecting ids. */
function walk(a: bigint, b: bigint, includeB: boolean): Set<bigint> {
  const out = new Set<bigint>();
  let x = (a + 1n) % size;
  for (let i = 0n; i < size; i++) {
    if (x === b) {
      if (includeB) out.add(x);
      break;
    }
    out.add(x);
    x = (x + 1n) % size;
  }
  return out;
}

describe('chord ids', () => {
  it.prop([small, small, small])('inOpen and inHalfOpen agree with a walk round the ring', (x, a, b) => {
    expect(inOpen(x, a, b)).toBe(walk(a, b, false).has(x));
    expect(inHalfOpen(x, a, b)).toBe(a === b ? true : walk(a, b, true).has(x));
  });

  it.prop([fc.integer({ min: 3, max: 256 }), fc.uint8Array({ minLength: 1, maxLength: 40 })])('hashed ids fit m bits and round-trip as bytes', (bits, data) => {
    const id = hashToId(nobleCrypto, data, bits);
    expect(id >= 0n && id < 1n << BigInt(bits)).toBe(true);
    expect(idFromBytes(idToBytes(id, bits))).toBe(id);
  });

  vit('finger starts and distances wrap', () => {
    expect(fingerStart(60n, 3, m)).toBe(4n);
    expect(distance(60n, 4n, m)).toBe(8n);
    expect(inOpen(5n, 5n, 5n)).toBe(false);
    expect(inOpen(6n, 5n, 5n)).toBe(true);
  });
});

/** The plain reference: hex text of the id, two digits per byte. */
function bytesByText(id: bigint, bits: number): Uint8Array {
  const width = Math.ceil(bits / 8);
  const text = id.toString(16).padStart(width * 2, '0');
  return Uint8Array.from({ length: width }, (_, i) => parseInt(text.slice(i * 2, i * 2 + 2), 16));
}

describe('chord id bytes (fast paths)', () => {
  it.prop([fc.integer({ min: 3, max: 256 }).chain((bits) => fc.tuple(fc.constant(bits), fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })))])(
    'idToBytes and idFromBytes match the text reference at every width',
    ([bits, id]) => {
      expect(idToBytes(id, bits)).toEqual(bytesByText(id, bits));
      expect(idFromBytes(bytesByText(id, bits))).toBe(id);
    },
  );

  vit('hashToId keeps the top m bits of SHA-256', () => {
    const data = new Uint8Array([1, 2, 3]);
    const digest = nobleCrypto.sha256(data);
    const full = BigInt(`0x${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    for (const bits of [3, 8, 13, 32, 48, 49, 64, 160, 255, 256]) expect(hashToId(nobleCrypto, data, bits)).toBe(full >> BigInt(256 - bits));
  });
});
