// What the sender remembers about one packet in flight, for loss recovery, congestion
// control and delivery-rate sampling.
import type { Millis } from '../core/time.ts';

export interface SentPacket {
  readonly pn: number;
  readonly time_sent: Millis;
  readonly size_bytes: number;
  readonly ackEliciting: boolean;
  /** Counts toward bytes in flight (everything but pure ACK packets). */
  readonly inFlight: boolean;
  /** Stream bytes carried: [offset, length], or length -1 when none. */
  readonly streamOffset: number;
  readonly streamLength: number;
  readonly streamFin: boolean;
  readonly maxData: boolean;
  readonly close: boolean;
  /** Largest packet number reported by the ACK frame this packet carried (-1: none). */
  readonly ackLargest: number;
  /** Size of a PMTU probe (0 for ordinary packets): its loss is not congestion. */
  readonly pmtuProbe_bytes: number;
  /** Delivery-rate sampling state at send time (BBR). */
  readonly delivered_bytes: number;
  readonly delivered_time: Millis;
  readonly firstSent_time: Millis;
  readonly appLimited: boolean;
}
