// Noise SymmetricState (section 5.2): the chaining key and handshake hash, generic over the
// hash suite. Only ChaChaPoly is supported as the cipher (the one our Crypto provides).
import type { Crypto } from '../core/crypto.ts';
import { CipherState, KEY_BYTES } from './cipher-state.ts';
import { concatBytes, utf8 } from '../core/bytes.ts';
import { hkdf, type HashSuite } from './hash-suite.ts';


interface Initial {
  readonly ck: Uint8Array;
  /** The handshake hash after the prologue. */
  readonly h: Uint8Array;
}

/** Protocol names and prologues remembered per hash suite (a handful in practice). */
const INITIAL_CACHE_MAX = 16;
const initialCache = new WeakMap<HashSuite, Map<string, Initial>>();

/**
 * InitializeSymmetric(protocol_name) then MixHash(prologue) (sections 5.2, 5.3): the same two
 * hashes for every handshake of an endpoint, so they are computed once per suite, name and
 * prologue. The arrays are never written in place (mixHash and mixKey replace them).
 */
function initialState(suite: HashSuite, protocolName: string, prologue: Uint8Array | undefined): Initial {
  let perSuite = initialCache.get(suite);
  let id: string | undefined;
  if (prologue === undefined || prologue.byteLength <= 64) {
    id = `${protocolName}\u0000${prologue === undefined ? '-' : String.fromCharCode(...prologue)}`;
    const known = perSuite?.get(id);
    if (known) return known;
  }
  const name = utf8(protocolName);
  let h: Uint8Array;
  if (name.byteLength <= suite.hash_bytes) {
    h = new Uint8Array(suite.hash_bytes);
    h.set(name);
  } else {
    h = suite.hash(name);
  }
  const ck = h;
  if (prologue !== undefined) h = suite.hash(concatBytes(h, prologue));
  const initial = { ck, h };
  if (id !== undefined) {
    if (!perSuite) initialCache.set(suite, (perSuite = new Map()));
    if (perSuite.size < INITIAL_CACHE_MAX) perSuite.set(id, initial);
  }
  return initial;
}

export class SymmetricState {
  readonly cipher: CipherState;
  private chainingKey: Uint8Array;
  private handshakeHash: Uint8Array;

  constructor(private readonly crypto: Crypto, private readonly suite: HashSuite, protocolName: string, prologue?: Uint8Array) {
    const start = initialState(suite, protocolName, prologue);
    this.handshakeHash = start.h;
    this.chainingKey = start.ck;
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
