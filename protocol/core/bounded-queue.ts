// The one FIFO with a hard capacity that machines queue transmits, events and datagrams in.
// What happens when it is full is part of its type, so a reader of a field declaration knows
// which items a flood costs:
//   - 'drop-newest': the new item is refused (transmit and event queues: what was promised
//     first goes out first, and a flood cannot push it out);
//   - 'drop-oldest': the oldest item is evicted (unreliable datagrams: fresh data matters
//     more than stale data).
// Either way the loss is counted in `dropped`, and memory never grows past `capacity` items.

export type OverflowPolicy = 'drop-newest' | 'drop-oldest';

/** First backing-array size once an item arrives (idle machines allocate nothing). */
const initial_slots = 4;

export class BoundedQueue<T, P extends OverflowPolicy = OverflowPolicy> {
  // A ring that grows by doubling up to `capacity` and never shrinks: once a machine's queue
  // has reached its working size, pushing and draining allocate nothing.
  private items: Array<T | undefined> = [];
  private head = 0;
  private count = 0;
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
    return this.count;
  }

  /** Queues `item`; when full, per the policy, refuses it or evicts the oldest (counted). */
  push(item: T): void {
    const items = this.items;
    if (this.count === this.capacity) {
      this.dropped++;
      if (this.overflow === 'drop-newest') return;
      // Full means the ring spans exactly `capacity` slots: overwrite the oldest.
      items[this.head] = item;
      this.head = this.head + 1 === items.length ? 0 : this.head + 1;
      return;
    }
    if (this.count === items.length) this.grow();
    const slots = this.items.length;
    const at = this.head + this.count;
    this.items[at < slots ? at : at - slots] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const items = this.items;
    const item = items[this.head];
    items[this.head] = undefined; // release it for the collector
    this.count--;
    this.head = this.count === 0 || this.head + 1 === items.length ? 0 : this.head + 1;
    return item;
  }

  private grow(): void {
    const old = this.items;
    const slots = Math.min(this.capacity, Math.max(initial_slots, old.length * 2));
    const next = new Array<T | undefined>(slots);
    for (let i = 0; i < this.count; i++) {
      const at = this.head + i;
      next[i] = old[at < old.length ? at : at - old.length];
    }
    this.items = next;
    this.head = 0;
  }
}
