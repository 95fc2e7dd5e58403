// The node:crypto provider must agree byte for byte with the @noble default.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { dhChecked, HandshakeError } from '../../protocol/rudp/handshake-state.ts';
import { LOW_ORDER_POINTS } from '../protocol/rudp/low-order-points.ts';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

describe('nodeCrypto', () => {
  it.prop([bytes(32, 32), bytes(12, 12), bytes(0, 2000), bytes(0, 40)], { numRuns: 100 })('AEAD matches noble and round-trips', (key, nonce, pt, ad) => {
    const sealed = nodeCrypto.aeadSeal(key, nonce, pt, ad);
    expect(Buffer.from(sealed)).toEqual(Buffer.from(nobleCrypto.aeadSeal(key, nonce, pt, ad)));
    expect(Buffer.from(nodeCrypto.aeadOpen(key, nonce, sealed, ad)!)).toEqual(Buffer.from(pt));
    const tampered = sealed.slice();
    tampered[0] = tampered[0]! ^ 1;
    expect(nodeCrypto.aeadOpen(key, nonce, tampered, ad)).toBeUndefined();
    expect(nodeCrypto.aeadOpen(key, nonce, sealed.subarray(0, 5), ad)).toBeUndefined();
  });

  it.prop([bytes(32, 32), bytes(12, 12), bytes(13, 13), bytes(0, 1500)], { numRuns: 60 })('aeadSealPacket is header || aeadSeal(plaintext, header) and opens like any packet', (key, nonce, header, pt) => {
    const packet = nodeCrypto.aeadSealPacket!(key, nonce, header, pt);
    expect(packet.byteLength).toBe(13 + pt.byteLength + 16);
    expect(Buffer.from(packet.subarray(0, 13))).toEqual(Buffer.from(header));
    expect(Buffer.from(packet.subarray(13))).toEqual(Buffer.from(nobleCrypto.aeadSeal(key, nonce, pt, header)));
    expect(Buffer.from(nobleCrypto.aeadOpen(key, nonce, packet.subarray(13), packet.subarray(0, 13))!)).toEqual(Buffer.from(pt));
  });

  it('a key array overwritten between calls is used with its new bytes (the key-object cache checks content)', () => {
    const secret = new Uint8Array(32).fill(1);
    const peer = Uint8Array.from(nobleCrypto.x25519PublicKey(new Uint8Array(32).fill(2)));
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    expect(hex(nodeCrypto.x25519(secret, peer))).toBe(hex(nobleCrypto.x25519(secret, peer)));
    secret.fill(3);
    expect(hex(nodeCrypto.x25519PublicKey(secret))).toBe(hex(nobleCrypto.x25519PublicKey(secret)));
    expect(hex(nodeCrypto.x25519(secret, peer))).toBe(hex(nobleCrypto.x25519(secret, peer)));
    peer.set(nobleCrypto.x25519PublicKey(new Uint8Array(32).fill(4)));
    expect(hex(nodeCrypto.x25519(secret, peer))).toBe(hex(nobleCrypto.x25519(secret, peer)));
  });

  it.prop([bytes(32, 32), bytes(32, 32)], { numRuns: 30 })('X25519 matches noble', (a, b) => {
    const pubA = nodeCrypto.x25519PublicKey(a);
    expect(Buffer.from(pubA)).toEqual(Buffer.from(nobleCrypto.x25519PublicKey(a)));
    const pubB = nobleCrypto.x25519PublicKey(b);
    expect(Buffer.from(nodeCrypto.x25519(a, pubB))).toEqual(Buffer.from(nobleCrypto.x25519(a, pubB)));
  });

  // Up to 600 bytes: both sides of the size at which BLAKE2s moves from JavaScript to OpenSSL.
  it.prop([bytes(0, 100), bytes(0, 600)], { numRuns: 80 })('hashes and HMACs match noble', (key, data) => {
    for (const name of ['sha256', 'blake2s'] as const) expect(Buffer.from(nodeCrypto[name](data))).toEqual(Buffer.from(nobleCrypto[name](data)));
    for (const name of ['hmacSha256', 'hmacBlake2s', 'hmacSha1'] as const) {
      expect(Buffer.from(nodeCrypto[name](key, data))).toEqual(Buffer.from(nobleCrypto[name](key, data)));
    }
  });

  it('issue 9 #1: on the 12 low-order encodings node:crypto and noble agree, and dhChecked types every refusal', () => {
    const secret = new Uint8Array(32).fill(0x42);
    for (const point of LOW_ORDER_POINTS) {
      const outcome = (crypto: typeof nodeCrypto): string => {
        try {
          return Buffer.from(dhChecked(crypto, secret, point.encoding, 'ee')).toString('hex');
        } catch (error) {
          return error instanceof HandshakeError ? `typed ${error.failure}` : `plain ${String(error)}`;
        }
      };
      const node = outcome(nodeCrypto);
      expect(node, point.name).toBe(outcome(nobleCrypto));
      expect(node.startsWith('typed low-order'), point.name).toBe(point.zeroSecret);
    }
  });
});
