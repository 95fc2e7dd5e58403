// One secure connection: the Noise XX handshake with retransmission and cookies, then the
// reliable stream, message framing, unreliable datagrams, loss recovery, congestion control,
// pacing, flow control, keepalive, idle timeout and close. Sans-IO: the endpoint feeds it
// time and packets and polls it for datagrams and deadlines.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import type { Crypto } from '../core/crypto.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TAG_BYTES } from './cipher-state.ts';
import type { RudpConfig, StreamMode } from './config.ts';
import type { CongestionController, SavedPath } from './congestion-controller.ts';
import type { CookieKeys } from './cookie.ts';
import type { RudpDropReason, RudpErrorCode } from './errors.ts';
import type { RudpEvent, StatsSample } from './events.ts';
import { datagramFrameSize, decodeFrames, encodeClose, FRAME, writeDatagram, writeMaxData, writeStreamHeader, type Frame } from './frame.ts';
import type { HashSuite } from './hash-suite.ts';
import type { KeyPair } from './handshake-state.ts';
import { LossDetection } from './loss-detection.ts';
import { Handshaker } from './handshaker.ts';
import type { HandshakeResult, TransportParams } from './noise.ts';
import type { CipherState } from './cipher-state.ts';
import { DATA_HEADER_BYTES, type CookieReply, type DataPacket, type Final, type Response } from './packet.ts';
import { PacketProtection } from './packet-protection.ts';
import { Pacer } from './pacer.ts';
import { PmtuProber } from './pmtu-prober.ts';
import { AckTracker } from './ack-tracker.ts';
import { ReceiveStream } from './receive-stream.ts';
import { SendStream } from './send-stream.ts';
import type { SentPacket } from './sent-packet.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { messageHeader, peekMessage, takeMessage } from './message-framing.ts';

export interface ConnectionContext {
  readonly crypto: Crypto;
  readonly rng: Rng;
  readonly config: RudpConfig;
  readonly suite: HashSuite;
  readonly staticKey: KeyPair;
  readonly cookieKeys: CookieKeys;
  readonly emit: (event: RudpEvent) => void;
  readonly drop: (reason: RudpDropReason) => void;
  readonly makeController: () => CongestionController;
  /** Responder-side identity policy; undefined accepts everyone. */
  readonly acceptPeer?: (publicKey: Uint8Array) => boolean;
}

export type ConnectionState = 'handshake' | 'established' | 'draining' | 'closed';

/** Close code sent in CLOSE frames. */
const CLOSE_CODE_ABORT = 1;
const CLOSE_CODE_VIOLATION = 2;
const CLOSE_CODE_REJECTED = 3;
/** How many copies of a CLOSE packet we send (it is never retransmitted). */
const CLOSE_COPIES = 2;
/** Largest STREAM frame header: type + 8-byte offset + 8-byte length (any datagram size). */
const STREAM_HEADER_BYTES_MAX = 17;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export interface ConnectOptions {
  /** Pinned identity: the peer's static public key. */
  readonly expectedPeer?: Uint8Array;
  readonly mode?: StreamMode;
  /** Test hook: fixed ephemeral secret. */
  readonly ephemeralSecret?: Uint8Array;
  /** Careful Resume: congestion state saved from an earlier connection to this peer. */
  readonly resume?: SavedPath;
}

export class Connection {
  state: ConnectionState = 'handshake';
  peerId = 0;
  remote: Addr;
  peerStatic: Uint8Array | undefined;
  mode: StreamMode;
  private now: Millis;
  private readonly config: RudpConfig;
  // ---- handshake ----
  private readonly hs: Handshaker;
  private readonly expectedPeer: Uint8Array | undefined;
  // ---- transport ----
  private protection: PacketProtection | undefined;
  readonly loss: LossDetection;
  readonly cc: CongestionController;
  private readonly pacer: Pacer;
  readonly sendStream: SendStream;
  readonly receiveStream: ReceiveStream;
  private nextPn = 0;
  private readonly acks: AckTracker;
  private peerMaxData = 0;
  private maxDataPending = false;
  private pingPending = false;
  private probesPending = 0;
  private readonly datagramsOut: BoundedQueue<Uint8Array>;
  private readonly datagramsIn: BoundedQueue<Uint8Array>;
  private readonly urgent: Uint8Array[] = [];
  private pacerWake: Millis | undefined;
  private wake = false;
  private lastReceived_ms: Millis;
  private lastElicitingSent_ms: Millis;
  private statsDeadline: Millis | undefined;
  private drainDeadline: Millis | undefined;
  private closePacket: Uint8Array | undefined;
  private endEmitted = false;
  private finishedEmitted = false;
  private writeBlocked = false;
  private readableSignalled = false;
  private receivedAnyData = false;
  private plain: Uint8Array;
  private payloadBudget: number;
  private datagramBytes: number;
  private readonly pmtu: PmtuProber | undefined;
  private readonly resumeFrom: SavedPath | undefined;
  // ---- counters ----
  sent_packets = 0;
  received_packets = 0;
  retransmitted = 0;
  private sentSinceStats = 0;

  constructor(
    private readonly ctx: ConnectionContext,
    readonly id: number,
    readonly role: 'initiator' | 'responder',
    remote: Addr,
    now: Millis,
    options: ConnectOptions = {},
  ) {
    this.config = ctx.config;
    this.remote = remote;
    this.now = now;
    this.mode = options.mode ?? ctx.config.mode;
    this.expectedPeer = options.expectedPeer;
    this.resumeFrom = options.resume;
    this.hs = new Handshaker({ ...this.setup(), cookieKeys: ctx.cookieKeys, config: ctx.config }, now);
    this.lastReceived_ms = now;
    this.lastElicitingSent_ms = now;
    this.cc = ctx.makeController();
    this.loss = new LossDetection(this.config.initial_rtt_ms, this.cc, this.config.max_ack_delay_ms, this.config.pto_max_ms);
    this.pacer = new Pacer(this.config.pacing_burst_packets, this.config.datagram_bytes, this.config.pacing_burst_ms);
    this.datagramsOut = new BoundedQueue(this.config.datagram_queue_max);
    this.datagramsIn = new BoundedQueue(this.config.datagram_queue_max);
    this.acks = new AckTracker(this.config.ack_eliciting_threshold, this.config.max_ack_delay_ms);
    this.sendStream = new SendStream(this.config.send_buffer_bytes);
    this.receiveStream = new ReceiveStream(this.config.stream_window_bytes);
    this.datagramBytes = this.config.datagram_bytes;
    this.payloadBudget = this.datagramBytes - DATA_HEADER_BYTES - TAG_BYTES;
    this.plain = new Uint8Array(this.payloadBudget);
    if (this.config.pmtu_probe_max_bytes > this.datagramBytes) this.pmtu = new PmtuProber(this.datagramBytes, this.config.pmtu_probe_max_bytes);
    if (role === 'initiator') {
      this.urgent.push(this.hs.startInitiator(now, id, options.ephemeralSecret));
    }
  }

  private setup(): { crypto: Crypto; suite: HashSuite; staticKey: KeyPair; rng: Rng } {
    return { crypto: this.ctx.crypto, suite: this.ctx.suite, staticKey: this.ctx.staticKey, rng: this.ctx.rng };
  }

  private params(): TransportParams {
    return { window_bytes: this.config.stream_window_bytes, mode: this.mode };
  }

  // ================= handshake =================

  /** Responder: msg1 accepted, answer with msg2. */
  acceptInitiation(now: Millis, sender: number, msg1: Uint8Array, ephemeralSecret?: Uint8Array): void {
    this.peerId = sender;
    this.urgent.push(this.hs.startResponder(now, this.id, sender, msg1, this.params(), ephemeralSecret));
  }

  get initiatorEphemeral(): Uint8Array | undefined {
    return this.hs.initiatorEphemeral;
  }

  /** Responder: a duplicate initiation (our msg2 was lost): answer again. */
  resendResponse(): void {
    const packet = this.state === 'handshake' ? this.hs.nudge(this.now) : undefined;
    if (packet) this.urgent.push(packet);
  }

  onCookie(now: Millis, reply: CookieReply): void {
    this.now = now;
    if (this.state !== 'handshake') return this.ctx.drop('handshake-unexpected');
    const result = this.hs.acceptCookie(now, reply);
    if (typeof result === 'string') return this.ctx.drop(result);
    this.ctx.emit({ type: 'cookie', conn: this.id });
    this.urgent.push(result);
  }

  onResponse(now: Millis, remote: Addr, packet: Response): void {
    this.now = now;
    if (this.role !== 'initiator') return this.ctx.drop('handshake-unexpected');
    if (this.state !== 'handshake') {
      // Our msg3 was lost: the responder retransmits msg2 until it hears it.
      if (packet.sender === this.peerId && this.hs.finalPacket && !this.receivedAnyData) this.urgent.push(this.hs.finalPacket);
      else this.ctx.drop('handshake-unexpected');
      return;
    }
    const result = this.hs.readResponse(packet.noise);
    if (!result) return this.ctx.drop('handshake-decrypt');
    if (this.expectedPeer && !bytesEqual(this.expectedPeer, result.remoteStatic)) {
      return this.fail('identity-mismatch', `peer is ${toHex(result.remoteStatic)}, expected ${toHex(this.expectedPeer)}`);
    }
    if (this.ctx.acceptPeer && !this.ctx.acceptPeer(result.remoteStatic)) {
      return this.fail('peer-rejected', `refused identity ${toHex(result.remoteStatic)}`);
    }
    this.peerId = packet.sender;
    this.remote = remote;
    this.urgent.push(this.hs.writeFinal(this.peerId, this.params()));
    const rtt = this.hs.rttSample(now);
    if (rtt !== undefined) this.loss.rtt.update(rtt, 0);
    if (this.resumeFrom) this.cc.resume?.(now, this.resumeFrom, this.loss.rtt);
    this.establish(now, result, this.hs.split(), this.mode);
  }

  onFinal(now: Millis, remote: Addr, packet: Final): void {
    this.now = now;
    if (this.role !== 'responder' || this.state !== 'handshake') return this.ctx.drop('handshake-unexpected');
    const result = this.hs.readFinal(packet.noise);
    if (!result) return this.ctx.drop('handshake-decrypt');
    const rtt = this.hs.rttSample(now);
    if (rtt !== undefined) this.loss.rtt.update(rtt, 0);
    this.remote = remote;
    this.establish(now, result, this.hs.split(), result.params.mode);
    if (this.ctx.acceptPeer && !this.ctx.acceptPeer(result.remoteStatic)) {
      this.abort(now, 'peer-rejected', `refused identity ${toHex(result.remoteStatic)}`, CLOSE_CODE_REJECTED);
    }
  }

  private establish(now: Millis, result: HandshakeResult, keys: { send: CipherState; receive: CipherState }, mode: StreamMode): void {
    this.protection = new PacketProtection(this.ctx.crypto, keys.send, keys.receive, this.config.replay_window_packets, now);
    this.peerStatic = result.remoteStatic;
    this.peerMaxData = result.params.window_bytes;
    this.mode = mode;
    this.state = 'established';
    this.hs.finish();
    this.lastReceived_ms = now;
    this.lastElicitingSent_ms = now;
    this.statsDeadline = now + this.config.stats_interval_ms;
    this.ctx.emit({ type: 'connected', conn: this.id, role: this.role, peer: toHex(result.remoteStatic), remote: formatAddr(this.remote) });
  }

  // ================= receiving data =================

  onData(now: Millis, remote: Addr, packet: DataPacket): void {
    this.now = now;
    if (this.state === 'handshake') {
      // The initiator is already sending: our msg2 or its msg3 was lost. Nudge it.
      if (this.role === 'responder' && now >= this.hs.sent_ms + this.loss.rtt.smoothed_ms) {
        const packet = this.hs.nudge(now);
        if (packet) this.urgent.push(packet);
      }
      return this.ctx.drop('handshake-unexpected');
    }
    if (this.state === 'closed') {
      if (this.closePacket) this.urgent.push(this.closePacket);
      return this.ctx.drop('closed');
    }
    const plaintext = this.protection!.open(packet);
    if (typeof plaintext === 'string') return this.ctx.drop(plaintext);
    if (this.protection!.rotatedReceive) {
      this.protection!.rotatedReceive = false;
      this.ctx.emit({ type: 'rekeyed', conn: this.id, direction: 'receive' });
    }
    let frames: Frame[];
    try {
      frames = decodeFrames(plaintext);
    } catch (error) {
      if (error instanceof DecodeError) return this.ctx.drop('malformed');
      throw error;
    }
    this.received_packets++;
    this.lastReceived_ms = now;
    this.receivedAnyData = true;
    this.hs.finalPacket = undefined;
    const pn = packet.counter;
    const newest = pn > this.acks.largestReceived;
    if (newest && !addrEquals(remote, this.remote)) {
      // NAT rebinding or roaming: the connection id, not the address, names the session.
      this.ctx.emit({ type: 'path-changed', conn: this.id, from: formatAddr(this.remote), to: formatAddr(remote) });
      this.remote = remote;
    }
    let eliciting = false;
    for (const frame of frames) {
      if (frame.kind !== 'ack') eliciting = true;
      this.onFrame(now, frame);
      if ((this.state as ConnectionState) === 'closed') return;
    }
    this.acks.onReceived(now, pn, eliciting);
    this.checkClosed(now);
  }

  private onFrame(now: Millis, frame: Frame): void {
    switch (frame.kind) {
      case 'ack': {
        const { acked, lost } = this.loss.onAck(now, frame);
        for (const p of acked) {
          if (p.streamLength >= 0) this.sendStream.onAcked(p.streamOffset, p.streamLength, p.streamFin);
          if (p.pmtuProbe_bytes > 0 && this.pmtu?.onAcked(p.pmtuProbe_bytes)) this.growDatagrams(p.pmtuProbe_bytes);
        }
        for (const p of lost) this.onLostPacket(p);
        if (!this.finishedEmitted && this.sendStream.finished && this.sendStream.allAcked) {
          this.finishedEmitted = true;
          this.ctx.emit({ type: 'finished', conn: this.id });
        }
        if (this.writeBlocked && this.sendStream.available_bytes > 0) {
          this.writeBlocked = false;
          this.ctx.emit({ type: 'writable', conn: this.id });
        }
        break;
      }
      case 'stream': {
        const result = this.receiveStream.onData(frame.offset, frame.data, frame.fin);
        if (result !== 'ok') return this.abort(now, 'protocol-violation', result, CLOSE_CODE_VIOLATION);
        if (!this.readableSignalled && this.readableNow()) {
          this.readableSignalled = true;
          this.ctx.emit({ type: 'readable', conn: this.id });
        }
        if (this.receiveStream.complete && !this.endEmitted) {
          this.endEmitted = true;
          this.ctx.emit({ type: 'end', conn: this.id });
        }
        break;
      }
      case 'max-data':
        if (frame.max_bytes > this.peerMaxData) this.peerMaxData = frame.max_bytes;
        break;
      case 'datagram':
        this.datagramsIn.push(frame.data);
        this.ctx.emit({ type: 'datagram', conn: this.id, size_bytes: frame.data.byteLength });
        break;
      case 'close':
        this.closePacket = undefined;
        this.fail('peer-aborted', frame.reason);
        break;
      case 'ping':
        break;
    }
  }

  private readableNow(): boolean {
    return this.mode === 'message' ? peekMessage(this.receiveStream) !== undefined : this.receiveStream.readable_bytes > 0;
  }

  private onLostPacket(packet: SentPacket): void {
    if (packet.pmtuProbe_bytes > 0) this.pmtu?.onLost(packet.pmtuProbe_bytes);
    if (packet.streamLength >= 0) this.sendStream.onLost(packet.streamOffset, packet.streamLength, packet.streamFin);
    if (packet.maxData) this.maxDataPending = true;
  }

  private growDatagrams(size_bytes: number): void {
    this.datagramBytes = size_bytes;
    this.payloadBudget = size_bytes - DATA_HEADER_BYTES - TAG_BYTES;
    this.plain = new Uint8Array(this.payloadBudget);
    this.ctx.emit({ type: 'pmtu', conn: this.id, datagram_bytes: size_bytes });
  }

  // ================= application API =================

  /** Accepts up to the free send buffer; returns the bytes taken (stream mode). */
  write(data: Uint8Array): number {
    if (this.state === 'closed' || this.sendStream.finished) return 0;
    const taken = this.sendStream.write(data);
    if (taken < data.byteLength) this.writeBlocked = true;
    if (taken > 0) this.wake = true;
    return taken;
  }

  writableBytes(): number {
    return this.state === 'closed' ? 0 : this.sendStream.available_bytes;
  }

  /** Message mode: queues a whole message or nothing. */
  sendMessage(message: Uint8Array): boolean {
    if (message.byteLength > this.config.message_bytes_max || this.state === 'closed' || this.sendStream.finished) return false;
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
    const message = takeMessage(this.receiveStream);
    if (!message) this.readableSignalled = false;
    else this.afterRead();
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

  /** Graceful close: FIN after the buffered data; closed once both FINs are acknowledged. */
  close(now: Millis): void {
    this.now = now;
    if (this.state === 'closed') return;
    this.sendStream.finish();
    this.wake = true;
    this.checkClosed(now);
  }

  abort(now: Millis, code: RudpErrorCode = 'aborted', message = 'aborted by application', wire = CLOSE_CODE_ABORT): void {
    this.now = now;
    if (this.state === 'closed') return;
    if (this.protection && this.state !== 'handshake') {
      const frame = encodeClose(wire, code === 'aborted' ? message : `${code}: ${message}`);
      const packet = this.protection.seal(this.peerId, this.nextPn++, frame);
      this.closePacket = packet;
      for (let i = 0; i < CLOSE_COPIES; i++) this.urgent.push(packet);
    }
    this.fail(code, message);
  }

  private fail(code: RudpErrorCode, message: string): void {
    if (this.state === 'closed') return;
    // A half-open responder the application never saw ends silently (a flood must not
    // turn into a flood of events); the endpoint counts it.
    const silent = this.role === 'responder' && this.state === 'handshake';
    this.state = 'closed';
    this.drainDeadline = this.now + this.config.drain_ms;
    this.hs.finish();
    if (silent) return this.ctx.drop('handshake-abandoned');
    this.ctx.emit({ type: 'closed', conn: this.id, error: code, message });
  }

  private checkClosed(now: Millis): void {
    if (this.state !== 'established') return;
    if (this.sendStream.finished && this.sendStream.allAcked && this.receiveStream.complete) {
      this.state = 'draining';
      this.drainDeadline = now + Math.max(this.config.drain_ms, 3 * this.loss.rtt.pto_ms(this.config.max_ack_delay_ms));
      this.ctx.emit({ type: 'closed', conn: this.id });
    }
  }

  /** The endpoint may forget this connection. */
  get finished(): boolean {
    return (this.state === 'closed' || this.state === 'draining') && this.urgent.length === 0 && this.drainDeadline !== undefined && this.now >= this.drainDeadline;
  }

  // ================= timers =================

  nextTimeout(): Millis | undefined {
    let best: Millis | undefined;
    const consider = (at: Millis | undefined): void => {
      if (at !== undefined && (best === undefined || at < best)) best = at;
    };
    if (this.wake) consider(this.now);
    if (this.state === 'handshake') {
      consider(this.hs.deadline);
      consider(this.hs.giveUp);
      return best;
    }
    consider(this.drainDeadline);
    if (this.state === 'closed') return best;
    if (this.acks.pending) consider(this.acks.deadline);
    consider(this.loss.timeout());
    if (this.state === 'draining') return best;
    consider(this.pacerWake);
    consider(this.lastReceived_ms + this.config.idle_timeout_ms);
    consider(this.lastElicitingSent_ms + this.config.keepalive_interval_ms);
    consider(this.statsDeadline);
    return best;
  }

  handleTimeout(now: Millis): void {
    this.now = now;
    this.wake = false;
    if (this.state === 'handshake') {
      if (now >= this.hs.giveUp) return this.fail('handshake-timeout', `no handshake after ${this.config.handshake_timeout_ms} ms`);
      const packet = this.hs.onTimeout(now);
      if (packet) this.urgent.push(packet);
      return;
    }
    if (this.state === 'closed') return;
    this.acks.onTimeout(now);
    if (this.pacerWake !== undefined && now >= this.pacerWake) this.pacerWake = undefined;
    const lossDeadline = this.loss.timeout();
    if (lossDeadline !== undefined && now >= lossDeadline) {
      const { lost, probe } = this.loss.onTimeout(now);
      for (const p of lost) this.onLostPacket(p);
      if (probe) this.probesPending = 2;
    }
    if (this.state === 'draining') return;
    if (now >= this.lastReceived_ms + this.config.idle_timeout_ms) {
      return this.fail('idle-timeout', `nothing heard for ${this.config.idle_timeout_ms} ms`);
    }
    if (now >= this.lastElicitingSent_ms + this.config.keepalive_interval_ms) this.pingPending = true;
    if (this.statsDeadline !== undefined && now >= this.statsDeadline) {
      this.statsDeadline = now + this.config.stats_interval_ms;
      if (this.sentSinceStats > 0) {
        this.sentSinceStats = 0;
        this.ctx.emit({ type: 'stats', conn: this.id, ...this.stats() });
      }
    }
  }

  stats(): StatsSample {
    const rtt = this.loss.rtt;
    return {
      srtt_ms: rtt.smoothed_ms,
      rttvar_ms: rtt.variance_ms,
      min_rtt_ms: Number.isFinite(rtt.min_ms) ? rtt.min_ms : 0,
      cwnd_bytes: this.cc.window_bytes(),
      bytes_in_flight: this.loss.bytesInFlight,
      lost: this.loss.lost_packets,
      retransmitted: this.retransmitted,
      sent_packets: this.sent_packets,
      received_packets: this.received_packets,
      pacing_rate_bytes_per_ms: this.cc.pacingRate_bytes_per_ms(rtt),
      delivered_bytes: this.loss.delivered_bytes,
    };
  }

  // ================= sending =================

  private hasElicitingWork(): boolean {
    return (
      this.probesPending > 0 ||
      this.pingPending ||
      this.maxDataPending ||
      this.datagramsOut.length > 0 ||
      this.sendStream.hasPending(this.peerMaxData)
    );
  }

  /** The next datagram for `remote`, or undefined (blocked by cwnd, pacing, or idle). */
  poll(now: Millis): Uint8Array | undefined {
    this.now = now;
    const urgent = this.urgent.shift();
    if (urgent) return urgent;
    if (this.state !== 'established' && this.state !== 'draining') return undefined;
    const probeSize = this.state === 'established' ? this.pmtu?.nextProbe() : undefined;
    if (probeSize !== undefined && this.loss.bytesInFlight < this.cc.window_bytes()) {
      this.pmtu!.onSent(probeSize);
      return this.build(now, true, probeSize);
    }
    if (this.state === 'established' && this.hasElicitingWork()) {
      const probe = this.probesPending > 0;
      const size = Math.min(this.datagramBytes, this.cc.window_bytes());
      if (probe || this.loss.bytesInFlight + size <= this.cc.window_bytes()) {
        this.pacer.setRate(this.cc.pacingRate_bytes_per_ms(this.loss.rtt), this.datagramBytes);
        if (probe || this.pacer.canSend(now, size)) {
          if (probe) this.probesPending--;
          return this.build(now, true);
        }
        this.pacerWake = this.pacer.nextSendTime(now, size);
      }
    }
    if (this.acks.due(now)) {
      return this.build(now, false);
    }
    return undefined;
  }

  /** Builds one packet; `pmtuProbe_bytes` makes it a padded PING of exactly that size. */
  private build(now: Millis, eliciting: boolean, pmtuProbe_bytes = 0): Uint8Array {
    const buf = pmtuProbe_bytes > 0 ? new Uint8Array(pmtuProbe_bytes - DATA_HEADER_BYTES - TAG_BYTES) : this.plain;
    const budget = buf.byteLength;
    let at = this.acks.write(now, buf, 0, budget);
    let streamOffset = 0;
    let streamLength = -1;
    let streamFin = false;
    let maxData = false;
    if (pmtuProbe_bytes > 0) {
      buf[at++] = FRAME.ping;
      at = budget; // the rest stays zero: PADDING
    } else if (eliciting) {
      const before = at;
      if (this.maxDataPending && at + 9 <= budget) {
        at = writeMaxData(buf, at, this.receiveStream.maxData);
        this.maxDataPending = false;
        maxData = true;
      }
      while (this.datagramsOut.length > 0 && at + datagramFrameSize(this.datagramsOut.peek()!.byteLength) <= budget) {
        at = writeDatagram(buf, at, this.datagramsOut.shift()!);
      }
      const room = budget - at - STREAM_HEADER_BYTES_MAX;
      if (room > 0) {
        const segment = this.sendStream.nextSegment(room, this.peerMaxData);
        if (segment) {
          at = writeStreamHeader(buf, at, segment.offset, segment.length, segment.fin);
          this.sendStream.copyInto(segment.offset, segment.length, buf, at);
          at += segment.length;
          streamOffset = segment.offset;
          streamLength = segment.length;
          streamFin = segment.fin;
          if (segment.retransmission) this.retransmitted++;
        }
      }
      if (this.pingPending || at === before) {
        buf[at++] = FRAME.ping;
        this.pingPending = false;
      }
    }
    const pn = this.nextPn++;
    const datagram = this.protection!.seal(this.peerId, pn, buf.subarray(0, at));
    const stamp = this.loss.stamp(now);
    const packet: SentPacket = {
      pn,
      time_sent: now,
      size_bytes: datagram.byteLength,
      ackEliciting: eliciting,
      inFlight: eliciting,
      streamOffset,
      streamLength,
      streamFin,
      maxData,
      close: false,
      pmtuProbe_bytes,
      delivered_bytes: stamp.delivered_bytes,
      delivered_time: stamp.delivered_time,
      firstSent_time: stamp.firstSent_time,
      appLimited: eliciting && !this.sendStream.hasPending(this.peerMaxData),
    };
    this.loss.onSent(now, packet);
    if (eliciting) {
      this.pacer.onSent(now, datagram.byteLength);
      this.lastElicitingSent_ms = now;
    }
    this.sent_packets++;
    this.sentSinceStats++;
    if (this.protection!.maybeRekeySend(now, this.nextPn, this.loss.largestAcked, this.config.rekey_after_messages, this.config.rekey_after_ms)) {
      this.ctx.emit({ type: 'rekeyed', conn: this.id, direction: 'send' });
    }
    return datagram;
  }
}
