// Thin-stream loss recovery (issue 15), in the spirit of RDB for thin TCP streams
// (Petlund et al.; Linux tcp_rdb): an interactive sender writes a few bytes at a time, so its
// packets are mostly empty and a lost one is repaired only after a round trip plus the next
// message's gap (or a probe timeout for the tail). When the stream is thin, every new packet
// also carries the newest unacknowledged bytes (bounded, only what fits), so a single loss is
// repaired by the very next packet; the receiver keeps each stream offset once.
//
// Thin means: at most THIN_UNACKED_BYTES_MAX unacknowledged stream bytes lie before the new
// segment and fewer than THIN_PACKETS_IN_FLIGHT_MAX ack-eliciting packets are in flight. A
// bulk sender fills its packets (no room to bundle) and has far more than that outstanding,
// so it never bundles; congestion control sees the bundled bytes like any others.

/** Unacknowledged bytes before the new segment, at most, for the stream to count as thin. */
export const THIN_UNACKED_BYTES_MAX = 512;
/** Ack-eliciting packets in flight below which the stream may be thin. */
export const THIN_PACKETS_IN_FLIGHT_MAX = 16;

export interface BundleInput {
  /** First byte of the new segment about to be sent. */
  readonly segmentOffset: number;
  readonly segmentLength: number;
  /** Every stream byte below this is acknowledged. */
  readonly ackedBelow: number;
  /** Ack-eliciting packets in flight. */
  readonly packetsInFlight: number;
  /** Stream payload bytes the packet still has room for (new segment included). */
  readonly room_bytes: number;
}

/**
 * Where the STREAM frame should start: before `segmentOffset` when the newest
 * unacknowledged bytes are bundled in front of the new ones, else `segmentOffset`.
 * All unacknowledged bytes are bundled or none (a partial bundle would still leave the
 * oldest hole to the normal loss recovery).
 */
export function bundleStart(input: BundleInput): number {
  const unacked = input.segmentOffset - input.ackedBelow;
  if (unacked <= 0 || unacked > THIN_UNACKED_BYTES_MAX) return input.segmentOffset;
  if (input.packetsInFlight >= THIN_PACKETS_IN_FLIGHT_MAX) return input.segmentOffset;
  if (input.segmentLength + unacked > input.room_bytes) return input.segmentOffset;
  return input.ackedBelow;
}
