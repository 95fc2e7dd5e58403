// The receiver's side of acknowledgements: which packet numbers arrived (bounded to the
// highest ranges an ACK frame can carry), and when an ACK is due (RFC 9000 section 13.2:
// at once after `threshold` ack-eliciting packets or any out-of-order arrival, else after
// max_ack_delay). Ranges the peer has seen acknowledged are pruned (RFC 9000 section
// 13.2.4): once a packet carrying one of our ACK frames is itself acknowledged, nothing at or
// below that frame's largest is reported again, so ACK frames stay small on a long lossy run.
import type { Millis } from '../core/time.ts';
import { ACK_RANGES_MAX, ackSize, writeAck } from './frame.ts';
import { RangeSet } from './range-set.ts';

export class AckTracker {
  private readonly received = new RangeSet();
  largestReceived = -1;
  private largestReceived_ms: Millis = 0;
  /** An ack-eliciting packet arrived since our last ACK. */
  pending = false;
  private immediate = false;
  private elicitingUnacked = 0;
  deadline: Millis | undefined;
  /** The largest packet number the last ACK frame written reported (-1: none yet). */
  lastWrittenLargest = -1;

  constructor(private readonly threshold: number, private readonly maxAckDelay_ms: number) {}

  /** Records an authenticated packet. */
  onReceived(now: Millis, pn: number, eliciting: boolean): void {
    this.received.add(pn, pn + 1);
    this.received.keepHighest(ACK_RANGES_MAX + 1);
    const outOfOrder = pn !== this.largestReceived + 1;
    if (pn > this.largestReceived) {
      this.largestReceived = pn;
      this.largestReceived_ms = now;
    }
    if (!eliciting) return;
    this.pending = true;
    this.elicitingUnacked++;
    if (outOfOrder || this.elicitingUnacked >= this.threshold) this.immediate = true;
    else this.deadline ??= now + this.maxAckDelay_ms;
  }

  onTimeout(now: Millis): void {
    if (this.deadline !== undefined && now >= this.deadline) this.immediate = true;
  }

  /** An ACK-only packet should go out now. */
  due(now: Millis): boolean {
    return this.pending && (this.immediate || (this.deadline !== undefined && now >= this.deadline));
  }

  /**
   * A packet carrying our ACK frame whose largest was `largest` has been acknowledged: the
   * peer knows everything that frame said, so ranges at or below it are dropped. The largest
   * packet received is always kept, so the next frame's largest (and the peer's RTT sample
   * from it) stays right.
   */
  onAckAcknowledged(largest: number): void {
    this.received.removeBelow(Math.min(largest + 1, this.largestReceived));
  }

  /** Ranges currently remembered (what the next ACK frame would carry, at most ACK_RANGES_MAX + 1). */
  get ranges(): number {
    return this.received.size;
  }

  /** Writes an ACK frame into `buf` at `at` if one is pending and fits; returns the new offset. */
  write(now: Millis, buf: Uint8Array, at: number, budget: number): number {
    if (!this.pending) return at;
    if (this.received.size === 0) {
      // Nothing left to report (cannot happen while the largest is kept; never loop on it).
      this.pending = false;
      this.immediate = false;
      this.deadline = undefined;
      return at;
    }
    const ranges: Array<[number, number]> = [];
    for (let i = this.received.size - 1; i >= 0 && ranges.length <= ACK_RANGES_MAX; i--) {
      ranges.push([this.received.start(i), this.received.end(i) - 1]);
    }
    const delay_us = Math.max(0, Math.round((now - this.largestReceived_ms) * 1000));
    if (at + ackSize(ranges, delay_us) > budget) return at;
    this.pending = false;
    this.immediate = false;
    this.deadline = undefined;
    this.elicitingUnacked = 0;
    this.lastWrittenLargest = ranges[0]![1];
    return writeAck(buf, at, ranges, delay_us);
  }
}
