// A model-based congestion controller in the spirit of BBR (v1): it estimates the
// bottleneck bandwidth (windowed max of delivery rate) and the minimum RTT, paces at
// gain x bandwidth and caps inflight at gain x BDP. Random loss is not congestion, so
// losses do not shrink the model; only persistent congestion resets it.
import type { Millis } from '../core/time.ts';
import type { CongestionConfig, CongestionController, RateSample } from './congestion-controller.ts';
import type { RttEstimator } from './rtt-estimator.ts';
import type { SentPacket } from './sent-packet.ts';

const STARTUP_GAIN = 2.885; // 2/ln 2
const DRAIN_GAIN = 1 / STARTUP_GAIN;
const PROBE_BW_CWND_GAIN = 2;
const PROBE_BW_GAINS = [1.25, 0.75, 1, 1, 1, 1, 1, 1] as const;
/** Rounds the bandwidth max-filter remembers. */
const BW_WINDOW_ROUNDS = 10;
const MIN_RTT_WINDOW_MS = 10_000;
/** Startup ends when bandwidth grew less than 25% for this many rounds. */
const FULL_BW_ROUNDS = 3;
const FULL_BW_GROWTH = 1.25;

type Mode = 'startup' | 'drain' | 'probe-bw';

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
  private cwnd: number;
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
    return this.mode === 'probe-bw' ? PROBE_BW_CWND_GAIN : STARTUP_GAIN;
  }

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

  onSent(): void {}

  onAck(now: Millis, acked: readonly SentPacket[], rtt: RttEstimator, sample: RateSample | undefined, bytesInFlight: number): void {
    // Datagrams grow with path-MTU probing: the window floor is counted in real packets.
    for (const p of acked) if (p.size_bytes > this.packet_bytes) this.packet_bytes = p.size_bytes;
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
    if (sample && sample.deliveryRate_bytes_per_ms > 0 && (!sample.appLimited || sample.deliveryRate_bytes_per_ms > this.bw)) {
      if (sample.deliveryRate_bytes_per_ms > this.bwByRound[slot]!) this.bwByRound[slot] = sample.deliveryRate_bytes_per_ms;
    }
    this.bw = 0;
    for (let i = 0; i < BW_WINDOW_ROUNDS; i++) {
      if (this.bwRoundTag[i]! > this.round - BW_WINDOW_ROUNDS && this.bwByRound[i]! > this.bw) this.bw = this.bwByRound[i]!;
    }
    if (this.mode === 'startup' && roundStart) {
      if (this.bw >= this.fullBw * FULL_BW_GROWTH) {
        this.fullBw = this.bw;
        this.fullBwCount = 0;
      } else if (++this.fullBwCount >= FULL_BW_ROUNDS) {
        this.mode = 'drain';
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
    if (this.bdp() > 0) {
      // Grow toward the target; in startup never shrink.
      this.cwnd = this.mode === 'startup' ? Math.max(this.cwnd, target) : target;
    } else {
      for (const p of acked) this.cwnd += p.size_bytes;
    }
    this.cwnd = Math.max(this.cwnd, 4 * this.packet_bytes);
  }

  onLoss(_now: Millis, _lost: readonly SentPacket[], persistent: boolean): void {
    if (persistent) {
      // The path really changed: forget the model and restart probing.
      this.cwnd = 4 * this.packet_bytes;
      this.bwRoundTag.fill(-1);
      this.bw = 0;
      this.mode = 'startup';
      this.fullBw = 0;
      this.fullBwCount = 0;
    }
  }
}
