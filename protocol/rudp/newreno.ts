// NewReno congestion control as RFC 9002 section 7 specifies it: slow start, one recovery
// period per loss event, AIMD congestion avoidance, persistent congestion collapse.
import type { Millis } from '../core/time.ts';
import type { CongestionConfig, CongestionController, RateSample, SavedPath } from './congestion-controller.ts';
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
/** RFC 9406 Conservative Slow Start: rounds it lasts and its growth divisor. */
const CSS_ROUNDS = 5;
const CSS_GROWTH_DIVISOR = 4;
/** Careful Resume (RFC 9959): jump to half the saved window, only if the RTT still matches. */
const RESUME_JUMP_FRACTION = 0.5;
const RESUME_RTT_MIN_FACTOR = 0.5;
const RESUME_RTT_MAX_FACTOR = 10;

/** Careful Resume phases; 'normal' also covers connections that never resumed. */
type ResumePhase = 'normal' | 'unvalidated' | 'validating';

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
  /**
   * Conservative Slow Start (RFC 9406 section 4.2): a delay rise does not end slow start at
   * once; growth slows to a quarter for CSS_ROUNDS rounds, and if the RTT falls back below
   * the rise (a spurious signal: scheduling jitter on a loaded host, a transient queue) slow
   * start resumes. A second rise of eta above the baseline confirms the queue and ends it.
   */
  private css: { baseline_ms: number; roundsLeft: number; roundFrom: Millis } | undefined;
  // Careful Resume state: the jump is unvalidated until its first packet is acknowledged (one
  // RTT), then validating until its last packet is; a loss of a jump packet retreats.
  private phase: ResumePhase = 'normal';
  private jumpAt: Millis = Infinity;
  private lastJumpSent: Millis = -Infinity;
  /** Bytes acknowledged since the jump: the capacity the path has actually shown. */
  private pipe_bytes = 0;

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
    // The unvalidated jump is paced at exactly jump/RTT (RFC 9959): no overshoot on top of it.
    const gain = this.phase === 'unvalidated' ? 1 : this.inSlowStart() ? PACING_GAIN_SLOW_START : PACING_GAIN;
    return (gain * this.cwnd) / Math.max(rtt.smoothed_ms, 0.05);
  }

  resume(now: Millis, saved: SavedPath, rtt: RttEstimator): boolean {
    // Reconnaissance: the handshake RTT must confirm it is plausibly the same path.
    if (this.phase !== 'normal' || !rtt.sampled || !(saved.rtt_ms > 0)) return false;
    if (rtt.min_ms < saved.rtt_ms * RESUME_RTT_MIN_FACTOR || rtt.min_ms > saved.rtt_ms * RESUME_RTT_MAX_FACTOR) return false;
    const jump_bytes = Math.floor(saved.cwnd_bytes * RESUME_JUMP_FRACTION);
    if (!(jump_bytes > this.cwnd) || !this.inSlowStart()) return false;
    this.cwnd = jump_bytes;
    this.phase = 'unvalidated';
    this.jumpAt = now;
    this.pipe_bytes = 0;
    return true;
  }

  onSent(now: Millis): void {
    if (this.phase === 'unvalidated') this.lastJumpSent = now;
  }

  private hystart(now: Millis, rtt: RttEstimator, acked: readonly SentPacket[]): void {
    if (this.recentRtt_ms.length < HYSTART_MIN_SAMPLES) this.recentRtt_ms.push(rtt.latest_ms);
    else this.recentRtt_ms[this.recentIndex++ % HYSTART_MIN_SAMPLES] = rtt.latest_ms;
    if (this.recentRtt_ms.length < HYSTART_MIN_SAMPLES) return;
    let recentMin = Infinity;
    for (const sample of this.recentRtt_ms) if (sample < recentMin) recentMin = sample;
    const eta = Math.min(Math.max(rtt.min_ms / 8, HYSTART_MIN_ETA_MS), HYSTART_MAX_ETA_MS);
    const css = this.css;
    if (!css) {
      if (recentMin >= rtt.min_ms + eta) this.css = { baseline_ms: recentMin, roundsLeft: CSS_ROUNDS, roundFrom: now };
      return;
    }
    if (recentMin < css.baseline_ms) {
      this.css = undefined; // spurious: back to slow start
      return;
    }
    let roundEnded = false;
    for (const p of acked) if (p.time_sent >= css.roundFrom) roundEnded = true;
    if (roundEnded) {
      css.roundsLeft--;
      css.roundFrom = now;
    }
    if (css.roundsLeft <= 0 || recentMin >= css.baseline_ms + eta) {
      this.css = undefined;
      this.ssthresh = this.cwnd;
    }
  }

  /** Careful Resume bookkeeping; true while the window must not grow (unvalidated). */
  private resumeOnAck(acked: readonly SentPacket[], bytesInFlight: number): boolean {
    let newestSent = -Infinity;
    for (const packet of acked) {
      this.pipe_bytes += packet.size_bytes;
      newestSent = Math.max(newestSent, packet.time_sent);
    }
    if (this.phase === 'unvalidated') {
      if (newestSent < this.jumpAt) return true;
      // A round trip since the jump: the window becomes what was really in flight (the acks
      // below are added back by slow start) and grows normally from there.
      this.phase = 'validating';
      this.cwnd = Math.max(bytesInFlight, this.minimumWindow);
    }
    if (this.phase === 'validating' && newestSent >= this.lastJumpSent) this.phase = 'normal';
    return false;
  }

  onAck(now: Millis, acked: readonly SentPacket[], rtt: RttEstimator, _sample: RateSample | undefined, bytesInFlight: number): void {
    if (this.phase !== 'normal' && this.resumeOnAck(acked, bytesInFlight)) return;
    if (this.cwnd < this.ssthresh && acked.length > 0) this.hystart(now, rtt, acked);
    for (const packet of acked) {
      if (packet.time_sent <= this.recoveryStart) continue; // sent before recovery began
      if (this.cwnd < this.ssthresh) {
        this.cwnd += this.css ? packet.size_bytes / CSS_GROWTH_DIVISOR : packet.size_bytes;
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
    this.css = undefined;
    let largestSent = -Infinity;
    for (const packet of lost) largestSent = Math.max(largestSent, packet.time_sent);
    if (this.phase !== 'normal' && largestSent >= this.jumpAt) {
      // Safe retreat (RFC 9959): the jump overran the path; fall back to half of what it
      // delivered and leave slow start.
      this.phase = 'normal';
      this.recoveryStart = now;
      this.ssthresh = Math.max(this.pipe_bytes * LOSS_REDUCTION_FACTOR, this.minimumWindow);
      this.cwnd = this.ssthresh;
      this.avoidanceCredit = 0;
    } else if (largestSent > this.recoveryStart) {
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
