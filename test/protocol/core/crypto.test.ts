// The @noble Crypto provider against published test vectors (RFC 8439, RFC 7748, FIPS 180).
import { describe, expect, it } from 'vitest';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('nobleCrypto', () => {
  it('ChaCha20-Poly1305 matches RFC 8439 section 2.8.2 and rejects a flipped tag', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hex('070000004041424344454647');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const sealed = nobleCrypto.aeadSeal(key, nonce, plaintext, aad);
    expect(toHex(sealed.subarray(sealed.byteLength - 16))).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect(nobleCrypto.aeadOpen(key, nonce, sealed, aad)).toEqual(plaintext);
    sealed[sealed.byteLength - 1]! ^= 1;
    expect(nobleCrypto.aeadOpen(key, nonce, sealed, aad)).toBeUndefined();
    expect(nobleCrypto.aeadOpen(key, nonce, new Uint8Array(3), aad)).toBeUndefined();
  });

  it('X25519 matches RFC 7748 section 6.1', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(toHex(nobleCrypto.x25519PublicKey(alice))).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(nobleCrypto.x25519(alice, nobleCrypto.x25519PublicKey(bob)))).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    );
  });

  it('hashes match known digests', () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(nobleCrypto.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(nobleCrypto.blake2s(abc))).toBe('508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982');
    // RFC 2202 test case 2 for HMAC-SHA1 ("Jefe").
    expect(toHex(nobleCrypto.hmacSha1(new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?')))).toBe(
      'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
    );
  });
});
