// A Crypto provider on node:crypto (OpenSSL): ChaCha20-Poly1305, X25519, SHA-256, BLAKE2s and
// their HMACs run natively, several times faster than the portable @noble default. Results
// are byte-identical (the tests compare both providers), so the two can talk to each other.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
} from 'node:crypto';
import type { Crypto } from '../protocol/core/crypto.ts';
import { nobleCrypto } from '../protocol/core/noble-crypto.ts';

const TAG_BYTES = 16;
// DER wrappers that turn 32 raw X25519 bytes into PKCS#8 / SPKI key objects.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
/** Recently used key objects (private and public), so repeated DH skips DER parsing. */
const PRIVATE_KEY_CACHE_MAX = 64;
const privateKeys = new Map<string, KeyObject>();

function privateKeyObject(secret: Uint8Array): KeyObject {
  const id = Buffer.from(secret).toString('base64');
  let key = privateKeys.get(id);
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
    if (privateKeys.size >= PRIVATE_KEY_CACHE_MAX) privateKeys.delete(privateKeys.keys().next().value!);
    privateKeys.set(id, key);
  }
  return key;
}

const publicKeys = new Map<string, KeyObject>();

/** Peer public keys are used for two or three DH operations per handshake: parse once. */
function publicKeyObject(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('base64');
  let key = publicKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });
    if (publicKeys.size >= PRIVATE_KEY_CACHE_MAX) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(id, key);
  }
  return key;
}

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export const nodeCrypto: Crypto = {
  aeadSeal(key, nonce, plaintext, associatedData) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData, { plaintextLength: plaintext.byteLength });
    const out = new Uint8Array(plaintext.byteLength + TAG_BYTES);
    const body = cipher.update(plaintext);
    out.set(body, 0);
    const tail = cipher.final();
    out.set(tail, body.byteLength);
    out.set(cipher.getAuthTag(), plaintext.byteLength);
    return out;
  },
  aeadOpen(key, nonce, ciphertext, associatedData) {
    if (ciphertext.byteLength < TAG_BYTES || key.byteLength !== 32 || nonce.byteLength !== 12) return undefined;
    const length = ciphertext.byteLength - TAG_BYTES;
    try {
      const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(ciphertext.subarray(length));
      decipher.setAAD(associatedData, { plaintextLength: length });
      const body = decipher.update(ciphertext.subarray(0, length));
      decipher.final();
      return view(body);
    } catch {
      return undefined;
    }
  },
  x25519PublicKey(secretKey) {
    const der = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
    return view(der).slice(der.byteLength - 32);
  },
  x25519(secretKey, publicKey) {
    try {
      return view(diffieHellman({ privateKey: privateKeyObject(secretKey), publicKey: publicKeyObject(publicKey) }));
    } catch {
      // OpenSSL refuses a key whose shared secret would be all zeros (a low-order point);
      // noble then gives the same verdict (it throws too), so both providers behave alike and
      // the caller (protocol/rudp/handshake-state.ts dhChecked) turns it into a typed
      // HandshakeError('low-order'). test/runtime-node/node-crypto.test.ts checks all 12 points.
      return nobleCrypto.x25519(secretKey, publicKey);
    }
  },
  sha256: (data) => view(createHash('sha256').update(data).digest()),
  blake2s: (data) => view(createHash('blake2s256').update(data).digest()),
  hmacSha256: (key, data) => view(createHmac('sha256', key).update(data).digest()),
  hmacBlake2s: (key, data) => view(createHmac('blake2s256', key).update(data).digest()),
  hmacSha1: (key, data) => view(createHmac('sha1', key).update(data).digest()),
};
