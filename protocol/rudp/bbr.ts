// A model-based congestion controller in the spirit of BBR (v1): it estimates the
// bottleneck bandwidth (windowed max of delivery rate) and the minimum RTT, paces at
// gain x bandwidth and caps inflight at gain x BDP. Random loss is not congestion, so
// losses do not shrink the model; only persistent congestion resets it.
//
// Startup without self-inflicted overflow (issue 15): startup paces at 2.885x the estimated
// bandwidth but caps inflight at 2x the estimated BDP (as BBRv2/v3 do: one BDP in the pipe,
// at most one more queued), and it ends on the first queue signal instead of waiting three
// rounds of flat bandwidth: a round whose smallest RTT sample exceeds the minimum RTT by
// clamp(min RTT / 8, 4, 16) ms (HyStart++'s delay threshold, RFC 9406) means a standing
// queue has formed, so the pipe is full and the controller drains.
import type { Millis } from '../core/time.ts';
import type { CongestionConfig, CongestionController, RateSample, SavedPath } from './congestion-controller.ts';
import type { RttEstimator } from './rtt-estimator.ts';
import type { SentPacket } from './sent-packet.ts';

const STARTUP_GAIN = 2.885; // 2/ln 2
const DRAIN_GAIN = 1 / STARTUP_GAIN;
const PROBE_BW_CWND_GAIN = 2;
/** Inflight cap in startup, in estimated BDPs: the pipe plus at most one BDP of queue. */
const STARTUP_CWND_GAIN = 2;
/** RTT inflation that ends startup: clamp(min RTT / 8, these bounds) (RFC 9406 section 4.2). */
const QUEUE_DELAY_MIN_MS = 4;
const QUEUE_DELAY_MAX_MS = 16;
const QUEUE_DELAY_DIVISOR = 8;
/** RTT samples of a round needed before its minimum counts as a queue signal (RFC 9406: 8). */
const QUEUE_SAMPLES_MIN = 8;
const PROBE_BW_GAINS = [1.25, 0.75, 1, 1, 1, 1, 1, 1] as const;
/** Rounds the bandwidth max-filter remembers. */
const BW_WINDOW_ROUNDS = 10;
const MIN_RTT_WINDOW_MS = 10_000;
/** Startup ends when bandwidth grew less than 25% for this many rounds. */
const FULL_BW_ROUNDS = 3;
const FULL_BW_GROWTH = 1.25;

/** Careful Resume (RFC 9959): the handshake RTT must lie within these factors of the saved one. */
const RESUME_RTT_MIN_FACTOR = 0.5;
const RESUME_RTT_MAX_FACTOR = 10;
/**
 * The jump, as a share of the saved window. A BBR window in probe-bw is 2 BDP, so half of
 * it is one BDP: the resumed path starts with the pipe full and no queue.
 */
const RESUME_JUMP_FRACTION = 0.5;

type Mode = 'startup' | 'drain' | 'probe-bw';
/**
 * Careful Resume phase: 'unvalidated' (cwnd held at the jump) until the first jump packet is
 * acknowledged, then 'validating' until the last one is; a lost jump packet retreats.
 */
type ResumePhase = 'normal' | 'unvalidated' | 'validating';

export class BbrController implements CongestionController {
  readonly name = 'bbr' as const;
  private readonly mss: number;
  private mode: Mode = 'startup';
  /** Max delivery rate per round, a ring over the last BW_WINDOW_ROUNDS rounds. */
  private bwByRound = new Float64Array(BW_WINDOW_ROUNDS);
  private bwRoundTag = new Float64Array(BW_WINDOW_ROUNDS).fill(-1);
  private bw = 0;
  private minRtt_ms = Infinity;
  private minRttStamp: Millis = 0;
  private round = 0;
  private nextRoundDelivered = 0;
  private fullBw = 0;
  private fullBwCount = 0;
  private cycleIndex = 0;
  private cycleStart: Millis = 0;
  /** Smallest RTT sample of the current round (startup's queue signal). */
  private roundMinRtt_ms = Infinity;
  private roundSamples = 0;
  private cwnd: number;
  private phase: ResumePhase = 'normal';
  private jumpAt: Millis = Infinity;
  private jump_bytes = 0;
  /** When the last packet of the unvalidated phase was sent. */
  private lastJumpSent: Millis = -Infinity;
  /** Delivery-rate samples count only for packets sent from here on (set by a retreat). */
  private samplesFrom: Millis = -Infinity;
  /** Bytes acknowledged since the jump: what the path has actually shown (the retreat size). */
  private ackedSinceJump_bytes = 0;
  /** Largest datagram seen acknowledged (starts at the configured size). */
  private packet_bytes: number;

  constructor(config: CongestionConfig) {
    this.mss = config.datagram_bytes;
    this.packet_bytes = config.datagram_bytes;
    this.cwnd = 10 * this.mss;
  }

  private get pacingGain(): number {
    if (this.mode === 'startup') return STARTUP_GAIN;
    if (this.mode === 'drain') return DRAIN_GAIN;
    return PROBE_BW_GAINS[this.cycleIndex]!;
  }

  private get cwndGain(): number {
    if (this.mode === 'probe-bw') return PROBE_BW_CWND_GAIN;
    return this.mode === 'startup' ? STARTUP_CWND_GAIN : STARTUP_GAIN;
  }

  /** Why startup ended ('queue': RTT inflation, 'bandwidth': three flat rounds), if it has. */
  startupExit: 'queue' | 'bandwidth' | undefined;

  private bdp(): number {
    return Number.isFinite(this.minRtt_ms) ? this.bw * this.minRtt_ms : 0;
  }

  window_bytes(): number {
    return this.cwnd;
  }

  inSlowStart(): boolean {
    return this.mode === 'startup';
  }

  pacingRate_bytes_per_ms(rtt: RttEstimator): number {
    if (this.bw === 0) return (STARTUP_GAIN * this.cwnd) / Math.max(rtt.smoothed_ms, 0.05);
    return this.pacingGain * this.bw;
  }

  onSent(now: Millis): void {
    if (this.phase === 'unvalidated') this.lastJumpSent = now;
  }

  /**
   * Careful Resume (RFC 9959): if the handshake RTT matches the saved path, the model starts
   * from the saved capacity: bandwidth = jump / RTT with the jump half the saved window (one
   * BDP of a probe-bw window), cwnd = the jump, paced at gain 1 (probe-bw's cruise phase),
   * so the first RTT fills the pipe without a queue. Unvalidated until a packet sent after the
   * jump is acknowledged; a loss before that retreats to startup from half of what was
   * acknowledged. The seeded sample ages out of the bandwidth filter like any other.
   */
  resume(now: Millis, saved: SavedPath, rtt: RttEstimator): boolean {
    if (this.mode !== 'startup' || this.phase !== 'normal' || !rtt.sampled || !(saved.rtt_ms > 0)) return false;
    if (rtt.min_ms < saved.rtt_ms * RESUME_RTT_MIN_FACTOR || rtt.min_ms > saved.rtt_ms * RESUME_RTT_MAX_FACTOR) return false;
    const jump_bytes = Math.floor(saved.cwnd_bytes * RESUME_JUMP_FRACTION);
    if (!(jump_bytes > this.cwnd)) return false;
    this.minRtt_ms = rtt.min_ms;
    this.minRttStamp = now;
    const slot = this.round % BW_WINDOW_ROUNDS;
    this.bwRoundTag[slot] = this.round;
    this.bwByRound[slot] = jump_bytes / rtt.min_ms;
    this.bw = this.bwByRound[slot]!;
    this.mode = 'probe-bw';
    this.startupExit = undefined;
    this.cycleIndex = 2;
    this.cycleStart = now;
    this.cwnd = jump_bytes;
    this.phase = 'unvalidated';
    this.jumpAt = now;
    this.jump_bytes = jump_bytes;
    this.ackedSinceJump_bytes = 0;
    return true;
  }

  onAck(now: Millis, acked: readonly SentPacket[], rtt: RttEstimator, sample: RateSample | undefined, bytesInFlight: number): void {
    // Datagrams grow with path-MTU probing: the window floor is counted in real packets.
    for (const p of acked) if (p.size_bytes > this.packet_bytes) this.packet_bytes = p.size_bytes;
    if (this.phase !== 'normal') {
      for (const p of acked) {
        this.ackedSinceJump_bytes += p.size_bytes;
        if (this.phase === 'unvalidated' && p.time_sent >= this.jumpAt) this.phase = 'validating';
        if (this.phase === 'validating' && p.time_sent > this.lastJumpSent) this.phase = 'normal';
      }
    }
    if (rtt.latest_ms > 0 && (rtt.latest_ms <= this.minRtt_ms || now - this.minRttStamp > MIN_RTT_WINDOW_MS)) {
      this.minRtt_ms = rtt.latest_ms;
      this.minRttStamp = now;
    }
    let roundStart = false;
    for (const p of acked) {
      if (p.delivered_bytes >= this.nextRoundDelivered) {
        this.nextRoundDelivered = sample?.delivered_bytes ?? p.delivered_bytes + p.size_bytes;
        this.round++;
        roundStart = true;
        break;
      }
    }
    const slot = this.round % BW_WINDOW_ROUNDS;
    if (this.bwRoundTag[slot] !== this.round) {
      this.bwRoundTag[slot] = this.round;
      this.bwByRound[slot] = 0;
    }
    // After a retreat, samples of packets sent during the jump describe the overrun, not the path.
    const fresh = acked.length > 0 && acked[0]!.time_sent >= this.samplesFrom;
    if (fresh && sample && sample.deliveryRate_bytes_per_ms > 0 && (!sample.appLimited || sample.deliveryRate_bytes_per_ms > this.bw)) {
      if (sample.deliveryRate_bytes_per_ms > this.bwByRound[slot]!) this.bwByRound[slot] = sample.deliveryRate_bytes_per_ms;
    }
    this.bw = 0;
    for (let i = 0; i < BW_WINDOW_ROUNDS; i++) {
      if (this.bwRoundTag[i]! > this.round - BW_WINDOW_ROUNDS && this.bwByRound[i]! > this.bw) this.bw = this.bwByRound[i]!;
    }
    if (this.mode === 'startup') {
      if (roundStart) {
        this.roundMinRtt_ms = Infinity;
        this.roundSamples = 0;
      }
      if (rtt.latest_ms > 0) {
        this.roundSamples++;
        if (rtt.latest_ms < this.roundMinRtt_ms) this.roundMinRtt_ms = rtt.latest_ms;
      }
      // HyStart++-style: decided mid-round, as soon as enough samples of this round all show
      // the queue (a round-end check reacts a whole, already queue-inflated, round late).
      const threshold = Math.min(QUEUE_DELAY_MAX_MS, Math.max(QUEUE_DELAY_MIN_MS, this.minRtt_ms / QUEUE_DELAY_DIVISOR));
      if (this.roundSamples >= QUEUE_SAMPLES_MIN && this.roundMinRtt_ms >= this.minRtt_ms + threshold) {
        this.mode = 'drain';
        this.startupExit = 'queue';
      }
    }
    if (this.mode === 'startup' && roundStart) {
      if (this.bw >= this.fullBw * FULL_BW_GROWTH) {
        this.fullBw = this.bw;
        this.fullBwCount = 0;
      } else if (++this.fullBwCount >= FULL_BW_ROUNDS) {
        this.mode = 'drain';
        this.startupExit = 'bandwidth';
      }
    }
    if (this.mode === 'drain' && bytesInFlight <= this.bdp()) {
      this.mode = 'probe-bw';
      this.cycleIndex = 2;
      this.cycleStart = now;
    }
    if (this.mode === 'probe-bw' && Number.isFinite(this.minRtt_ms) && now - this.cycleStart >= this.minRtt_ms) {
      this.cycleIndex = (this.cycleIndex + 1) % PROBE_BW_GAINS.length;
      this.cycleStart = now;
    }
    const target = this.bdp() * this.cwndGain + 3 * this.packet_bytes;
    if (this.phase !== 'normal') {
      // The jump holds until it is validated (RFC 9959): no growth on top of it.
      this.cwnd = this.jump_bytes;
    } else if (this.bdp() > 0) {
      // Grow toward the target; in startup never shrink. (Growing by each ACK as slow start
      // does outruns the queue signal, which lags a round: 1,816 packets lost at 0% loss.)
      this.cwnd = this.mode === 'startup' ? Math.max(this.cwnd, target) : target;
    } else {
      for (const p of acked) this.cwnd += p.size_bytes;
    }
    this.cwnd = Math.max(this.cwnd, 4 * this.packet_bytes);
  }

  onLoss(now: Millis, lost: readonly SentPacket[], persistent: boolean): void {
    if (this.phase !== 'normal' && lost.some((p) => p.time_sent >= this.jumpAt && p.time_sent <= this.lastJumpSent)) {
      // Safe retreat (RFC 9959): the jump overran the path; forget the seeded model.
      this.phase = 'normal';
      this.samplesFrom = now;
      this.bwRoundTag.fill(-1);
      this.bwByRound.fill(0);
      this.bw = 0;
      this.mode = 'startup';
      this.fullBw = 0;
      this.fullBwCount = 0;
      this.cwnd = Math.max(4 * this.packet_bytes, this.ackedSinceJump_bytes / 2);
      return;
    }
    if (persistent) {
      // The path really changed: forget the model and restart probing.
      this.cwnd = 4 * this.packet_bytes;
      this.bwRoundTag.fill(-1);
      this.bwByRound.fill(0);
      this.bw = 0;
      this.mode = 'startup';
      this.startupExit = undefined;
      this.roundMinRtt_ms = Infinity;
      this.roundSamples = 0;
      this.fullBw = 0;
      this.fullBwCount = 0;
    }
  }
}
