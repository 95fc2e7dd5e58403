// The Noise hash function (HASH, HMAC-HASH, HKDF) as one value, so the symmetric state is
// generic over BLAKE2s, SHA-256 or any other hash a test plugs in (BLAKE2b, SHA-512).
import { concatBytes } from '../core/bytes.ts';
import type { Crypto } from '../core/crypto.ts';

export interface HashSuite {
  /** Noise name of the hash: "BLAKE2s", "SHA256", ... */
  readonly name: string;
  /** HASHLEN in bytes (32 or 64). */
  readonly hash_bytes: number;
  hash(data: Uint8Array): Uint8Array;
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

export type RudpHashName = 'BLAKE2s' | 'SHA256';

export function hashSuite(crypto: Crypto, name: RudpHashName): HashSuite {
  if (name === 'BLAKE2s') {
    return { name, hash_bytes: 32, hash: (d) => crypto.blake2s(d), hmac: (k, d) => crypto.hmacBlake2s(k, d) };
  }
  return { name, hash_bytes: 32, hash: (d) => crypto.sha256(d), hmac: (k, d) => crypto.hmacSha256(k, d) };
}

const ONE = Uint8Array.of(1);

/** Noise HKDF (section 4.3): returns `count` (2 or 3) outputs of HASHLEN bytes. */
export function hkdf(suite: HashSuite, chainingKey: Uint8Array, inputKeyMaterial: Uint8Array, count: 2 | 3): Uint8Array[] {
  const tempKey = suite.hmac(chainingKey, inputKeyMaterial);
  const out1 = suite.hmac(tempKey, ONE);
  const out2 = suite.hmac(tempKey, concatBytes(out1, Uint8Array.of(2)));
  if (count === 2) return [out1, out2];
  const out3 = suite.hmac(tempKey, concatBytes(out2, Uint8Array.of(3)));
  return [out1, out2, out3];
}
