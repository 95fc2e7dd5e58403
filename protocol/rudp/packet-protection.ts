// Per-packet AEAD for data packets: the explicit 64-bit counter is the nonce and the packet
// number, the 13-byte header is the associated data, a replay window rejects repeats, and
// the key phase bit lets each direction rekey (Noise REKEY) after a message or time limit.
import type { Crypto } from '../core/crypto.ts';
import type { Millis } from '../core/time.ts';
import { CipherState, chachaNonce, TAG_BYTES } from './cipher-state.ts';
import { DATA_HEADER_BYTES, writeDataHeader, type DataPacket } from './packet.ts';
import { ReplayWindow } from './replay-window.ts';

export type OpenFailure = 'replay' | 'auth';

export class PacketProtection {
  private sendKey: Uint8Array;
  private sendPhase: 0 | 1 = 0;
  private sendPhaseStartPn = 0;
  /** When the current send phase has lasted rekey_after_ms (a stored deadline). */
  private sendRekeyAt: Millis;
  private receiveKey: Uint8Array;
  private receivePrevKey: Uint8Array | undefined;
  private receiveNextKey: Uint8Array | undefined;
  private receivePhase: 0 | 1 = 0;
  private receivePhaseStartPn = 0;
  private readonly replay: ReplayWindow;
  private readonly nonce = new Uint8Array(12);
  /** Scratch for the header of the packet being sealed (copied into the datagram). */
  private readonly header = new Uint8Array(DATA_HEADER_BYTES);

  constructor(
    private readonly crypto: Crypto,
    send: CipherState,
    receive: CipherState,
    replayWindow_packets: number,
    now: Millis,
    rekeyAfter_ms: number,
  ) {
    this.sendKey = send.keyBytes()!;
    this.receiveKey = receive.keyBytes()!;
    this.replay = new ReplayWindow(replayWindow_packets);
    this.sendRekeyAt = now + rekeyAfter_ms;
  }

  /** Header + AEAD(plaintext) as one datagram. */
  seal(receiver: number, pn: number, plaintext: Uint8Array): Uint8Array {
    const header = this.header;
    writeDataHeader(header, receiver, this.sendPhase, pn);
    const nonce = chachaNonce(pn, this.nonce);
    // One buffer per datagram when the provider can: the header is the associated data.
    if (this.crypto.aeadSealPacket) return this.crypto.aeadSealPacket(this.sendKey, nonce, header, plaintext);
    const out = new Uint8Array(DATA_HEADER_BYTES + plaintext.byteLength + TAG_BYTES);
    out.set(header);
    out.set(this.crypto.aeadSeal(this.sendKey, nonce, plaintext, header), DATA_HEADER_BYTES);
    return out;
  }

  open(packet: DataPacket): Uint8Array | OpenFailure {
    const pn = packet.counter;
    if (!this.replay.check(pn)) return 'replay';
    if (packet.ciphertext.byteLength < TAG_BYTES) return 'auth';
    let key: Uint8Array;
    let rotating = false;
    if (packet.phase === this.receivePhase) key = this.receiveKey;
    else if (this.receivePrevKey && pn < this.receivePhaseStartPn) key = this.receivePrevKey;
    else {
      this.receiveNextKey ??= CipherState.rekeyBytes(this.crypto, this.receiveKey);
      key = this.receiveNextKey;
      rotating = true;
    }
    const plaintext = this.crypto.aeadOpen(key, chachaNonce(pn, this.nonce), packet.ciphertext, packet.header);
    if (!plaintext) return 'auth';
    this.replay.mark(pn);
    if (rotating) {
      this.receivePrevKey = this.receiveKey;
      this.receiveKey = key;
      this.receiveNextKey = undefined;
      this.receivePhase = packet.phase;
      this.receivePhaseStartPn = pn;
      this.rotatedReceive = true;
    }
    return plaintext;
  }

  /** Set when open() moved to the peer's next key phase; the caller clears it. */
  rotatedReceive = false;

  /**
   * Rekeys the send direction when a limit is reached, but only once the peer has
   * acknowledged a packet of the current phase (so it never has to jump two phases).
   */
  maybeRekeySend(now: Millis, nextPn: number, largestAckedPn: number, afterMessages: number, after_ms: number): boolean {
    const due = nextPn - this.sendPhaseStartPn >= afterMessages || now >= this.sendRekeyAt;
    if (!due || largestAckedPn < this.sendPhaseStartPn) return false;
    this.sendKey = CipherState.rekeyBytes(this.crypto, this.sendKey);
    this.sendPhase = this.sendPhase === 0 ? 1 : 0;
    this.sendPhaseStartPn = nextPn;
    this.sendRekeyAt = now + after_ms;
    return true;
  }
}
