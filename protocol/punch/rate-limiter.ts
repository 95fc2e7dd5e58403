// Token buckets keyed by source prefix (source-prefix.ts), kept in a fixed array of cells
// instead of a table of sources: memory is bounded without ever evicting anyone, so a source
// cannot earn a fresh burst by pushing itself out of the table (the old LRU gave one after
// 4,096 other sources). Each key hashes (keyed by a secret from the machine's Rng, so nobody
// can aim at a chosen cell) to two cells; a key may send while either of its cells holds a
// token and spends from both, so sharing a cell with a noisy stranger costs at most the
// stranger's share of one cell (count-min style). Deadline-free: refill is computed from the
// stored time of each cell, never from a timer.
import type { Millis } from '../core/time.ts';

export class RateLimiter {
  private readonly tokens: Float64Array;
  private readonly at: Float64Array;
  private readonly used: Uint8Array;
  private cellsUsed = 0;
  private readonly seedA: number;
  private readonly seedB: number;

  /**
   * @param rate_per_s tokens added per second
   * @param burst bucket size
   * @param cells number of cells (memory is 17 bytes per cell, whatever the number of sources)
   * @param secret 32-bit secret for the cell hash (draw it from the machine's Rng)
   */
  constructor(
    readonly rate_per_s: number,
    readonly burst: number,
    readonly cells: number,
    secret: number,
  ) {
    if (!(cells >= 2) || !Number.isInteger(cells)) throw new RangeError(`rate limiter cells ${cells}`);
    this.tokens = new Float64Array(cells).fill(burst);
    this.at = new Float64Array(cells);
    this.used = new Uint8Array(cells);
    this.seedA = (secret ^ 0x811c9dc5) >>> 0;
    this.seedB = (Math.imul(secret, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  }

  /** Cells that have seen traffic (bounded by `cells`). */
  get size(): number {
    return this.cellsUsed;
  }

  private hash(key: string, seed: number): number {
    let h = seed;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return (h >>> 0) % this.cells;
  }

  private refill(now: Millis, cell: number): number {
    if (!this.used[cell]) {
      this.used[cell] = 1;
      this.cellsUsed++;
      this.at[cell] = now;
    }
    const elapsed = Math.max(0, now - this.at[cell]!);
    const tokens = Math.min(this.burst, this.tokens[cell]! + (elapsed * this.rate_per_s) / 1000);
    this.tokens[cell] = tokens;
    this.at[cell] = Math.max(now, this.at[cell]!);
    return tokens;
  }

  /** Takes `cost` tokens for `key`; false (nothing taken) when the key is over its rate. */
  allow(now: Millis, key: string, cost = 1): boolean {
    const a = this.hash(key, this.seedA);
    let b = this.hash(key, this.seedB);
    if (b === a) b = (a + 1) % this.cells;
    const ta = this.refill(now, a);
    const tb = this.refill(now, b);
    if (ta < cost && tb < cost) return false;
    this.tokens[a] = Math.max(0, ta - cost);
    this.tokens[b] = Math.max(0, tb - cost);
    return true;
  }
}

/** One token bucket (a whole server's relay rate, one circuit's rate). */
export class TokenBucket {
  private tokens: number;
  private at: Millis;

  constructor(
    readonly rate_per_s: number,
    readonly burst: number,
    now: Millis,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  allow(now: Millis, cost: number): boolean {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.rate_per_s) / 1000);
      this.at = now;
    }
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
