// Path-MTU probing (in the spirit of RFC 8899 DPLPMTUD): after the handshake, send one
// padded PING at the next size of a ladder; an acknowledged probe raises the datagram
// budget, a lost one ends the search at the size below. Probe losses are not congestion.

/** Candidate UDP payload sizes: Ethernet-less-headers, then up to the IPv4 UDP maximum. */
const LADDER_BYTES = [1452, 2048, 4096, 8192, 16_384, 32_768, 65_000] as const;

export class PmtuProber {
  private ladder: number[];
  private inFlight: number | undefined;
  current_bytes: number;

  constructor(base_bytes: number, max_bytes: number) {
    this.current_bytes = base_bytes;
    this.ladder = LADDER_BYTES.filter((size) => size > base_bytes && size <= max_bytes);
  }

  /** The size to probe next, or undefined while a probe is out or the search is over. */
  nextProbe(): number | undefined {
    if (this.inFlight !== undefined) return undefined;
    return this.ladder[0];
  }

  onSent(size_bytes: number): void {
    this.inFlight = size_bytes;
  }

  /** Returns true when the budget grew. */
  onAcked(size_bytes: number): boolean {
    this.inFlight = undefined;
    this.ladder = this.ladder.filter((size) => size > size_bytes);
    if (size_bytes <= this.current_bytes) return false;
    this.current_bytes = size_bytes;
    return true;
  }

  onLost(size_bytes: number): void {
    this.inFlight = undefined;
    this.ladder = this.ladder.filter((size) => size < size_bytes);
  }
}
