// The state one secure connection shares between its parts, its lifecycle (close, abort,
// fail, drain) and its timers. Every timer is a stored deadline compared as `now >= deadline`,
// and pollTimeout's number is the very number compared, so after handleTimeout(now) every
// deadline lies ahead of now (the contract of protocol/core/machine.ts). The parts build on
// this class: connection-sender.ts (packets out), connection-receiver.ts (packets in) and
// connection.ts (handshake phase and application API).
import { formatAddr, type Addr } from '../core/addr.ts';
import type { Crypto } from '../core/crypto.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TAG_BYTES } from './cipher-state.ts';
import type { RudpConfig, StreamMode } from './config.ts';
import type { CongestionController, SavedPath } from './congestion-controller.ts';
import type { CookieKeys } from './cookie.ts';
import type { RudpDropReason, RudpErrorCode } from './errors.ts';
import type { RudpEvent, StatsSample } from './events.ts';
import { encodeClose } from './frame.ts';
import type { HashSuite } from './hash-suite.ts';
import type { KeyPair } from './handshake-state.ts';
import { Handshaker } from './handshaker.ts';
import { LossDetection } from './loss-detection.ts';
import { DATA_HEADER_BYTES } from './packet.ts';
import type { PacketProtection } from './packet-protection.ts';
import { Pacer } from './pacer.ts';
import { PathValidator } from './path-validator.ts';
import { PmtuProber } from './pmtu-prober.ts';
import { AckTracker } from './ack-tracker.ts';
import { ReceiveStream } from './receive-stream.ts';
import { SendStream } from './send-stream.ts';
import type { SentPacket } from './sent-packet.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';

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

export interface ConnectOptions {
  /** Pinned identity: the peer's static public key. */
  readonly expectedPeer?: Uint8Array;
  readonly mode?: StreamMode;
  /** Test hook: fixed ephemeral secret. */
  readonly ephemeralSecret?: Uint8Array;
  /** Careful Resume: congestion state saved from an earlier connection to this peer. */
  readonly resume?: SavedPath;
}

export type ConnectionState = 'handshake' | 'established' | 'draining' | 'closed';

/** A datagram a connection wants sent, to its peer or to an address under validation. */
export interface Outgoing {
  readonly remote: Addr;
  readonly data: Uint8Array;
}

/** Close codes sent in CLOSE frames. */
export const CLOSE_CODE_ABORT = 1;
export const CLOSE_CODE_VIOLATION = 2;
export const CLOSE_CODE_REJECTED = 3;
/** How many copies of a CLOSE packet we send (it is never retransmitted). */
const CLOSE_COPIES = 2;
/** Authenticated packets a closed connection answers with its CLOSE again (RFC 9000 10.2.1), at most. */
export const CLOSE_REPLIES_MAX = 4;
/** Times the initiator repeats msg3 before it relies on its data and the idle timeout. */
const FINAL_RETRIES_MAX = 6;
/** Floor of a pacing wake-up beyond now, so float rounding can never arm a wake at now. */
const PACER_WAKE_MS_MIN = 0.001;

export { hex as toHex } from '../core/bytes.ts';

export abstract class ConnectionCore {
  state: ConnectionState = 'handshake';
  peerId = 0;
  remote: Addr;
  peerStatic: Uint8Array | undefined;
  mode: StreamMode;
  protected now: Millis;
  protected readonly config: RudpConfig;
  protected readonly hs: Handshaker;
  protected protection: PacketProtection | undefined;
  readonly loss: LossDetection;
  readonly cc: CongestionController;
  protected readonly pacer: Pacer;
  readonly sendStream: SendStream;
  readonly receiveStream: ReceiveStream;
  protected nextPn = 0;
  protected readonly acks: AckTracker;
  protected readonly paths: PathValidator;
  protected peerMaxData = 0;
  protected maxDataPending = false;
  protected pingPending = false;
  protected probesPending = 0;
  protected readonly datagramsOut: BoundedQueue<Uint8Array, 'drop-oldest'>;
  protected readonly datagramsIn: BoundedQueue<Uint8Array, 'drop-oldest'>;
  protected readonly urgent: Outgoing[] = [];
  protected wake = false;
  // ---- deadlines (each compared as now >= deadline) ----
  protected pacerWake: Millis | undefined;
  protected idleDeadline: Millis;
  protected keepaliveDeadline: Millis;
  protected statsDeadline: Millis | undefined;
  protected drainDeadline: Millis | undefined;
  /** Initiator: when msg3 is sent again (until anything from the responder is heard). */
  protected finalRetryAt: Millis | undefined;
  protected finalRetries = 0;
  // ---- lifecycle ----
  protected closePacket: Uint8Array | undefined;
  protected closeReplies = 0;
  protected endEmitted = false;
  protected finishedEmitted = false;
  protected writeBlocked = false;
  protected readableSignalled = false;
  protected receivedAnyData = false;
  protected plain: Uint8Array;
  protected payloadBudget: number;
  protected datagramBytes: number;
  protected readonly pmtu: PmtuProber | undefined;
  // ---- counters ----
  sent_packets = 0;
  received_packets = 0;
  retransmitted = 0;
  /** Stream bytes sent again in front of new ones (thin-stream bundling). */
  bundled_bytes = 0;
  protected sentSinceStats = 0;

  constructor(
    protected readonly ctx: ConnectionContext,
    readonly id: number,
    readonly role: 'initiator' | 'responder',
    remote: Addr,
    now: Millis,
    options: ConnectOptions,
  ) {
    this.config = ctx.config;
    this.remote = remote;
    this.now = now;
    this.mode = options.mode ?? ctx.config.mode;
    this.hs = new Handshaker({ crypto: ctx.crypto, suite: ctx.suite, staticKey: ctx.staticKey, rng: ctx.rng, cookieKeys: ctx.cookieKeys, config: ctx.config }, now);
    this.idleDeadline = now + this.config.idle_timeout_ms;
    this.keepaliveDeadline = now + this.config.keepalive_interval_ms;
    this.cc = ctx.makeController();
    this.loss = new LossDetection(this.config.initial_rtt_ms, this.cc, this.config.max_ack_delay_ms, this.config.pto_max_ms);
    this.pacer = new Pacer(this.config.pacing_burst_packets, this.config.datagram_bytes, this.config.pacing_burst_ms);
    this.datagramsOut = BoundedQueue.dropOldest(this.config.datagram_queue_max);
    this.datagramsIn = BoundedQueue.dropOldest(this.config.datagram_queue_max);
    this.acks = new AckTracker(this.config.ack_eliciting_threshold, this.config.max_ack_delay_ms);
    this.paths = new PathValidator(ctx.rng);
    this.sendStream = new SendStream(this.config.send_buffer_bytes);
    this.receiveStream = new ReceiveStream(this.config.stream_window_bytes);
    this.datagramBytes = this.config.datagram_bytes;
    this.payloadBudget = this.datagramBytes - DATA_HEADER_BYTES - TAG_BYTES;
    this.plain = new Uint8Array(this.payloadBudget);
    if (this.config.pmtu_probe_max_bytes > this.datagramBytes) this.pmtu = new PmtuProber(this.datagramBytes, this.config.pmtu_probe_max_bytes);
  }

  // ================= lifecycle =================

  abort(now: Millis, code: RudpErrorCode = 'aborted', message = 'aborted by application', wire = CLOSE_CODE_ABORT): void {
    this.now = now;
    if (this.state === 'closed') return;
    if (this.protection && this.state !== 'handshake') this.queueClose(code, message, wire);
    this.fail(code, message);
  }

  /** Seals a CLOSE once and queues its copies; it is answered again only to authenticated packets. */
  protected queueClose(code: RudpErrorCode, message: string, wire: number): void {
    const frame = encodeClose(wire, code === 'aborted' ? message : `${code}: ${message}`);
    const pn = this.nextPn++;
    const packet = this.protection!.seal(this.peerId, pn, frame);
    this.loss.onSentUntracked(pn);
    this.closePacket = packet;
    for (let i = 0; i < CLOSE_COPIES; i++) this.urgent.push({ remote: this.remote, data: packet });
  }

  protected fail(code: RudpErrorCode, message: string): void {
    if (this.state === 'closed') return;
    // A half-open responder the application never saw ends silently (a flood must not
    // turn into a flood of events); the endpoint counts it.
    const silent = this.role === 'responder' && this.state === 'handshake';
    this.state = 'closed';
    this.drainDeadline = this.now + this.config.drain_ms;
    this.hs.finish();
    this.paths.cancel();
    if (silent) return this.ctx.drop(code === 'peer-rejected' ? 'peer-rejected' : 'handshake-abandoned');
    this.ctx.emit({ type: 'closed', conn: this.id, error: code, message });
  }

  protected checkClosed(now: Millis): void {
    if (this.state !== 'established') return;
    if (this.sendStream.finished && this.sendStream.allAcked && this.receiveStream.complete) {
      this.state = 'draining';
      this.paths.cancel();
      this.drainDeadline = now + Math.max(this.config.drain_ms, 3 * this.loss.rtt.pto_ms(this.config.max_ack_delay_ms));
      this.ctx.emit({ type: 'closed', conn: this.id });
    }
  }

  /** The endpoint may forget this connection. */
  get finished(): boolean {
    return (this.state === 'closed' || this.state === 'draining') && this.urgent.length === 0 && this.drainDeadline !== undefined && this.now >= this.drainDeadline;
  }

  protected onLostPacket(packet: SentPacket): void {
    if (packet.pmtuProbe_bytes > 0) this.pmtu?.onLost(packet.pmtuProbe_bytes);
    if (packet.streamLength >= 0) this.sendStream.onLost(packet.streamOffset, packet.streamLength, packet.streamFin);
    if (packet.maxData) this.maxDataPending = true;
  }

  /**
   * A probe timeout fired: the probe should carry the oldest unacknowledged data (RFC 9002
   * section 6.2.4), not an empty PING, so a lost tail is repaired by the probe itself. New
   * data, when there is some, goes first anyway; the packet stays in flight until acked or lost.
   */
  private probeWithData(): void {
    if (this.sendStream.hasPending(this.peerMaxData)) return;
    const oldest = this.loss.oldestUnackedStream();
    if (oldest) this.sendStream.onLost(oldest.streamOffset, oldest.streamLength, oldest.streamFin);
  }

  /**
   * Initiator: msg3 may have been lost, and the responder answers nothing it has not paid for
   * (anti-amplification), so the initiator repeats msg3 itself, with back-off, until the
   * responder is heard (it confirms with a PING at once) or FINAL_RETRIES_MAX is reached.
   */
  protected retryFinal(now: Millis): void {
    const packet = this.hs.finalPacket;
    if (!packet || this.receivedAnyData || this.finalRetries >= FINAL_RETRIES_MAX) {
      this.finalRetryAt = undefined;
      return;
    }
    this.finalRetries++;
    this.urgent.push({ remote: this.remote, data: packet });
    this.finalRetryAt = now + this.loss.rtt.pto_ms(this.config.max_ack_delay_ms) * 2 ** this.finalRetries;
  }

  /** The path-validation retry interval: one PTO of the current path. */
  protected pathRetry_ms(): number {
    return this.loss.rtt.pto_ms(this.config.max_ack_delay_ms);
  }

  /** RFC 9000 section 8.2.4: give a candidate path max(3 PTO, 6 initial RTTs)... bounded by the idle timeout. */
  protected pathTimeout_ms(): number {
    return Math.min(Math.max(3 * this.pathRetry_ms(), 6 * this.config.initial_rtt_ms), this.config.idle_timeout_ms);
  }

  /** Pacing said "not yet": wake strictly after now (float rounding must not arm a wake at now). */
  protected armPacer(now: Millis, at: Millis): void {
    // |now| × EPSILON is at least one ulp of now, so the sum is strictly greater at any clock.
    this.pacerWake = at > now ? at : now + Math.max(PACER_WAKE_MS_MIN, Math.abs(now) * Number.EPSILON);
  }

  // ================= timers =================

  nextTimeout(): Millis | undefined {
    // Called after every datagram: a plain running minimum, no closure allocated per call.
    let best = this.wake ? this.now : Infinity;
    if (this.state === 'handshake') {
      best = Math.min(best, this.hs.deadline ?? Infinity, this.hs.giveUp ?? Infinity);
      return best === Infinity ? undefined : best;
    }
    // Past its drain deadline a connection only waits to be forgotten: no deadline at all.
    if (this.drainDeadline !== undefined && this.now >= this.drainDeadline) return best === Infinity ? undefined : best;
    best = Math.min(best, this.drainDeadline ?? Infinity);
    if (this.state !== 'closed') {
      if (this.acks.pending) best = Math.min(best, this.acks.deadline ?? Infinity);
      best = Math.min(best, this.loss.timeout() ?? Infinity);
      if (this.state !== 'draining') {
        best = Math.min(
          best,
          this.pacerWake ?? Infinity,
          this.finalRetryAt ?? Infinity,
          this.paths.deadline() ?? Infinity,
          this.idleDeadline,
          this.keepaliveDeadline,
          this.statsDeadline ?? Infinity,
        );
      }
    }
    return best === Infinity ? undefined : best;
  }

  handleTimeout(now: Millis): void {
    this.now = now;
    this.wake = false;
    if (this.state === 'handshake') {
      if (now >= this.hs.giveUp) return this.fail('handshake-timeout', `no handshake after ${this.config.handshake_timeout_ms} ms`);
      const packet = this.hs.onTimeout(now);
      if (packet) this.urgent.push({ remote: this.remote, data: packet });
      return;
    }
    if (this.state === 'closed') return;
    this.acks.onTimeout(now);
    if (this.pacerWake !== undefined && now >= this.pacerWake) this.pacerWake = undefined;
    const lossDeadline = this.loss.timeout();
    if (lossDeadline !== undefined && now >= lossDeadline) {
      const { lost, probe } = this.loss.onTimeout(now);
      for (const p of lost) this.onLostPacket(p);
      if (probe) {
        this.probesPending = 2;
        if (this.config.thin_stream_recovery) this.probeWithData();
      }
    }
    if (this.state === 'draining') return;
    if (now >= this.idleDeadline) return this.fail('idle-timeout', `nothing heard for ${this.config.idle_timeout_ms} ms`);
    if (this.finalRetryAt !== undefined && now >= this.finalRetryAt) this.retryFinal(now);
    const outcome = this.paths.onTimeout(now);
    if (outcome) this.ctx.emit({ type: 'path-failed', conn: this.id, remote: formatAddr(outcome.remote) });
    if (now >= this.keepaliveDeadline) {
      // Re-armed here, not only when the PING leaves: a PING held back by the congestion
      // window must not leave a deadline at a past instant.
      this.pingPending = true;
      this.keepaliveDeadline = now + this.config.keepalive_interval_ms;
    }
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
      latest_rtt_ms: rtt.latest_ms,
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
}
