// One secure connection: the Noise XX handshake phase (retransmission, cookies, identity
// policy checked before anything is reported) and the application API (stream, messages,
// datagrams, close, path probing). Sans-IO: the endpoint feeds it time and packets and polls
// it for datagrams and deadlines. The rest lives in connection-core.ts (state, lifecycle,
// timers), connection-sender.ts (packets out) and connection-receiver.ts (packets in).
import { formatAddr, type Addr } from '../core/addr.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Millis } from '../core/time.ts';
import type { CipherState } from './cipher-state.ts';
import type { StreamMode } from './config.ts';
import type { SavedPath } from './congestion-controller.ts';
import { CLOSE_CODE_REJECTED, toHex, type ConnectionContext, type ConnectOptions } from './connection-core.ts';
import { ConnectionReceiver } from './connection-receiver.ts';
import type { RudpDropReason } from './errors.ts';
import { datagramFrameSize } from './frame.ts';
import type { HandshakeResult, TransportParams } from './noise.ts';
import { PacketProtection } from './packet-protection.ts';
import type { CookieReply, Final, Response } from './packet.ts';
import { messageHeader, takeMessage } from './message-framing.ts';

export { toHex, type ConnectionContext, type ConnectOptions, type ConnectionState, type Outgoing } from './connection-core.ts';

export class Connection extends ConnectionReceiver {
  private readonly expectedPeer: Uint8Array | undefined;
  private readonly resumeFrom: SavedPath | undefined;

  constructor(ctx: ConnectionContext, id: number, role: 'initiator' | 'responder', remote: Addr, now: Millis, options: ConnectOptions = {}) {
    super(ctx, id, role, remote, now, options);
    this.expectedPeer = options.expectedPeer;
    this.resumeFrom = options.resume;
    if (role === 'initiator') this.urgent.push({ remote, data: this.hs.startInitiator(now, id, options.ephemeralSecret) });
  }

  private params(): TransportParams {
    return { window_bytes: this.config.stream_window_bytes, mode: this.mode };
  }

  // ================= handshake phase =================

  /** Responder: msg1 accepted, answer with msg2; or why a stranger's msg1 is refused (no state kept). */
  acceptInitiation(now: Millis, sender: number, msg1: Uint8Array, ephemeralSecret?: Uint8Array): RudpDropReason | undefined {
    this.peerId = sender;
    const packet = this.hs.startResponder(now, this.id, sender, msg1, this.params(), ephemeralSecret);
    if (typeof packet === 'string') return packet;
    this.urgent.push({ remote: this.remote, data: packet });
    return undefined;
  }

  get initiatorEphemeral(): Uint8Array | undefined {
    return this.hs.initiatorEphemeral;
  }

  /** Responder: a duplicate initiation of `size_bytes` (our msg2 was lost): answer again. */
  resendResponse(size_bytes: number): void {
    const packet = this.state === 'handshake' ? this.hs.nudge(this.now, size_bytes) : undefined;
    if (packet) this.urgent.push({ remote: this.remote, data: packet });
  }

  onCookie(now: Millis, reply: CookieReply): void {
    this.now = now;
    if (this.state !== 'handshake') return this.ctx.drop('handshake-unexpected');
    const result = this.hs.acceptCookie(now, reply);
    if (typeof result === 'string') return this.ctx.drop(result);
    this.ctx.emit({ type: 'cookie', conn: this.id });
    this.urgent.push({ remote: this.remote, data: result });
  }

  /** `_remote` is where msg2 came from: deliberately unused (see below). */
  onResponse(now: Millis, _remote: Addr, packet: Response): void {
    this.now = now;
    if (this.role !== 'initiator') return this.ctx.drop('handshake-unexpected');
    if (this.state !== 'handshake') {
      // Our msg3 was lost: the responder retransmits msg2 until it hears it.
      if (packet.sender === this.peerId && this.hs.finalPacket && !this.receivedAnyData) this.urgent.push({ remote: this.remote, data: this.hs.finalPacket });
      else this.ctx.drop('handshake-unexpected');
      return;
    }
    const result = this.hs.readResponse(packet.noise);
    if (!result) return this.ctx.drop('handshake-decrypt');
    if (this.expectedPeer && !equalBytes(this.expectedPeer, result.remoteStatic)) {
      return this.fail('identity-mismatch', `peer is ${toHex(result.remoteStatic)}, expected ${toHex(this.expectedPeer)}`);
    }
    if (this.ctx.acceptPeer && !this.ctx.acceptPeer(result.remoteStatic)) {
      return this.fail('peer-rejected', `refused identity ${toHex(result.remoteStatic)}`);
    }
    this.peerId = packet.sender;
    // The path stays the address we dialed: msg2 authenticates the peer, not the address it
    // came from (a stranger could race a copy). A real move is validated like any other.
    this.urgent.push({ remote: this.remote, data: this.hs.writeFinal(this.peerId, this.params()) });
    const rtt = this.hs.rttSample(now);
    if (rtt !== undefined) this.loss.rtt.update(rtt, 0);
    this.finalRetryAt = now + this.loss.rtt.pto_ms(this.config.max_ack_delay_ms);
    if (this.resumeFrom) this.cc.resume?.(now, this.resumeFrom, this.loss.rtt);
    this.installKeys(now, result, this.hs.split(), this.mode);
    this.reportConnected(result);
  }

  /** `_remote` is where msg3 came from: deliberately unused (the path stays the initiation's source). */
  onFinal(now: Millis, _remote: Addr, packet: Final): void {
    this.now = now;
    if (this.role !== 'responder' || this.state !== 'handshake') return this.ctx.drop('handshake-unexpected');
    const result = this.hs.readFinal(packet.noise);
    if (!result) return this.ctx.drop('handshake-decrypt');
    const keys = this.hs.split();
    if (this.ctx.acceptPeer && !this.ctx.acceptPeer(result.remoteStatic)) {
      // Identity before anything is reported: the application never hears `connected` for
      // a refused key. The initiator learns it from an authenticated CLOSE.
      this.protection = new PacketProtection(this.ctx.crypto, keys.send, keys.receive, this.config.replay_window_packets, now, this.config.rekey_after_ms);
      this.queueClose('peer-rejected', `refused identity ${toHex(result.remoteStatic)}`, CLOSE_CODE_REJECTED);
      return this.fail('peer-rejected', `refused identity ${toHex(result.remoteStatic)}`);
    }
    const rtt = this.hs.rttSample(now);
    if (rtt !== undefined) this.loss.rtt.update(rtt, 0);
    this.installKeys(now, result, keys, result.params.mode);
    // Confirms the handshake to the initiator at once (it stops repeating msg3).
    this.pingPending = true;
    this.reportConnected(result);
  }

  private installKeys(now: Millis, result: HandshakeResult, keys: { send: CipherState; receive: CipherState }, mode: StreamMode): void {
    // A session never changes its peer's identity: keys are installed exactly once.
    if (this.protection || this.peerStatic) throw new Error(`invariant: connection ${this.id} keyed twice`);
    this.protection = new PacketProtection(this.ctx.crypto, keys.send, keys.receive, this.config.replay_window_packets, now, this.config.rekey_after_ms);
    this.peerStatic = result.remoteStatic;
    this.peerMaxData = result.params.window_bytes;
    this.mode = mode;
    this.state = 'established';
    this.hs.finish();
    this.idleDeadline = now + this.config.idle_timeout_ms;
    this.keepaliveDeadline = now + this.config.keepalive_interval_ms;
    this.statsDeadline = now + this.config.stats_interval_ms;
  }

  private reportConnected(result: HandshakeResult): void {
    this.ctx.emit({ type: 'connected', conn: this.id, role: this.role, peer: toHex(result.remoteStatic), remote: formatAddr(this.remote) });
  }

  // ================= application API =================

  /** True while write()/sendMessage() may queue bytes. */
  get writable(): boolean {
    return this.state !== 'closed' && this.state !== 'draining' && !this.sendStream.finished;
  }

  /** Accepts up to the free send buffer; returns the bytes taken (stream mode). */
  write(data: Uint8Array): number {
    if (!this.writable) return 0;
    const taken = this.sendStream.write(data);
    if (taken < data.byteLength) this.writeBlocked = true;
    if (taken > 0) this.wake = true;
    return taken;
  }

  writableBytes(): number {
    return this.writable ? this.sendStream.available_bytes : 0;
  }

  /** Message mode: queues a whole message or nothing. */
  sendMessage(message: Uint8Array): boolean {
    if (message.byteLength > this.config.message_bytes_max || !this.writable) return false;
    const header = messageHeader(message.byteLength);
    if (this.sendStream.available_bytes < header.byteLength + message.byteLength) {
      this.writeBlocked = true;
      return false;
    }
    this.sendStream.write(header);
    this.sendStream.write(message);
    this.wake = true;
    return true;
  }

  read(max_bytes?: number): Uint8Array | undefined {
    const data = this.receiveStream.read(max_bytes);
    if (!data) this.readableSignalled = false;
    else this.afterRead();
    return data;
  }

  readMessage(): Uint8Array | undefined {
    const message = takeMessage(this.receiveStream, this.config.message_bytes_max);
    if (!message) {
      this.readableSignalled = false;
      return undefined;
    }
    this.afterRead();
    // The next head may already be buffered: its declared length is checked now too.
    if (this.state === 'established' || this.state === 'draining') this.checkMessageHead(this.now);
    return message;
  }

  private afterRead(): void {
    if (this.receiveStream.windowUpdate() !== undefined) {
      this.maxDataPending = true;
      this.wake = true;
    }
  }

  /** Largest payload sendDatagram() accepts. */
  get datagramPayloadMax(): number {
    return this.payloadBudget - datagramFrameSize(0) - 1;
  }

  sendDatagram(data: Uint8Array): boolean {
    if (this.state !== 'established' || data.byteLength > this.datagramPayloadMax) return false;
    this.datagramsOut.push(data);
    this.wake = true;
    return true;
  }

  readDatagram(): Uint8Array | undefined {
    return this.datagramsIn.shift();
  }

  /**
   * Initiator still in the handshake: send the initiation again at the next timeout (now),
   * because the composing machine moved the path under it (issue 15: relay -> direct, or a
   * fallback to the relay). The back-off continues from there. False when not applicable.
   */
  retryHandshake(now: Millis): boolean {
    this.now = now;
    if (this.state !== 'handshake' || this.role !== 'initiator' || this.hs.deadline === undefined) return false;
    this.hs.deadline = Math.min(this.hs.deadline, now);
    return true;
  }

  /**
   * Validates `remote` as the new path (a composing machine proposes one, e.g. a relay ->
   * direct upgrade): traffic moves only after the PATH_RESPONSE. False when not established.
   */
  probePath(now: Millis, remote: Addr): boolean {
    this.now = now;
    if (this.state !== 'established') return false;
    this.paths.cancel();
    this.paths.start(now, remote, Number.MAX_SAFE_INTEGER, this.pathTimeout_ms(), Infinity);
    this.wake = true;
    return true;
  }

  /** The address under validation, if any. */
  get pathCandidate(): Addr | undefined {
    return this.paths.validating;
  }

  /** Graceful close: FIN after the buffered data; closed once both FINs are acknowledged. */
  close(now: Millis): void {
    this.now = now;
    if (this.state === 'closed') return;
    this.sendStream.finish();
    this.wake = true;
    this.checkClosed(now);
  }
}
