// The interface every congestion controller implements, so NewReno (default) and the
// BBR-style model can be swapped per connection.
import type { Millis } from '../core/time.ts';
import type { RttEstimator } from './rtt-estimator.ts';
import type { SentPacket } from './sent-packet.ts';

export interface RateSample {
  /** Bytes per millisecond delivered over the sampled interval. */
  readonly deliveryRate_bytes_per_ms: number;
  readonly rtt_ms: number;
  readonly appLimited: boolean;
  /** Total bytes delivered on the connection so far. */
  readonly delivered_bytes: number;
}

export interface CongestionController {
  readonly name: 'newreno' | 'bbr';
  /** Congestion window in bytes. */
  window_bytes(): number;
  /** Pacing rate in bytes per millisecond. */
  pacingRate_bytes_per_ms(rtt: RttEstimator): number;
  onSent(now: Millis, packet: SentPacket, bytesInFlight: number): void;
  /** Called once per ACK frame with the newly acknowledged in-flight packets. */
  onAck(now: Millis, acked: readonly SentPacket[], rtt: RttEstimator, sample: RateSample | undefined, bytesInFlight: number): void;
  /** Packets declared lost in one detection pass; `persistent` per RFC 9002 section 7.6. */
  onLoss(now: Millis, lost: readonly SentPacket[], persistent: boolean, bytesInFlight: number): void;
  /** True while in slow start or startup (used for stats). */
  inSlowStart(): boolean;
  /**
   * Careful Resume (RFC 9959): once the handshake measured the RTT, jump to a window saved
   * from an earlier connection on the same path. Optional; returns whether it jumped.
   */
  resume?(now: Millis, saved: SavedPath, rtt: RttEstimator): boolean;
}

/** Congestion state an application kept from an earlier connection to the same peer. */
export interface SavedPath {
  /** Congestion window when that connection ended (or its capacity estimate). */
  readonly cwnd_bytes: number;
  /** Its minimum RTT. */
  readonly rtt_ms: number;
}

export interface CongestionConfig {
  readonly datagram_bytes: number;
}
