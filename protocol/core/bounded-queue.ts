// The one FIFO with a hard capacity that machines queue transmits, events and datagrams in.
// What happens when it is full is part of its type, so a reader of a field declaration knows
// which items a flood costs:
//   - 'drop-newest': the new item is refused (transmit and event queues: what was promised
//     first goes out first, and a flood cannot push it out);
//   - 'drop-oldest': the oldest item is evicted (unreliable datagrams: fresh data matters
//     more than stale data).
// Either way the loss is counted in `dropped`, and memory never grows past `capacity` items.

export type OverflowPolicy = 'drop-newest' | 'drop-oldest';

/** Slots consumed at the head before the backing array is compacted. */
const compact_after_items = 64;

export class BoundedQueue<T, P extends OverflowPolicy = OverflowPolicy> {
  private items: T[] = [];
  private head = 0;
  /** Items lost to overflow: refused (drop-newest) or evicted (drop-oldest). */
  dropped = 0;

  constructor(
    readonly capacity: number,
    readonly overflow: P,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`BoundedQueue capacity ${capacity}`);
  }

  /** A queue that refuses new items when full. */
  static dropNewest<T>(capacity: number): BoundedQueue<T, 'drop-newest'> {
    return new BoundedQueue<T, 'drop-newest'>(capacity, 'drop-newest');
  }

  /** A queue that evicts its oldest item to take a new one when full. */
  static dropOldest<T>(capacity: number): BoundedQueue<T, 'drop-oldest'> {
    return new BoundedQueue<T, 'drop-oldest'>(capacity, 'drop-oldest');
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues `item`; when full, per the policy, refuses it or evicts the oldest (counted). */
  push(item: T): void {
    if (this.items.length - this.head < this.capacity) {
      this.items.push(item);
      return;
    }
    this.dropped++;
    if (this.overflow === 'drop-newest') return;
    this.items[this.head] = undefined as T; // release the evicted item for the collector
    this.head++;
    this.items.push(item);
    this.compact();
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0; // empty again: reuse the array
      this.head = 0;
    } else this.compact();
    return item;
  }

  private compact(): void {
    // Compact now and then so the array does not grow with everything ever queued.
    if (this.head > compact_after_items && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
