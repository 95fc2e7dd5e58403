// The handshake phase of one connection: Noise XX state, the packet to retransmit with
// exponential back-off, the initiator's cookie and stored msg3, and the RTT sample the
// exchange yields. The connection decides policy (pinning, acceptance) and what follows.
import type { Crypto } from '../core/crypto.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import type { RudpConfig } from './config.ts';
import { openCookieReply, sealInitiationMacs, type CookieKeys } from './cookie.ts';
import type { HashSuite } from './hash-suite.ts';
import { HandshakeError, type KeyPair } from './handshake-state.ts';
import type { CipherState } from './cipher-state.ts';
import { InitiatorHandshake, ResponderHandshake, type HandshakeResult, type TransportParams } from './noise.ts';
import { encodeFinal, encodeInitiation, encodeResponse, INITIATION_BYTES, type CookieReply } from './packet.ts';

export interface HandshakeSetup {
  readonly crypto: Crypto;
  readonly suite: HashSuite;
  readonly staticKey: KeyPair;
  readonly rng: Rng;
  readonly cookieKeys: CookieKeys;
  readonly config: RudpConfig;
}

export class Handshaker {
  private initiatorHs: InitiatorHandshake | undefined;
  private responderHs: ResponderHandshake | undefined;
  /** The initiation or response to retransmit until the next message arrives. */
  packet: Uint8Array | undefined;
  sent_ms: Millis = 0;
  private retransmitted = false;
  private rto_ms: number;
  deadline: Millis | undefined;
  readonly giveUp: Millis;
  /** Initiator: msg3, kept to answer a retransmitted msg2 until data arrives. */
  finalPacket: Uint8Array | undefined;
  private cookie: { value: Uint8Array; expires: Millis } | undefined;
  private lastMac1: Uint8Array | undefined;
  private localId = 0;
  /**
   * Responder: bytes it may still send to the initiator's (unvalidated) address, earned by
   * what arrived from there (initiations, early data). msg2 is never sent beyond it, so a
   * spoofed initiation gets at most one answer no larger than itself.
   */
  private credit_bytes = 0;

  constructor(private readonly setup: HandshakeSetup, now: Millis) {
    this.rto_ms = setup.config.handshake_rto_ms;
    this.giveUp = now + setup.config.handshake_timeout_ms;
  }

  private noiseSetup(ephemeralSecret: Uint8Array | undefined) {
    const { crypto, suite, staticKey, rng } = this.setup;
    return { crypto, suite, staticKey, rng, ephemeralSecret };
  }

  /** Initiator: the first initiation packet. */
  startInitiator(now: Millis, localId: number, ephemeralSecret?: Uint8Array): Uint8Array {
    this.localId = localId;
    this.initiatorHs = new InitiatorHandshake(this.noiseSetup(ephemeralSecret));
    return this.sealInitiation(now);
  }

  private sealInitiation(now: Millis): Uint8Array {
    const packet = encodeInitiation(this.localId, this.initiatorHs!.msg1);
    const cookie = this.cookie && now < this.cookie.expires ? this.cookie.value : undefined;
    this.lastMac1 = sealInitiationMacs(this.setup.crypto, this.setup.cookieKeys, packet, cookie);
    return this.arm(now, packet);
  }

  private arm(now: Millis, packet: Uint8Array): Uint8Array {
    this.packet = packet;
    this.sent_ms = now;
    this.deadline = now + this.rto_ms;
    return packet;
  }

  /** Responder: reads msg1 and returns the response packet, or why msg1 is unusable. */
  startResponder(now: Millis, localId: number, sender: number, msg1: Uint8Array, params: TransportParams, ephemeralSecret?: Uint8Array, msg1Bytes = INITIATION_BYTES): Uint8Array | 'handshake-low-order' | 'handshake-decrypt' {
    this.localId = localId;
    const hs = ResponderHandshake.start(this.noiseSetup(ephemeralSecret), msg1, params);
    if (!(hs instanceof ResponderHandshake)) return hs instanceof HandshakeError && hs.failure === 'low-order' ? 'handshake-low-order' : 'handshake-decrypt';
    this.responderHs = hs;
    const response = encodeResponse(localId, sender, hs.msg2);
    this.credit_bytes = msg1Bytes - response.byteLength;
    return this.arm(now, response);
  }

  get initiatorEphemeral(): Uint8Array | undefined {
    return this.responderHs?.initiatorEphemeral;
  }

  get isInitiating(): boolean {
    return this.initiatorHs !== undefined;
  }

  /** Initiator: a cookie reply; returns the re-sealed initiation, or why it was dropped. */
  acceptCookie(now: Millis, reply: CookieReply): Uint8Array | 'bad-cookie-reply' | 'handshake-unexpected' {
    if (!this.initiatorHs || !this.lastMac1) return 'handshake-unexpected';
    const cookie = openCookieReply(this.setup.crypto, this.setup.cookieKeys, reply, this.lastMac1);
    if (!cookie) return 'bad-cookie-reply';
    this.cookie = { value: cookie, expires: now + this.setup.config.cookie_lifetime_ms };
    this.retransmitted = true;
    return this.sealInitiation(now);
  }

  /** Initiator: msg2, or undefined when it does not authenticate (state is rewound). */
  readResponse(noise: Uint8Array): HandshakeResult | undefined {
    const result = this.initiatorHs!.readMsg2(noise);
    return 'remoteStatic' in result ? result : undefined;
  }

  writeFinal(peerId: number, params: TransportParams): Uint8Array {
    this.finalPacket = encodeFinal(peerId, this.initiatorHs!.writeMsg3(params));
    return this.finalPacket;
  }

  readFinal(noise: Uint8Array): HandshakeResult | undefined {
    const result = this.responderHs!.readMsg3(noise);
    return 'remoteStatic' in result ? result : undefined;
  }

  split(): { send: CipherState; receive: CipherState } {
    return (this.initiatorHs ?? this.responderHs)!.split();
  }

  /** The exchange's round trip, if our packet was never retransmitted (Karn). */
  rttSample(now: Millis): number | undefined {
    return this.retransmitted ? undefined : now - this.sent_ms;
  }

  /** The handshake completed: stop retransmitting, drop the Noise state. */
  finish(): void {
    this.deadline = undefined;
    this.packet = undefined;
    this.initiatorHs = undefined;
    this.responderHs = undefined;
  }

  /** The packet to retransmit when the back-off deadline passed, else undefined. */
  onTimeout(now: Millis): Uint8Array | undefined {
    if (this.deadline === undefined || now < this.deadline || !this.packet) return undefined;
    this.retransmitted = true;
    this.rto_ms = Math.min(this.rto_ms * 2, this.setup.config.handshake_rto_max_ms);
    if (this.initiatorHs) return this.sealInitiation(now);
    if (this.credit_bytes < this.packet.byteLength) {
      // No credit: the initiator's own retransmission (or its early data) will earn the
      // answer. The deadline still moves on, so nothing stays due at now.
      this.deadline = now + this.rto_ms;
      return undefined;
    }
    this.credit_bytes -= this.packet.byteLength;
    return this.arm(now, this.packet);
  }

  /** Responder: `received_bytes` more arrived from the initiator (a duplicate initiation or early data); resend the response if they pay for it. */
  nudge(now: Millis, received_bytes: number): Uint8Array | undefined {
    if (!this.packet) return undefined;
    this.credit_bytes += received_bytes;
    if (this.credit_bytes < this.packet.byteLength) return undefined;
    this.credit_bytes -= this.packet.byteLength;
    this.sent_ms = now;
    return this.packet;
  }
}
