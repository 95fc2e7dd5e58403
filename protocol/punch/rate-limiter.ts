// Per-source token buckets, so one address cannot monopolise the rendezvous server or use its
// STUN replies for amplification. The table of sources is bounded; when full, the least
// recently seen source is forgotten (it gets a fresh, full bucket if it comes back).
import type { Millis } from '../core/time.ts';

interface Bucket {
  tokens: number;
  at: Millis;
  /** When the bucket last moved to the young end of the LRU order. */
  seen: Millis;
}

const LRU_REFRESH_MS = 1_000;

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
      // Re-insert (Map order = least recently seen first) at most once per LRU_REFRESH_MS, so
      // a busy source costs one lookup per datagram, not three.
      if (now - bucket.seen >= LRU_REFRESH_MS) {
        this.buckets.delete(source);
        this.buckets.set(source, bucket);
        bucket.seen = now;
      }
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.rate_per_s) / 1000);
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.sources_max) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
      bucket = { tokens: this.burst, at: now, seen: now };
      this.buckets.set(source, bucket);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
