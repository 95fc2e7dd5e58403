// Round-trip-time statistics with bounded memory. Min, max and mean are exact over every
// sample; percentiles come from a reservoir of at most `samples_max` samples (Vitter's
// algorithm R, drawing from the injected Rng so a seed fixes which samples are kept).
import type { Rng } from '../core/rng.ts';

export interface RttSummary {
  readonly samples: number;
  readonly min_ms: number;
  readonly mean_ms: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

export class RttStats {
  private readonly reservoir: number[] = [];
  private count = 0;
  private sum_ms = 0;
  private min_ms = Infinity;
  private max_ms = -Infinity;

  constructor(
    private readonly samples_max: number,
    private readonly rng: Rng,
  ) {
    if (!Number.isInteger(samples_max) || samples_max < 1) throw new RangeError(`samples_max ${samples_max}`);
  }

  add(rtt_ms: number): void {
    this.count++;
    this.sum_ms += rtt_ms;
    if (rtt_ms < this.min_ms) this.min_ms = rtt_ms;
    if (rtt_ms > this.max_ms) this.max_ms = rtt_ms;
    if (this.reservoir.length < this.samples_max) {
      this.reservoir.push(rtt_ms);
      return;
    }
    const slot = this.rng.nextInt(0, this.count - 1);
    if (slot < this.samples_max) this.reservoir[slot] = rtt_ms;
  }

  get samples(): number {
    return this.count;
  }

  /** Nearest-rank percentile (p in [0, 100]) of the kept samples; NaN when empty. */
  percentile(p: number): number {
    if (this.reservoir.length === 0) return NaN;
    const sorted = [...this.reservoir].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[Math.min(sorted.length, rank) - 1]!;
  }

  summary(): RttSummary {
    if (this.count === 0) return { samples: 0, min_ms: NaN, mean_ms: NaN, p50_ms: NaN, p99_ms: NaN, max_ms: NaN };
    return {
      samples: this.count,
      min_ms: this.min_ms,
      mean_ms: this.sum_ms / this.count,
      p50_ms: this.percentile(50),
      p99_ms: this.percentile(99),
      max_ms: this.max_ms,
    };
  }
}
