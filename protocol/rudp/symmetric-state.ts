// Noise SymmetricState (section 5.2): the chaining key and handshake hash, generic over the
// hash suite. Only ChaChaPoly is supported as the cipher (the one our Crypto provides).
import type { Crypto } from '../core/crypto.ts';
import { CipherState, KEY_BYTES } from './cipher-state.ts';
import { concatBytes } from '../core/bytes.ts';
import { hkdf, type HashSuite } from './hash-suite.ts';

const textEncoder = new TextEncoder();

export class SymmetricState {
  readonly cipher: CipherState;
  private chainingKey: Uint8Array;
  private handshakeHash: Uint8Array;

  constructor(private readonly crypto: Crypto, private readonly suite: HashSuite, protocolName: string) {
    const name = textEncoder.encode(protocolName);
    if (name.byteLength <= suite.hash_bytes) {
      this.handshakeHash = new Uint8Array(suite.hash_bytes);
      this.handshakeHash.set(name);
    } else {
      this.handshakeHash = suite.hash(name);
    }
    this.chainingKey = this.handshakeHash;
    this.cipher = new CipherState(crypto);
  }

  get hash(): Uint8Array {
    return this.handshakeHash;
  }

  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempKey] = hkdf(this.suite, this.chainingKey, inputKeyMaterial, 2);
    this.chainingKey = ck!;
    this.cipher.initializeKey(tempKey!.slice(0, KEY_BYTES));
  }

  mixHash(data: Uint8Array): void {
    this.handshakeHash = this.suite.hash(concatBytes(this.handshakeHash, data));
  }

  mixKeyAndHash(inputKeyMaterial: Uint8Array): void {
    const [ck, tempHash, tempKey] = hkdf(this.suite, this.chainingKey, inputKeyMaterial, 3);
    this.chainingKey = ck!;
    this.mixHash(tempHash!);
    this.cipher.initializeKey(tempKey!.slice(0, KEY_BYTES));
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.handshakeHash, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array | undefined {
    const plaintext = this.cipher.decryptWithAd(this.handshakeHash, ciphertext);
    if (plaintext) this.mixHash(ciphertext);
    return plaintext;
  }

  /** Two CipherStates: the first for initiator-to-responder traffic. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.suite, this.chainingKey, new Uint8Array(0), 2);
    return [new CipherState(this.crypto, k1!.slice(0, KEY_BYTES)), new CipherState(this.crypto, k2!.slice(0, KEY_BYTES))];
  }
}
