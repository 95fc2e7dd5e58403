// RFC 9002 loss detection for the data packet-number space: the sent-packet table,
// acknowledgement processing, packet- and time-threshold loss, probe timeout with
// back-off, persistent congestion, and delivery-rate samples for model-based control.
import type { Millis } from '../core/time.ts';
import type { CongestionController, RateSample } from './congestion-controller.ts';
import type { AckFrame } from './frame.ts';
import { GRANULARITY_MS, RttEstimator } from './rtt-estimator.ts';
import type { SentPacket } from './sent-packet.ts';

export const PACKET_THRESHOLD = 3;
export const TIME_THRESHOLD = 9 / 8;
export const PERSISTENT_CONGESTION_THRESHOLD = 3;
/** Back-off exponent cap (quinn: 16); pto_max_ms bounds it further. */
const PTO_BACKOFF_EXPONENT_MAX = 16;

export interface AckOutcome {
  readonly acked: SentPacket[];
  readonly lost: SentPacket[];
}

/** An ACK that acknowledges a packet number we never sent (RFC 9000 section 13.1: PROTOCOL_VIOLATION). */
export const ACK_OF_UNSENT = 'ack-of-unsent';

export class LossDetection {
  readonly rtt: RttEstimator;
  /** Table indexed by pn - base; undefined once acknowledged or declared lost. */
  private sent: Array<SentPacket | undefined> = [];
  private head = 0;
  private base = 0;
  bytesInFlight = 0;
  private ackElicitingInFlight = 0;
  largestAcked = -1;
  private lossTime: Millis | undefined;
  ptoCount = 0;
  private lastAckElicitingSent: Millis = 0;
  /** The armed probe timeout (a stored deadline: the number compared is the number returned). */
  private ptoDeadline: Millis | undefined;
  /** Highest packet number sent, tracked or not (bounds what an ACK may name). */
  largestSent = -1;
  delivered_bytes = 0;
  private delivered_time: Millis = 0;
  private firstSent_time: Millis = 0;
  lost_packets = 0;

  constructor(
    initialRtt_ms: number,
    private readonly cc: CongestionController,
    private readonly maxAckDelay_ms: number,
    private readonly ptoMax_ms: number,
  ) {
    this.rtt = new RttEstimator(initialRtt_ms);
  }

  /** Delivery-rate state to stamp on a packet about to be sent. */
  stamp(now: Millis): { delivered_bytes: number; delivered_time: Millis; firstSent_time: Millis } {
    if (this.bytesInFlight === 0) {
      this.firstSent_time = now;
      this.delivered_time = now;
    }
    return { delivered_bytes: this.delivered_bytes, delivered_time: this.delivered_time, firstSent_time: this.firstSent_time };
  }

  /** A packet that carries nothing to recover (path probes, CLOSE): only its number is noted. */
  onSentUntracked(pn: number): void {
    if (pn > this.largestSent) this.largestSent = pn;
  }

  private armPto(from: Millis): void {
    if (this.ackElicitingInFlight === 0) {
      this.ptoDeadline = undefined;
      return;
    }
    const backoff = 2 ** Math.min(this.ptoCount, PTO_BACKOFF_EXPONENT_MAX);
    this.ptoDeadline = from + Math.min(this.rtt.pto_ms(this.maxAckDelay_ms) * backoff, this.ptoMax_ms);
  }

  onSent(now: Millis, packet: SentPacket): void {
    if (packet.pn > this.largestSent) this.largestSent = packet.pn;
    const index = packet.pn - this.base + this.head;
    while (this.sent.length < index) this.sent.push(undefined);
    this.sent.push(packet);
    if (packet.inFlight) this.bytesInFlight += packet.size_bytes;
    if (packet.ackEliciting) {
      this.ackElicitingInFlight++;
      this.lastAckElicitingSent = now;
      this.armPto(now);
    }
    this.cc.onSent(now, packet, this.bytesInFlight);
  }

  private take(pn: number): SentPacket | undefined {
    const index = pn - this.base + this.head;
    if (index < this.head || index >= this.sent.length) return undefined;
    const packet = this.sent[index];
    if (!packet) return undefined;
    this.sent[index] = undefined;
    if (packet.inFlight) this.bytesInFlight -= packet.size_bytes;
    if (packet.ackEliciting) this.ackElicitingInFlight--;
    return packet;
  }

  private compact(): void {
    while (this.head < this.sent.length && this.sent[this.head] === undefined) {
      this.head++;
      this.base++;
    }
    if (this.head > 4096) {
      this.sent = this.sent.slice(this.head);
      this.head = 0;
    }
  }

  onAck(now: Millis, frame: AckFrame): AckOutcome | typeof ACK_OF_UNSENT {
    // Validate before anything changes: a peer naming packets we never sent is lying.
    if (frame.ranges[0]![1] > this.largestSent) return ACK_OF_UNSENT;
    const acked: SentPacket[] = [];
    const nextPn = this.base + (this.sent.length - this.head);
    for (const [low, high] of frame.ranges) {
      const from = Math.max(low, this.base);
      const to = Math.min(high, nextPn - 1);
      for (let pn = to; pn >= from; pn--) {
        const packet = this.take(pn);
        if (packet) acked.push(packet);
      }
    }
    const largest = frame.ranges[0]![1];
    if (acked.length === 0) return { acked, lost: [] };
    this.compact();
    if (largest > this.largestAcked) this.largestAcked = largest;
    // acked[0] is the highest newly acked; an RTT sample needs it to be the frame's largest.
    const newest = acked[0]!;
    let anyEliciting = false;
    for (const p of acked) if (p.ackEliciting) anyEliciting = true;
    if (newest.pn === largest && anyEliciting) {
      const ackDelay_ms = Math.min(frame.delay_us / 1000, this.maxAckDelay_ms);
      this.rtt.update(Math.max(now - newest.time_sent, 0.001), ackDelay_ms);
    }
    let ackedBytes = 0;
    for (const p of acked) if (p.inFlight) ackedBytes += p.size_bytes;
    this.delivered_bytes += ackedBytes;
    const sample = this.rateSample(now, newest);
    this.delivered_time = now;
    this.firstSent_time = newest.time_sent;
    this.ptoCount = 0;
    const lost = this.detectLost(now);
    this.cc.onAck(now, acked, this.rtt, sample, this.bytesInFlight);
    this.armPto(this.lastAckElicitingSent);
    return { acked, lost };
  }

  private rateSample(now: Millis, newest: SentPacket): RateSample | undefined {
    const sendElapsed = newest.time_sent - newest.firstSent_time;
    const ackElapsed = now - newest.delivered_time;
    const interval = Math.max(sendElapsed, ackElapsed);
    if (interval <= 0) return undefined;
    return {
      deliveryRate_bytes_per_ms: (this.delivered_bytes - newest.delivered_bytes) / interval,
      rtt_ms: this.rtt.latest_ms,
      appLimited: newest.appLimited,
      delivered_bytes: this.delivered_bytes,
    };
  }

  /** Declares packets lost by packet or time threshold; arms lossTime for the rest. */
  detectLost(now: Millis): SentPacket[] {
    const lost: SentPacket[] = [];
    this.lossTime = undefined;
    if (this.largestAcked < this.base) return lost;
    const lossDelay = Math.max(TIME_THRESHOLD * Math.max(this.rtt.smoothed_ms, this.rtt.latest_ms), GRANULARITY_MS);
    const end = Math.min(this.largestAcked - this.base + this.head, this.sent.length - 1);
    for (let index = this.head; index <= end; index++) {
      const packet = this.sent[index];
      if (!packet) continue;
      // One expression decides both "whether" and "when": the deadline the timer is armed at
      // is the very number compared with now, so float rounding cannot leave a packet that
      // is neither lost nor later than now (the livelock of issue 10).
      const lossDeadline = packet.time_sent + lossDelay;
      if (now >= lossDeadline || this.largestAcked - packet.pn >= PACKET_THRESHOLD) {
        lost.push(this.take(packet.pn)!);
      } else if (this.lossTime === undefined || lossDeadline < this.lossTime) {
        this.lossTime = lossDeadline;
      }
    }
    if (lost.length > 0) {
      this.lost_packets += lost.length;
      this.compact();
      const congestive = lost.filter((p) => p.pmtuProbe_bytes === 0);
      if (congestive.length > 0) this.cc.onLoss(now, congestive, this.isPersistent(congestive), this.bytesInFlight);
    }
    return lost;
  }

  private isPersistent(lost: SentPacket[]): boolean {
    if (!this.rtt.sampled) return false;
    let first = Infinity;
    let last = -Infinity;
    for (const p of lost) {
      if (!p.ackEliciting) continue;
      first = Math.min(first, p.time_sent);
      last = Math.max(last, p.time_sent);
    }
    const duration = this.rtt.pto_ms(this.maxAckDelay_ms) * PERSISTENT_CONGESTION_THRESHOLD;
    return last - first > duration;
  }

  /** The loss-time or probe deadline, or undefined when nothing is outstanding. */
  timeout(): Millis | undefined {
    if (this.lossTime !== undefined) return this.lossTime;
    if (this.ackElicitingInFlight === 0) return undefined;
    return this.ptoDeadline;
  }

  /** Handles the deadline: returns lost packets, or probe=true when the PTO fired. */
  onTimeout(now: Millis): { lost: SentPacket[]; probe: boolean } {
    let lost: SentPacket[] = [];
    if (this.lossTime !== undefined) {
      if (now < this.lossTime) return { lost, probe: false };
      lost = this.detectLost(now);
      // detectLost re-arms lossTime only for packets whose deadline is still ahead of now.
      if (this.lossTime !== undefined) return { lost, probe: false };
    }
    const deadline = this.timeout();
    if (deadline === undefined || now < deadline) return { lost, probe: false };
    this.ptoCount++;
    // Re-armed from now: if the probe cannot leave (draining, or nothing to send), the next
    // deadline still lies in the future instead of staying at a past instant.
    this.armPto(now);
    return { lost, probe: true };
  }

  /** The oldest unacknowledged in-flight packet (a PTO probe may resend its data). */
  oldestUnacked(): SentPacket | undefined {
    for (let i = this.head; i < this.sent.length; i++) if (this.sent[i]) return this.sent[i];
    return undefined;
  }

  /** The oldest unacknowledged packet that carried stream bytes or a FIN. */
  oldestUnackedStream(): SentPacket | undefined {
    for (let i = this.head; i < this.sent.length; i++) {
      const packet = this.sent[i];
      if (packet && packet.streamLength >= 0) return packet;
    }
    return undefined;
  }

  get inFlightPackets(): number {
    return this.ackElicitingInFlight;
  }

  get granularity_ms(): number {
    return GRANULARITY_MS;
  }
}
