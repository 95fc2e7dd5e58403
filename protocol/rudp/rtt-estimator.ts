// Round-trip time estimator of RFC 9002 section 5: smoothed RTT, variance, minimum.
import type { Millis } from '../core/time.ts';

export const GRANULARITY_MS = 1;

export class RttEstimator {
  smoothed_ms: number;
  variance_ms: number;
  min_ms = Infinity;
  latest_ms = 0;
  private hasSample = false;

  constructor(initial_ms: number) {
    this.smoothed_ms = initial_ms;
    this.variance_ms = initial_ms / 2;
  }

  get sampled(): boolean {
    return this.hasSample;
  }

  update(latest_ms: Millis, ackDelay_ms: Millis): void {
    this.latest_ms = latest_ms;
    if (latest_ms < this.min_ms) this.min_ms = latest_ms;
    if (!this.hasSample) {
      this.hasSample = true;
      this.smoothed_ms = latest_ms;
      this.variance_ms = latest_ms / 2;
      return;
    }
    const adjusted = latest_ms >= this.min_ms + ackDelay_ms ? latest_ms - ackDelay_ms : latest_ms;
    this.variance_ms = 0.75 * this.variance_ms + 0.25 * Math.abs(this.smoothed_ms - adjusted);
    this.smoothed_ms = 0.875 * this.smoothed_ms + 0.125 * adjusted;
  }

  /** PTO base before back-off (RFC 9002 section 6.2.1). */
  pto_ms(maxAckDelay_ms: number): number {
    return this.smoothed_ms + Math.max(4 * this.variance_ms, GRANULARITY_MS) + maxAckDelay_ms;
  }
}
