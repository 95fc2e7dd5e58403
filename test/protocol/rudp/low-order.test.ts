// Issue 9 #1 at the Noise layer: a low-order X25519 public key (every one of the 12 known
// encodings, test/protocol/rudp/low-order-points.ts) makes a DH either an ordinary secret
// (the 5 non-canonical encodings that RFC 7748 masking turns into other points) or a typed
// HandshakeError('low-order'), with both Crypto providers; never a plain Error.
import { describe, expect, it } from 'vitest';
import type { Crypto } from '../../../protocol/core/crypto.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { handshakePattern } from '../../../protocol/rudp/handshake-pattern.ts';
import { HandshakeError, HandshakeState, keyPairFromSecret } from '../../../protocol/rudp/handshake-state.ts';
import { hashSuite } from '../../../protocol/rudp/hash-suite.ts';
import { nodeCrypto } from '../../../runtime-node/node-crypto.ts';
import { encodeU, KNOWN_HEX, LOW_ORDER_POINTS, LOW_ORDER_SOURCE, ORDER8, SOURCE_INTEGERS } from './low-order-points.ts';
import { seededRng } from './pipe.ts';

/** What a responder's `-> e` then `<- e, ee, s, es` does with `e` = point: 'ok', a HandshakeError failure, or 'plain <message>'. */
function respondTo(crypto: Crypto, ephemeral: Uint8Array): string {
  const rng = seededRng(7);
  const hs = new HandshakeState({
    crypto,
    suite: hashSuite(crypto, 'BLAKE2s'),
    pattern: handshakePattern('XX'),
    initiator: false,
    staticKey: keyPairFromSecret(crypto, rng.nextBytes(32)),
    ephemeralSecret: rng.nextBytes(32),
  });
  try {
    hs.readMessage(ephemeral);
    hs.writeMessage(new Uint8Array(0));
    return 'ok';
  } catch (error) {
    return error instanceof HandshakeError ? error.failure : `plain ${String(error)}`;
  }
}

describe('issue 9 #1: low-order X25519 keys in the Noise handshake', () => {
  it('the 12 vectors in test/vectors/x25519-low-order.json are the published integers, encoded little-endian', () => {
    expect(LOW_ORDER_SOURCE).toContain('cr.yp.to/ecdh.html');
    expect(LOW_ORDER_POINTS.map((p) => p.u)).toEqual(SOURCE_INTEGERS);
    for (const point of LOW_ORDER_POINTS) expect(point.hex, point.name).toBe(encodeU(point.u));
    for (const [name, hex] of Object.entries(KNOWN_HEX)) expect(LOW_ORDER_POINTS.find((p) => p.name === name)!.hex).toBe(hex);
    // Masked to 255 bits, exactly the first seven are low-order: 0, 1, the order-8 pair, p-1, p, p+1.
    const masked = (u: bigint): bigint => (u & ((1n << 255n) - 1n)) % (2n ** 255n - 19n);
    const lowOrder = new Set([0n, 1n, ORDER8[0], ORDER8[1], 2n ** 255n - 20n]);
    for (const point of LOW_ORDER_POINTS) expect(lowOrder.has(masked(point.u)), point.name).toBe(point.zeroSecret);
  });

  for (const [providerName, crypto] of [
    ['@noble', nobleCrypto],
    ['node:crypto', nodeCrypto],
  ] as const) {
    it(`issue 9 #1 (${providerName}): the responder's ee DH with each low-order ephemeral is HandshakeError('low-order') or an ordinary secret, never a plain throw`, () => {
      for (const point of LOW_ORDER_POINTS) {
        expect(respondTo(crypto, point.encoding), `${providerName} ${point.name} ${point.hex}`).toBe(point.zeroSecret ? 'low-order' : 'ok');
      }
    });
  }
});
