// Noise XX for the secure transport: the initiator and responder halves, each able to redo
// its work deterministically (same ephemeral, same bytes) so a tampered message never
// poisons the handshake. Handshake payloads carry the transport parameters.
import type { Crypto } from '../core/crypto.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import type { Rng } from '../core/rng.ts';
import type { CipherState } from './cipher-state.ts';
import type { StreamMode } from './config.ts';
import type { HashSuite } from './hash-suite.ts';
import { handshakePattern } from './handshake-pattern.ts';
import { DH_BYTES, HandshakeError, HandshakeState, type KeyPair } from './handshake-state.ts';
import { utf8 } from '../core/bytes.ts';

const XX = handshakePattern('XX');
const PROLOGUE = utf8('peerlab-rudp/1');
const PARAMS_VERSION = 1;
export const PARAMS_BYTES = 6;

export interface TransportParams {
  readonly window_bytes: number;
  readonly mode: StreamMode;
}

export function encodeParams(params: TransportParams): Uint8Array {
  const out = new Uint8Array(PARAMS_BYTES);
  out[0] = PARAMS_VERSION;
  out[1] = params.mode === 'message' ? 1 : 0;
  new DataView(out.buffer).setUint32(2, Math.min(params.window_bytes, 0xffff_ffff));
  return out;
}

export function decodeParams(data: Uint8Array): TransportParams {
  if (data.byteLength !== PARAMS_BYTES) throw new DecodeError('invalid', 'params.length');
  const reader = new Reader(data);
  if (reader.u8('params.version') !== PARAMS_VERSION) throw new DecodeError('invalid', 'params.version');
  const mode = reader.u8('params.mode');
  if (mode > 1) throw new DecodeError('invalid', 'params.mode');
  const window_bytes = reader.u32('params.window');
  reader.end('params');
  return { mode: mode === 1 ? 'message' : 'stream', window_bytes };
}

export interface HandshakeResult {
  readonly remoteStatic: Uint8Array;
  readonly params: TransportParams;
}

interface Setup {
  readonly crypto: Crypto;
  readonly suite: HashSuite;
  readonly staticKey: KeyPair;
  readonly rng: Rng;
  /** Injected for tests; otherwise drawn from rng once. */
  readonly ephemeralSecret?: Uint8Array;
}

function state(setup: Setup, initiator: boolean, ephemeralSecret: Uint8Array): HandshakeState {
  return new HandshakeState({
    crypto: setup.crypto,
    suite: setup.suite,
    pattern: XX,
    initiator,
    prologue: PROLOGUE,
    staticKey: setup.staticKey,
    ephemeralSecret,
  });
}

export class InitiatorHandshake {
  private hs: HandshakeState;
  private readonly ephemeralSecret: Uint8Array;
  readonly msg1: Uint8Array;

  constructor(private readonly setup: Setup) {
    this.ephemeralSecret = setup.ephemeralSecret ?? setup.rng.nextBytes(DH_BYTES);
    this.hs = state(setup, true, this.ephemeralSecret);
    this.msg1 = this.hs.writeMessage(new Uint8Array(0));
  }

  /** Reads msg2; on failure rewinds to "msg1 sent" and returns the error. */
  readMsg2(noise: Uint8Array): HandshakeResult | HandshakeError | DecodeError {
    try {
      const params = decodeParams(this.hs.readMessage(noise));
      return { remoteStatic: this.hs.remoteStaticKey!, params };
    } catch (error) {
      this.hs = state(this.setup, true, this.ephemeralSecret);
      this.hs.writeMessage(new Uint8Array(0));
      if (error instanceof HandshakeError || error instanceof DecodeError) return error;
      throw error;
    }
  }

  writeMsg3(params: TransportParams): Uint8Array {
    return this.hs.writeMessage(encodeParams(params));
  }

  split(): { send: CipherState; receive: CipherState } {
    return this.hs.split();
  }
}

export class ResponderHandshake {
  private hs!: HandshakeState;
  private readonly ephemeralSecret: Uint8Array;
  readonly msg2: Uint8Array;

  /**
   * Reads msg1 and writes msg2, or returns why a stranger's msg1 is unusable (a low-order
   * ephemeral makes the `ee` DH fail): a typed value, never a throw, so one crafted
   * initiation cannot take a listener down.
   */
  static start(setup: Setup, msg1: Uint8Array, params: TransportParams): ResponderHandshake | HandshakeError | DecodeError {
    try {
      return new ResponderHandshake(setup, msg1, params);
    } catch (error) {
      if (error instanceof HandshakeError || error instanceof DecodeError) return error;
      throw error;
    }
  }

  private constructor(private readonly setup: Setup, private readonly msg1: Uint8Array, private readonly params: TransportParams) {
    this.ephemeralSecret = setup.ephemeralSecret ?? setup.rng.nextBytes(DH_BYTES);
    this.msg2 = this.rebuild();
  }

  private rebuild(): Uint8Array {
    this.hs = state(this.setup, false, this.ephemeralSecret);
    this.hs.readMessage(this.msg1);
    return this.hs.writeMessage(encodeParams(this.params));
  }

  /** The initiator's ephemeral public key (the replay-detection key). */
  get initiatorEphemeral(): Uint8Array {
    return this.msg1.subarray(0, DH_BYTES);
  }

  readMsg3(noise: Uint8Array): HandshakeResult | HandshakeError | DecodeError {
    try {
      const params = decodeParams(this.hs.readMessage(noise));
      return { remoteStatic: this.hs.remoteStaticKey!, params };
    } catch (error) {
      this.rebuild();
      if (error instanceof HandshakeError || error instanceof DecodeError) return error;
      throw error;
    }
  }

  split(): { send: CipherState; receive: CipherState } {
    return this.hs.split();
  }
}
