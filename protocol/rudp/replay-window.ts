// Sliding anti-replay window over 64-bit packet counters (RFC 6479 style bitmap ring, as in
// WireGuard). A counter is accepted once, and only if it is not too far below the highest.

export const REPLAY_WINDOW_PACKETS_MIN = 2048;

export class ReplayWindow {
  private readonly bits: Uint32Array;
  private readonly size: number;
  /** Highest counter marked, -1 before the first. */
  private highest = -1;

  constructor(readonly window_packets = 4096) {
    if (window_packets < REPLAY_WINDOW_PACKETS_MIN || window_packets % 32 !== 0) {
      throw new RangeError(`replay window ${window_packets} packets`);
    }
    this.size = window_packets;
    this.bits = new Uint32Array(window_packets / 32);
  }

  get highestSeen(): number {
    return this.highest;
  }

  /** true when `counter` is new and inside the window (check before the expensive AEAD). */
  check(counter: number): boolean {
    if (counter > this.highest) return true;
    if (this.highest - counter >= this.size) return false;
    const index = counter % this.size;
    return (this.bits[index >>> 5] & (1 << (index & 31))) === 0;
  }

  /** Marks an authenticated counter as seen; returns false if it was a replay. */
  mark(counter: number): boolean {
    if (!this.check(counter)) return false;
    if (counter > this.highest) {
      // Clear the slots the window slides over (at most the whole ring).
      const advance = Math.min(counter - this.highest, this.size);
      for (let i = 1; i <= advance; i++) {
        const index = (this.highest + i) % this.size;
        if (this.highest + i < 0) continue;
        this.bits[index >>> 5] &= ~(1 << (index & 31));
      }
      this.highest = counter;
    }
    const index = counter % this.size;
    this.bits[index >>> 5] |= 1 << (index & 31);
    return true;
  }
}
