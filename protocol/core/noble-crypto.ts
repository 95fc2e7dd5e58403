// The portable Crypto provider, built on the audited @noble libraries. It runs anywhere
// (simulator, browser, Node); runtime-node may inject node:crypto instead for speed.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { Crypto } from './crypto.ts';

export const nobleCrypto: Crypto = {
  aeadSeal(key, nonce, plaintext, associatedData) {
    return chacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
  },
  aeadOpen(key, nonce, ciphertext, associatedData) {
    if (ciphertext.byteLength < 16) return undefined;
    try {
      return chacha20poly1305(key, nonce, associatedData).decrypt(ciphertext);
    } catch {
      return undefined;
    }
  },
  x25519PublicKey(secretKey) {
    return x25519.getPublicKey(secretKey);
  },
  x25519(secretKey, publicKey) {
    return x25519.getSharedSecret(secretKey, publicKey);
  },
  sha256: (data) => sha256(data),
  blake2s: (data) => blake2s(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  hmacBlake2s: (key, data) => hmac(blake2s, key, data),
  hmacSha1: (key, data) => hmac(sha1, key, data),
};
