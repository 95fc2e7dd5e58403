// The JavaScript ChaCha20-Poly1305 behind the node:crypto provider's short messages: RFC 8439
// section 2.8.2's AEAD vector, and byte-for-byte agreement with OpenSSL (node:crypto's
// chacha20-poly1305) on every plaintext length across several blocks, with any tampered byte
// refused.
import { createCipheriv } from 'node:crypto';
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { chachaPolyOpen, chachaPolySealInto } from '../../runtime-node/chacha20poly1305.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

function opensslSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): string {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('hex');
}

function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.byteLength + 16);
  chachaPolySealInto(key, nonce, plaintext, ad, out, 0);
  return out;
}

describe('ChaCha20-Poly1305 (JavaScript)', () => {
  it('RFC 8439 section 2.8.2: the sunscreen vector seals and opens', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = fromHex('070000004041424344454647');
    const ad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = seal(key, nonce, plaintext, ad);
    expect(hex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(hex(sealed.subarray(plaintext.byteLength))).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect(hex(sealed)).toBe(opensslSeal(key, nonce, plaintext, ad));
    expect(new TextDecoder().decode(chachaPolyOpen(key, nonce, sealed, ad))).toBe(new TextDecoder().decode(plaintext));
  });

  it('agrees with OpenSSL on every plaintext length from 0 to 300 bytes (five blocks), AD 0-33 bytes', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 3) & 0xff);
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => (i * 7 + 1) & 0xff);
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 17) & 0xff);
    for (const adBytes of [0, 1, 13, 16, 32, 33]) {
      const ad = data.subarray(0, adBytes);
      for (let length = 0; length <= 300; length++) {
        const plaintext = data.subarray(0, length);
        const sealed = seal(key, nonce, plaintext, ad);
        expect(hex(sealed), `length ${length}, ad ${adBytes}`).toBe(opensslSeal(key, nonce, plaintext, ad));
        expect(hex(chachaPolyOpen(key, nonce, sealed, ad)!), `length ${length}, ad ${adBytes}`).toBe(hex(plaintext));
      }
    }
  });

  it.prop(
    [fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 260 }), fc.uint8Array({ maxLength: 40 }), fc.nat()],
    { numRuns: 200 },
  )('agrees with OpenSSL on random inputs, and refuses any flipped bit of ciphertext or tag', (key, nonce, plaintext, ad, flip) => {
    const sealed = seal(key, nonce, plaintext, ad);
    expect(hex(sealed)).toBe(opensslSeal(key, nonce, plaintext, ad));
    const tampered = sealed.slice();
    const at = flip % tampered.byteLength;
    tampered[at] = tampered[at]! ^ (1 << (flip % 8));
    expect(chachaPolyOpen(key, nonce, tampered, ad)).toBeUndefined();
    expect(chachaPolyOpen(key, nonce, sealed.subarray(0, 15), ad)).toBeUndefined();
  });

  it('seals in place behind a header that is also the associated data', () => {
    const key = new Uint8Array(32).fill(9);
    const nonce = new Uint8Array(12).fill(1);
    const plaintext = new Uint8Array(40).fill(0x55);
    const packet = new Uint8Array(13 + 40 + 16);
    packet.set(Uint8Array.from({ length: 13 }, (_, i) => i + 1));
    chachaPolySealInto(key, nonce, plaintext, packet.subarray(0, 13), packet, 13);
    expect(hex(packet.subarray(13))).toBe(opensslSeal(key, nonce, plaintext, packet.subarray(0, 13)));
  });
});
