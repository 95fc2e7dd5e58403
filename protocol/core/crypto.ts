// The cryptographic primitives a core may use, injected at construction so the portable
// @noble implementation can be swapped for node:crypto where speed matters.

export interface Crypto {
  /** ChaCha20-Poly1305 (RFC 8439): 32-byte key, 12-byte nonce; returns ciphertext || 16-byte tag. */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array;
  /**
   * Optional fast path for transport packets: header || ciphertext || tag in one buffer the
   * provider allocates, with the header as the associated data (what aeadSeal computes, without
   * the intermediate buffers). Providers without it are used through aeadSeal.
   */
  aeadSealPacket?(key: Uint8Array, nonce: Uint8Array, header: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or undefined when the tag does not verify. Never throws on bad input. */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array | undefined;
  /** X25519 public key of a 32-byte secret. */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** X25519 shared secret. */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  blake2s(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HMAC-SHA1, for STUN MESSAGE-INTEGRITY only. */
  hmacSha1(key: Uint8Array, data: Uint8Array): Uint8Array;
}
