// Per-source token buckets, so one address cannot monopolise the rendezvous server or use its
// STUN replies for amplification. The table of sources is bounded; when full, the least
// recently seen source is forgotten (it gets a fresh, full bucket if it comes back).
import type { Millis } from '../core/time.ts';

interface Bucket {
  tokens: number;
  at: Millis;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly rate_per_s: number,
    readonly burst: number,
    readonly sources_max: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `source`; false when the source is over its rate. */
  allow(now: Millis, source: string): boolean {
    let bucket = this.buckets.get(source);
    if (bucket) {
      this.buckets.delete(source); // re-insert below: Map order = least recently seen first
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.rate_per_s) / 1000);
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.sources_max) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
      bucket = { tokens: this.burst, at: now };
    }
    this.buckets.set(source, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
