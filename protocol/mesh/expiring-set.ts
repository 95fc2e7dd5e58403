// A bounded, time-limited map keyed by string: entries expire `ttl_ms` after insertion and
// the oldest go first when `max` is reached. Insertion order is expiry order (the ttl is
// constant), so expiry pops from the front of a Map in O(expired).
import type { Millis } from '../core/time.ts';

export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expires: Millis }>();
  /** Entries pushed out by `max` before their time (counted: it weakens dedup). */
  evicted = 0;

  constructor(
    readonly ttl_ms: number,
    readonly max: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Inserts (or refreshes) `key`; returns false when it was already present. */
  set(now: Millis, key: string, value: V): boolean {
    const fresh = !this.entries.delete(key);
    this.entries.set(key, { value, expires: now + this.ttl_ms });
    while (this.entries.size > this.max) {
      this.entries.delete(this.entries.keys().next().value!);
      this.evicted++;
    }
    return fresh;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  expire(now: Millis): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) return;
      this.entries.delete(key);
    }
  }

  /** Newest `count` entries, newest last. */
  newest(count: number): Array<[string, V]> {
    const all = [...this.entries];
    return all.slice(Math.max(0, all.length - count)).map(([k, e]) => [k, e.value]);
  }
}
