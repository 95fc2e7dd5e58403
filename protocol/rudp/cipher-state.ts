// Noise CipherState (section 5.1) for ChaChaPoly: a key and a 64-bit counter nonce. The
// transport layer also uses it with explicit nonces (packet numbers), as section 11.4 allows.
import type { Crypto } from '../core/crypto.ts';

export const KEY_BYTES = 32;
export const TAG_BYTES = 16;

export class NonceExhaustedError extends Error {
  constructor() {
    super('Noise nonce exhausted');
    this.name = 'NonceExhaustedError';
  }
}

/** 96-bit ChaChaPoly nonce: 32 zero bits then the counter little-endian (Noise section 12.3). */
export function chachaNonce(counter: number, out = new Uint8Array(12)): Uint8Array {
  out[0] = out[1] = out[2] = out[3] = 0;
  const low = counter >>> 0;
  const high = Math.floor(counter / 0x1_0000_0000) >>> 0;
  out[4] = low & 0xff;
  out[5] = (low >>> 8) & 0xff;
  out[6] = (low >>> 16) & 0xff;
  out[7] = low >>> 24;
  out[8] = high & 0xff;
  out[9] = (high >>> 8) & 0xff;
  out[10] = (high >>> 16) & 0xff;
  out[11] = high >>> 24;
  return out;
}

const MAX_NONCE = Uint8Array.of(0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const EMPTY = new Uint8Array(0);
/** Counters are JS numbers; 2^53 messages is far past every rekey limit. */
const NONCE_MAX = Number.MAX_SAFE_INTEGER;

export class CipherState {
  private key: Uint8Array | undefined;
  /** The next nonce for EncryptWithAd/DecryptWithAd. */
  nonce = 0;
  private readonly nonceBuffer = new Uint8Array(12);

  constructor(private readonly crypto: Crypto, key?: Uint8Array) {
    this.key = key;
  }

  hasKey(): boolean {
    return this.key !== undefined;
  }

  initializeKey(key: Uint8Array | undefined): void {
    this.key = key;
    this.nonce = 0;
  }

  /** The raw key, for deriving the transport keys (tests and rekey only). */
  keyBytes(): Uint8Array | undefined {
    return this.key;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!this.key) return plaintext.slice();
    if (this.nonce >= NONCE_MAX) throw new NonceExhaustedError();
    const out = this.crypto.aeadSeal(this.key, chachaNonce(this.nonce, this.nonceBuffer), plaintext, ad);
    this.nonce++;
    return out;
  }

  /** Undefined when the tag fails (the nonce is then not advanced, as the spec requires). */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (!this.key) return ciphertext.slice();
    if (this.nonce >= NONCE_MAX) throw new NonceExhaustedError();
    const out = this.crypto.aeadOpen(this.key, chachaNonce(this.nonce, this.nonceBuffer), ciphertext, ad);
    if (out) this.nonce++;
    return out;
  }

  /** Explicit-nonce encryption for transport packets (section 11.4). */
  sealAt(counter: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return this.crypto.aeadSeal(this.key!, chachaNonce(counter, this.nonceBuffer), plaintext, ad);
  }

  openAt(counter: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (!this.key || ciphertext.byteLength < TAG_BYTES) return undefined;
    return this.crypto.aeadOpen(this.key, chachaNonce(counter, this.nonceBuffer), ciphertext, ad);
  }

  /** REKEY(k) = first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros) (section 4.2). */
  static rekeyBytes(crypto: Crypto, key: Uint8Array): Uint8Array {
    return crypto.aeadSeal(key, MAX_NONCE, new Uint8Array(KEY_BYTES), EMPTY).subarray(0, KEY_BYTES);
  }

  rekey(): void {
    if (this.key) this.key = CipherState.rekeyBytes(this.crypto, this.key);
  }
}
