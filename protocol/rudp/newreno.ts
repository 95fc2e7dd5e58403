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
/** HyStart++ (RFC 9406): RTT samples per round before the delay test, and its clamp. */
const HYSTART_MIN_SAMPLES = 8;
const HYSTART_MIN_ETA_MS = 4;
const HYSTART_MAX_ETA_MS = 16;

export class NewReno implements CongestionController {
  readonly name = 'newreno' as const;
  private cwnd: number;
  private ssthresh = Infinity;
  private recoveryStart: Millis = -Infinity;
  private avoidanceCredit = 0;
  private readonly mss: number;
  // Delay-based slow-start exit in the spirit of HyStart++ (RFC 9406): leave slow start
  // when the minimum of the last few RTT samples rises clearly above the path minimum,
  // i.e. a queue is forming, instead of overflowing it. (RFC 9406 compares per-round
  // minima; with paced sending the first samples of a round see no queue, so a sliding
  // minimum reacts one round earlier.)
  private readonly recentRtt_ms: number[] = [];
  private recentIndex = 0;

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

  private hystart(rtt: RttEstimator): void {
    if (this.recentRtt_ms.length < HYSTART_MIN_SAMPLES) this.recentRtt_ms.push(rtt.latest_ms);
    else this.recentRtt_ms[this.recentIndex++ % HYSTART_MIN_SAMPLES] = rtt.latest_ms;
    if (this.recentRtt_ms.length < HYSTART_MIN_SAMPLES) return;
    const recentMin = Math.min(...this.recentRtt_ms);
    const eta = Math.min(Math.max(rtt.min_ms / 8, HYSTART_MIN_ETA_MS), HYSTART_MAX_ETA_MS);
    if (recentMin >= rtt.min_ms + eta) this.ssthresh = this.cwnd;
  }

  onAck(_now: Millis, acked: readonly SentPacket[], rtt: RttEstimator, _sample: RateSample | undefined): void {
    if (this.cwnd < this.ssthresh && acked.length > 0) this.hystart(rtt);
    for (const packet of acked) {
      if (packet.time_sent <= this.recoveryStart) continue; // sent before recovery began
      if (this.cwnd < this.ssthresh) {
        this.cwnd += packet.size_bytes;
      } else {
        this.avoidanceCredit += packet.size_bytes;
        if (this.avoidanceCredit >= this.cwnd) {
          this.avoidanceCredit -= this.cwnd;
          // One datagram per window: the current one, which path-MTU probing may have grown.
          this.cwnd += Math.max(this.mss, packet.size_bytes);
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
