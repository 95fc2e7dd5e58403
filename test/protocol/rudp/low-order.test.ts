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
import { KNOWN_HEX, LOW_ORDER_POINTS } from './low-order-points.ts';
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
  it('the 12 vectors encode the published points (cr.yp.to/ecdh.html)', () => {
    expect(LOW_ORDER_POINTS).toHaveLength(12);
    for (const [name, hex] of Object.entries(KNOWN_HEX)) expect(LOW_ORDER_POINTS.find((p) => p.name === name)!.hex).toBe(hex);
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
