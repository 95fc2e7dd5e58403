// The receiver's side of acknowledgements: which packet numbers arrived (bounded to the
// highest ranges an ACK frame can carry), and when an ACK is due (RFC 9000 section 13.2:
// at once after `threshold` ack-eliciting packets or any out-of-order arrival, else after
// max_ack_delay).
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

  /** Writes an ACK frame into `buf` at `at` if one is pending and fits; returns the new offset. */
  write(now: Millis, buf: Uint8Array, at: number, budget: number): number {
    if (!this.pending || this.received.size === 0) return at;
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
    return writeAck(buf, at, ranges, delay_us);
  }
}
