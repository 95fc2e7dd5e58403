// NewReno congestion control as RFC 9002 section 7 specifies it: slow start, one recovery
// period per loss event, AIMD congestion avoidance, persistent congestion collapse.
import type { Millis } from '../core/time.ts';
import type { CongestionConfig, CongestionController, RateSample } from './congestion-controller.ts';
import type { RttEstimator } from './rtt-estimator.ts';
import type { SentPacket } from './sent-packet.ts';

export const LOSS_REDUCTION_FACTOR = 0.5;
/** RFC 9002 section 7.7: pace at N x cwnd / srtt; a larger N in slow start lets cwnd grow. */
const PACING_GAIN_SLOW_START = 2;
const PACING_GAIN = 1.25;

export class NewReno implements CongestionController {
  readonly name = 'newreno' as const;
  private cwnd: number;
  private ssthresh = Infinity;
  private recoveryStart: Millis = -Infinity;
  private avoidanceCredit = 0;
  private readonly mss: number;

  constructor(config: CongestionConfig) {
    this.mss = config.datagram_bytes;
    this.cwnd = Math.min(10 * this.mss, Math.max(14_720, 2 * this.mss));
  }

  private get minimumWindow(): number {
    return 2 * this.mss;
  }

  window_bytes(): number {
    return this.cwnd;
  }

  inSlowStart(): boolean {
    return this.cwnd < this.ssthresh;
  }

  pacingRate_bytes_per_ms(rtt: RttEstimator): number {
    const gain = this.inSlowStart() ? PACING_GAIN_SLOW_START : PACING_GAIN;
    return (gain * this.cwnd) / Math.max(rtt.smoothed_ms, 0.05);
  }

  onSent(): void {}

  onAck(_now: Millis, acked: readonly SentPacket[], _rtt: RttEstimator, _sample: RateSample | undefined): void {
    for (const packet of acked) {
      if (packet.time_sent <= this.recoveryStart) continue; // sent before recovery began
      if (this.cwnd < this.ssthresh) {
        this.cwnd += packet.size_bytes;
      } else {
        this.avoidanceCredit += packet.size_bytes;
        if (this.avoidanceCredit >= this.cwnd) {
          this.avoidanceCredit -= this.cwnd;
          this.cwnd += this.mss;
        }
      }
    }
  }

  onLoss(now: Millis, lost: readonly SentPacket[], persistent: boolean): void {
    let largestSent = -Infinity;
    for (const packet of lost) largestSent = Math.max(largestSent, packet.time_sent);
    if (largestSent > this.recoveryStart) {
      this.recoveryStart = now;
      this.ssthresh = Math.max(this.cwnd * LOSS_REDUCTION_FACTOR, this.minimumWindow);
      this.cwnd = this.ssthresh;
      this.avoidanceCredit = 0;
    }
    if (persistent) {
      this.cwnd = this.minimumWindow;
      this.recoveryStart = now;
    }
  }
}
