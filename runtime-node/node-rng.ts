// The Rng for real runs: every draw comes from node:crypto's CSPRNG, since on a real network
// the values are nonces, ephemeral keys and punch tokens that an attacker must not guess.
// A small pool amortises the syscall for the many 4-byte draws a transport makes.
import { randomBytes } from 'node:crypto';
import type { Rng } from '../protocol/core/rng.ts';

/** Bytes fetched from the kernel per refill; small enough to keep, large enough to amortise. */
const pool_bytes = 4096;

export class NodeRng implements Rng {
  private pool = new Uint8Array(0);
  private offset = 0;

  private take(count: number): Uint8Array {
    if (count > pool_bytes) return new Uint8Array(randomBytes(count));
    if (this.offset + count > this.pool.byteLength) {
      this.pool = new Uint8Array(randomBytes(pool_bytes));
      this.offset = 0;
    }
    const out = this.pool.slice(this.offset, this.offset + count);
    // Wipe what we hand out so a later heap dump cannot replay it from the pool.
    this.pool.fill(0, this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  nextUint32(): number {
    const b = this.take(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  nextFloat(): number {
    // 53 random bits give every representable double in [0, 1) with equal spacing.
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67_108_864 + low) / 9_007_199_254_740_992;
  }

  nextInt(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`nextInt(${min}, ${max})`);
    const span = max - min + 1;
    if (span > 0x1_0000_0000) return min + Math.floor(this.nextFloat() * span);
    // Rejection sampling: no modulo bias.
    const limit = Math.floor(0x1_0000_0000 / span) * span;
    for (;;) {
      const value = this.nextUint32();
      if (value < limit) return min + (value % span);
    }
  }

  nextBytes(count: number): Uint8Array {
    return this.take(count);
  }
}
