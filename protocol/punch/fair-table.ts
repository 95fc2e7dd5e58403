// A bounded table whose entries each belong to a source prefix, so that a full table makes
// room fairly instead of refusing everyone: a prefix at its own quota gives up its oldest
// entry; otherwise a full table evicts the oldest entry of the prefix holding the most
// entries. A flood from many addresses therefore churns only the flooders' own entries while
// a prefix with fewer entries than the biggest one keeps all of them.
//
// Global order (Map insertion order) is "least recently set first", so callers that set
// entries with a fixed time to live can sweep expired ones from the front. Prefix sizes are
// kept in count buckets (count -> prefixes), so finding the biggest prefix is O(1) amortised.

export interface Evicted<V> {
  readonly key: string;
  readonly value: V;
  readonly why: 'prefix-quota' | 'table-full';
}

export class FairTable<V> {
  private readonly entries = new Map<string, { prefix: string; value: V }>();
  private readonly byPrefix = new Map<string, Set<string>>();
  private readonly byCount = new Map<number, Set<string>>();
  private maxCount = 0;

  constructor(
    readonly entries_max: number,
    readonly per_prefix_max: number,
  ) {
    if (!(entries_max >= 1 && per_prefix_max >= 1)) throw new RangeError('fair table limits must be >= 1');
  }

  get size(): number {
    return this.entries.size;
  }

  get prefixes(): number {
    return this.byPrefix.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Entries held by `prefix`. */
  countOf(prefix: string): number {
    return this.byPrefix.get(prefix)?.size ?? 0;
  }

  /** The oldest entry overall (front of the global order). */
  oldest(): { key: string; value: V } | undefined {
    for (const [key, e] of this.entries) return { key, value: e.value };
    return undefined;
  }

  values(): IterableIterator<V> {
    const it = this.entries.values();
    return (function* () {
      for (const e of it) yield e.value;
    })();
  }

  /**
   * Inserts or refreshes `key` (it becomes the youngest, globally and in its prefix). Returns
   * what had to go to make room (never `key` itself), or undefined.
   */
  set(key: string, prefix: string, value: V): Evicted<V> | undefined {
    if (this.entries.has(key)) this.delete(key);
    let evicted: Evicted<V> | undefined;
    const own = this.byPrefix.get(prefix);
    if (own && own.size >= this.per_prefix_max) evicted = this.evictFrom(prefix, 'prefix-quota');
    else if (this.entries.size >= this.entries_max) evicted = this.evictFrom(this.biggestPrefix()!, 'table-full');
    this.entries.set(key, { prefix, value });
    let keys = this.byPrefix.get(prefix);
    if (!keys) this.byPrefix.set(prefix, (keys = new Set()));
    keys.add(key);
    this.moveCount(prefix, keys.size - 1, keys.size);
    return evicted;
  }

  delete(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    const keys = this.byPrefix.get(e.prefix)!;
    keys.delete(key);
    this.moveCount(e.prefix, keys.size + 1, keys.size);
    if (keys.size === 0) this.byPrefix.delete(e.prefix);
    return e.value;
  }

  private evictFrom(prefix: string, why: Evicted<V>['why']): Evicted<V> | undefined {
    const keys = this.byPrefix.get(prefix);
    if (!keys) return undefined;
    for (const key of keys) {
      const value = this.delete(key)!;
      return { key, value, why };
    }
    return undefined;
  }

  private biggestPrefix(): string | undefined {
    while (this.maxCount > 0) {
      const set = this.byCount.get(this.maxCount);
      if (set && set.size > 0) for (const p of set) return p;
      this.maxCount--;
    }
    return undefined;
  }

  private moveCount(prefix: string, from: number, to: number): void {
    if (from > 0) {
      const set = this.byCount.get(from);
      set?.delete(prefix);
      if (set && set.size === 0) this.byCount.delete(from);
    }
    if (to > 0) {
      let set = this.byCount.get(to);
      if (!set) this.byCount.set(to, (set = new Set()));
      set.add(prefix);
      if (to > this.maxCount) this.maxCount = to;
    }
  }
}
