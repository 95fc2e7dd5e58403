// A FIFO with a hard capacity. Machines queue transmits and events here between handle* and
// poll*; when an application stops draining, newer items are refused and counted instead of
// growing memory.
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  /** Items refused because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Returns false (and counts a drop) when full. */
  push(item: T): boolean {
    if (this.length >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.items.push(item);
    return true;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    // Compact now and then so the array does not grow with everything ever queued.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
