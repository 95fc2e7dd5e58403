// Token-bucket pacer: spreads a congestion window over the RTT instead of bursting it, so
// drop-tail queues on the path are not overrun. Burst capacity is a named bound.
import type { Millis } from '../core/time.ts';

const PACER_SLACK_BYTES = 1;

export class Pacer {
  private tokens_bytes: number;
  private last: Millis = 0;
  private rate_bytes_per_ms = Infinity;
  private capacity_bytes: number;

  constructor(private readonly burstPackets: number, private readonly datagram_bytes: number, private readonly burst_ms: number) {
    this.capacity_bytes = burstPackets * datagram_bytes;
    this.tokens_bytes = this.capacity_bytes;
  }

  /** `packet_bytes` is the current datagram size (it grows with path-MTU probing). */
  setRate(rate_bytes_per_ms: number, packet_bytes = this.datagram_bytes): void {
    this.rate_bytes_per_ms = rate_bytes_per_ms;
    this.capacity_bytes = Math.max(this.burstPackets * packet_bytes, rate_bytes_per_ms * this.burst_ms);
  }

  private refill(now: Millis): void {
    if (now > this.last) {
      this.tokens_bytes = Math.min(this.capacity_bytes, this.tokens_bytes + (now - this.last) * this.rate_bytes_per_ms);
      this.last = now;
    }
  }

  /** true when a packet of `size_bytes` may leave at `now`. */
  canSend(now: Millis, size_bytes: number): boolean {
    this.refill(now);
    // A byte of slack absorbs float rounding, so a wake at nextSendTime() always sends.
    return this.tokens_bytes + PACER_SLACK_BYTES >= size_bytes;
  }

  onSent(now: Millis, size_bytes: number): void {
    this.refill(now);
    this.tokens_bytes -= size_bytes;
  }

  /** When enough tokens for `size_bytes` will have accumulated. */
  nextSendTime(now: Millis, size_bytes: number): Millis {
    this.refill(now);
    if (this.tokens_bytes + PACER_SLACK_BYTES >= size_bytes) return now;
    return now + (size_bytes - this.tokens_bytes) / this.rate_bytes_per_ms;
  }
}
