// A Crypto provider on node:crypto (OpenSSL): ChaCha20-Poly1305, X25519, SHA-256, BLAKE2s and
// their HMACs run natively, several times faster than the portable @noble default (BLAKE2s
// and ChaCha20-Poly1305 of small inputs, the Noise handshake's hashes, HKDFs and messages and
// the transport's ACKs, run in lean JavaScript instead: an OpenSSL object per call costs more
// than the work). Results
// are byte-identical (the tests compare both providers), so the two can talk to each other.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type CipherGCM,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto';
import type { Crypto } from '../protocol/core/crypto.ts';
import { blake2s as blake2sJs, hmacBlake2s as hmacBlake2sJs } from './blake2s.ts';
import { chachaPolyOpen, chachaPolySealInto } from './chacha20poly1305.ts';
import { nobleCrypto } from '../protocol/core/noble-crypto.ts';

const TAG_BYTES = 16;
/**
 * Inputs up to this size are hashed in JavaScript (runtime-node/blake2s.ts): measured on the
 * 2-core box, BLAKE2s of 64 bytes 0.7 us there vs 1.6 us through createHash, HMAC 1.8 vs 2.8;
 * the two meet near 512 bytes.
 */
const SMALL_HASH_BYTES = 256;
/**
 * Messages up to this size are sealed and opened in JavaScript (runtime-node/chacha20poly1305.ts):
 * 64 bytes cost 2.2 us there against 4.6 us for a node:crypto cipher object and its four
 * Buffers; they meet near 300 bytes. Handshake messages, ACKs and PINGs are all below it.
 */
const SMALL_AEAD_BYTES = 256;
// DER wrappers that turn 32 raw X25519 bytes into PKCS#8 / SPKI key objects.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
/** Recently used key objects (private and public), so repeated DH skips parsing. */
const PRIVATE_KEY_CACHE_MAX = 64;
const privateKeys = new Map<string, KeyObject>();

// Importing a raw X25519 secret as PKCS#8 DER goes through OpenSSL's decoder framework and
// costs ~370 us (it dominated the handshake: 412/CPU-s); a JWK import of the same 32 bytes
// costs ~40 us, and a JWK public key ~12 us against ~90 us for SPKI DER. Node builds a
// private OKP key from `d` alone (`x` is only type-checked), so x is left empty. That is
// checked once at load against RFC 7748 section 6.1's vector; on any other behaviour the DER
// path is used, so the results never differ.
const jwkPrivate = (secret: string): KeyObject => createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: secret, x: '' }, format: 'jwk' });
const derPrivate = (secret: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
const jwkPublic = (raw: string): KeyObject => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw }, format: 'jwk' });
const derPublic = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });

/** RFC 7748 section 6.1: Alice's private key, Bob's public key and their shared secret. */
const RFC7748_ALICE_SECRET = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const RFC7748_BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const RFC7748_SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

function jwkMatchesRfc7748(): boolean {
  try {
    const secret = Buffer.from(RFC7748_ALICE_SECRET, 'hex').toString('base64url');
    const bob = Buffer.from(RFC7748_BOB_PUBLIC, 'hex').toString('base64url');
    return diffieHellman({ privateKey: jwkPrivate(secret), publicKey: jwkPublic(bob) }).toString('hex') === RFC7748_SHARED;
  } catch {
    return false;
  }
}
const JWK_IMPORT = jwkMatchesRfc7748();

/**
 * The same key array is usually passed again (an ephemeral for its key generation and two
 * DHs, a static for every handshake): found by identity, confirmed by content (an array may
 * have been overwritten since), it skips building the base64url cache key.
 */
type Known = { readonly bytes: Uint8Array; readonly key: KeyObject };
const privateByArray = new WeakMap<Uint8Array, Known>();
const publicByArray = new WeakMap<Uint8Array, Known>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function privateKeyObject(secret: Uint8Array): KeyObject {
  const known = privateByArray.get(secret);
  if (known && sameBytes(known.bytes, secret)) return known.key;
  const id = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('base64url');
  let key = privateKeys.get(id);
  if (!key) {
    key = JWK_IMPORT ? jwkPrivate(id) : derPrivate(secret);
    if (privateKeys.size >= PRIVATE_KEY_CACHE_MAX) privateKeys.delete(privateKeys.keys().next().value!);
    privateKeys.set(id, key);
  }
  privateByArray.set(secret, { bytes: secret.slice(), key });
  return key;
}

const publicKeys = new Map<string, KeyObject>();

/** Peer public keys are used for two or three DH operations per handshake: parse once. */
function publicKeyObject(raw: Uint8Array): KeyObject {
  const known = publicByArray.get(raw);
  if (known && sameBytes(known.bytes, raw)) return known.key;
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  let key = publicKeys.get(id);
  if (!key) {
    key = JWK_IMPORT ? jwkPublic(id) : derPublic(raw);
    if (publicKeys.size >= PRIVATE_KEY_CACHE_MAX) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(id, key);
  }
  publicByArray.set(raw, { bytes: raw.slice(), key });
  return key;
}

/**
 * One options object for every cipher: node parses it on each createCipheriv. The ciphers are
 * typed as GCM ones below only for setAAD's optional second argument (plaintextLength, which
 * node reads for CCM alone); at run time they are ChaCha20-Poly1305 ciphers.
 */
const AEAD_OPTIONS = { authTagLength: TAG_BYTES } as const;

/**
 * ChaCha20-Poly1305 into `out` at `at`. node:crypto has no one-shot AEAD, so a cipher object
 * per packet is unavoidable (OpenSSL cannot re-key one with a new nonce through node's API);
 * what is avoidable is the per-packet option parsing and the extra output buffers.
 */
function sealInto(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array, out: Uint8Array, at: number): void {
  // A malformed key or nonce goes to OpenSSL, which refuses it as it always did.
  if (plaintext.byteLength <= SMALL_AEAD_BYTES && key.byteLength === 32 && nonce.byteLength === 12) return chachaPolySealInto(key, nonce, plaintext, associatedData, out, at);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, AEAD_OPTIONS) as unknown as CipherGCM;
  cipher.setAAD(associatedData);
  const body = cipher.update(plaintext);
  out.set(body, at);
  // A stream cipher: final() adds no bytes, it only computes the tag.
  cipher.final();
  out.set(cipher.getAuthTag(), at + plaintext.byteLength);
}

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export const nodeCrypto: Crypto = {
  aeadSeal(key, nonce, plaintext, associatedData) {
    const out = Buffer.allocUnsafe(plaintext.byteLength + TAG_BYTES); // written in full
    sealInto(key, nonce, plaintext, associatedData, out, 0);
    return view(out);
  },
  aeadSealPacket(key, nonce, header, plaintext) {
    // Uninitialized (pooled below 4 KiB) and then written in full: header, body, tag.
    const out = Buffer.allocUnsafe(header.byteLength + plaintext.byteLength + TAG_BYTES);
    out.set(header, 0);
    sealInto(key, nonce, plaintext, header, out, header.byteLength);
    return view(out);
  },
  aeadOpen(key, nonce, ciphertext, associatedData) {
    if (ciphertext.byteLength < TAG_BYTES || key.byteLength !== 32 || nonce.byteLength !== 12) return undefined;
    const length = ciphertext.byteLength - TAG_BYTES;
    if (length <= SMALL_AEAD_BYTES) return chachaPolyOpen(key, nonce, ciphertext, associatedData);
    try {
      const decipher = createDecipheriv('chacha20-poly1305', key, nonce, AEAD_OPTIONS) as unknown as DecipherGCM;
      decipher.setAuthTag(ciphertext.subarray(length));
      // No plaintextLength: OpenSSL needs it for CCM only, and its option parsing costs per packet.
      decipher.setAAD(associatedData);
      const body = decipher.update(ciphertext.subarray(0, length));
      decipher.final();
      return view(body);
    } catch {
      return undefined;
    }
  },
  x25519PublicKey(secretKey) {
    const privateKey = privateKeyObject(secretKey);
    // OpenSSL derived the public key when it imported the secret; a private JWK export hands
    // it back (x) without building a second key object (~2.4 us against ~5 us).
    if (JWK_IMPORT) return view(Buffer.from(privateKey.export({ format: 'jwk' }).x!, 'base64url'));
    const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
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
  // Below SMALL_HASH_BYTES the JavaScript BLAKE2s beats building an OpenSSL object per call.
  blake2s: (data) => (data.byteLength <= SMALL_HASH_BYTES ? blake2sJs(data) : view(createHash('blake2s256').update(data).digest())),
  hmacSha256: (key, data) => view(createHmac('sha256', key).update(data).digest()),
  hmacBlake2s: (key, data) => (data.byteLength <= SMALL_HASH_BYTES ? hmacBlake2sJs(key, data) : view(createHmac('blake2s256', key).update(data).digest())),
  hmacSha1: (key, data) => view(createHmac('sha1', key).update(data).digest()),
};
