// Noise HandshakeState (section 5.3), generic over pattern and hash, with injectable
// ephemeral keys so the public test vectors can be reproduced byte for byte.
import type { Crypto } from '../core/crypto.ts';
import type { Rng } from '../core/rng.ts';
import type { CipherState } from './cipher-state.ts';
import { TAG_BYTES } from './cipher-state.ts';
import { concatBytes } from '../core/bytes.ts';
import type { HashSuite } from './hash-suite.ts';
import type { HandshakePattern, Token } from './handshake-pattern.ts';
import { SymmetricState } from './symmetric-state.ts';

export const DH_BYTES = 32;
const EMPTY = new Uint8Array(0);
/** Noise section 3: every handshake and transport message fits in 65535 bytes. */
export const NOISE_MESSAGE_BYTES_MAX = 65_535;

export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function keyPairFromSecret(crypto: Crypto, secretKey: Uint8Array): KeyPair {
  return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
}

export type HandshakeFailure =
  | 'out-of-turn' // read or write when it is the other side's turn
  | 'truncated' // message shorter than its tokens
  | 'decrypt' // an AEAD tag did not verify (tampering or the wrong keys)
  | 'missing-key' // a token needs a key the caller did not supply
  | 'low-order' // a DH gave the all-zero secret (a low-order public key, RFC 7748 section 6.1)
  | 'oversize';

/**
 * X25519 that never lets a stranger's key throw a plain Error: a provider that refuses a
 * low-order point (OpenSSL, @noble) and one that returns the all-zero secret (RFC 7748
 * section 6.1 says to check for it) both become the same typed HandshakeError.
 */
export function dhChecked(crypto: Crypto, secretKey: Uint8Array, publicKey: Uint8Array, token: string): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = crypto.x25519(secretKey, publicKey);
  } catch {
    throw new HandshakeError('low-order', `${token}: provider refused the public key`);
  }
  let bits = 0;
  for (let i = 0; i < shared.byteLength; i++) bits |= shared[i]!;
  if (bits === 0 || shared.byteLength !== DH_BYTES) throw new HandshakeError('low-order', `${token}: all-zero shared secret`);
  return shared;
}

export class HandshakeError extends Error {
  constructor(readonly failure: HandshakeFailure, detail: string) {
    super(`Noise handshake ${failure}: ${detail}`);
    this.name = 'HandshakeError';
  }
}

export interface HandshakeOptions {
  readonly crypto: Crypto;
  readonly suite: HashSuite;
  readonly pattern: HandshakePattern;
  readonly initiator: boolean;
  readonly prologue?: Uint8Array;
  readonly staticKey?: KeyPair;
  /** Fixed ephemeral secret (test vectors); otherwise drawn from `rng`. */
  readonly ephemeralSecret?: Uint8Array;
  readonly rng?: Rng;
  readonly remoteStatic?: Uint8Array;
  readonly remoteEphemeral?: Uint8Array;
  readonly psks?: readonly Uint8Array[];
}

export class HandshakeState {
  private readonly symmetric: SymmetricState;
  private readonly crypto: Crypto;
  private readonly pattern: HandshakePattern;
  readonly initiator: boolean;
  private readonly s: KeyPair | undefined;
  private e: KeyPair | undefined;
  private rs: Uint8Array | undefined;
  private re: Uint8Array | undefined;
  private readonly psks: readonly Uint8Array[];
  private pskIndex = 0;
  private readonly ephemeralSecret: Uint8Array | undefined;
  private readonly rng: Rng | undefined;
  private messageIndex = 0;

  constructor(options: HandshakeOptions) {
    const { crypto, suite, pattern } = options;
    this.crypto = crypto;
    this.pattern = pattern;
    this.initiator = options.initiator;
    this.s = options.staticKey;
    this.rs = options.remoteStatic;
    this.re = options.remoteEphemeral;
    this.psks = options.psks ?? [];
    this.ephemeralSecret = options.ephemeralSecret;
    this.rng = options.rng;
    // MixHash(prologue) happens inside, cached per endpoint suite (the prologue is always mixed, even empty).
    this.symmetric = new SymmetricState(crypto, suite, `Noise_${pattern.name}_25519_ChaChaPoly_${suite.name}`, options.prologue ?? EMPTY);
    for (const [side, tokens] of [
      [true, pattern.initiatorPre],
      [false, pattern.responderPre],
    ] as const) {
      for (const token of tokens) {
        const mine = side === this.initiator;
        const key = token === 's' ? (mine ? this.s?.publicKey : this.rs) : mine ? this.ephemeral().publicKey : this.re;
        if (!key) throw new HandshakeError('missing-key', `pre-message ${token}`);
        this.symmetric.mixHash(key);
      }
    }
  }

  get finished(): boolean {
    return this.messageIndex >= this.pattern.messages.length;
  }

  /** true when the next message is ours to write. */
  get myTurn(): boolean {
    const next = this.pattern.messages[this.messageIndex];
    return next !== undefined && next.fromInitiator === this.initiator;
  }

  get handshakeHash(): Uint8Array {
    return this.symmetric.hash;
  }

  get remoteStaticKey(): Uint8Array | undefined {
    return this.rs;
  }

  get localEphemeral(): KeyPair | undefined {
    return this.e;
  }

  private ephemeral(): KeyPair {
    if (!this.e) {
      const secret = this.ephemeralSecret ?? this.rng?.nextBytes(DH_BYTES);
      if (!secret) throw new HandshakeError('missing-key', 'no ephemeral secret or rng');
      this.e = keyPairFromSecret(this.crypto, secret);
    }
    return this.e;
  }

  private dh(mine: KeyPair | undefined, theirs: Uint8Array | undefined, token: string): Uint8Array {
    if (!mine || !theirs) throw new HandshakeError('missing-key', token);
    return dhChecked(this.crypto, mine.secretKey, theirs, token);
  }

  private mixDh(token: Token): void {
    const sym = this.symmetric;
    // es: initiator's e with responder's s; se: initiator's s with responder's e.
    if (token === 'ee') sym.mixKey(this.dh(this.e, this.re, token));
    else if (token === 'ss') sym.mixKey(this.dh(this.s, this.rs, token));
    else if (token === 'es') sym.mixKey(this.initiator ? this.dh(this.e, this.rs, token) : this.dh(this.s, this.re, token));
    else if (token === 'se') sym.mixKey(this.initiator ? this.dh(this.s, this.re, token) : this.dh(this.e, this.rs, token));
  }

  private nextPsk(): Uint8Array {
    const psk = this.psks[this.pskIndex++];
    if (!psk) throw new HandshakeError('missing-key', 'psk');
    return psk;
  }

  writeMessage(payload: Uint8Array): Uint8Array {
    const message = this.pattern.messages[this.messageIndex];
    if (!message || message.fromInitiator !== this.initiator) throw new HandshakeError('out-of-turn', 'write');
    const parts: Uint8Array[] = [];
    for (const token of message.tokens) {
      if (token === 'e') {
        const e = this.ephemeral();
        parts.push(e.publicKey);
        this.symmetric.mixHash(e.publicKey);
        if (this.pattern.hasPsk) this.symmetric.mixKey(e.publicKey);
      } else if (token === 's') {
        if (!this.s) throw new HandshakeError('missing-key', 's');
        parts.push(this.symmetric.encryptAndHash(this.s.publicKey));
      } else if (token === 'psk') {
        this.symmetric.mixKeyAndHash(this.nextPsk());
      } else {
        this.mixDh(token);
      }
    }
    parts.push(this.symmetric.encryptAndHash(payload));
    const out = concatBytes(...parts);
    if (out.byteLength > NOISE_MESSAGE_BYTES_MAX) throw new HandshakeError('oversize', `${out.byteLength} bytes`);
    this.messageIndex++;
    return out;
  }

  /** Returns the payload; throws HandshakeError (the state is then unusable). */
  readMessage(message: Uint8Array): Uint8Array {
    const spec = this.pattern.messages[this.messageIndex];
    if (!spec || spec.fromInitiator === this.initiator) throw new HandshakeError('out-of-turn', 'read');
    if (message.byteLength > NOISE_MESSAGE_BYTES_MAX) throw new HandshakeError('oversize', `${message.byteLength} bytes`);
    let at = 0;
    const take = (count: number, what: string): Uint8Array => {
      if (at + count > message.byteLength) throw new HandshakeError('truncated', what);
      const out = message.subarray(at, at + count);
      at += count;
      return out;
    };
    for (const token of spec.tokens) {
      if (token === 'e') {
        this.re = take(DH_BYTES, 'e').slice();
        this.symmetric.mixHash(this.re);
        if (this.pattern.hasPsk) this.symmetric.mixKey(this.re);
      } else if (token === 's') {
        const length = this.symmetric.cipher.hasKey() ? DH_BYTES + TAG_BYTES : DH_BYTES;
        const rs = this.symmetric.decryptAndHash(take(length, 's'));
        if (!rs) throw new HandshakeError('decrypt', 's');
        this.rs = rs;
      } else if (token === 'psk') {
        this.symmetric.mixKeyAndHash(this.nextPsk());
      } else {
        this.mixDh(token);
      }
    }
    const payload = this.symmetric.decryptAndHash(message.subarray(at));
    if (!payload) throw new HandshakeError('decrypt', 'payload');
    this.messageIndex++;
    return payload;
  }

  /** Transport ciphers after the last message: [send, receive] from this side's view. */
  split(): { send: CipherState; receive: CipherState } {
    const [c1, c2] = this.symmetric.split();
    return this.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
  }
}
