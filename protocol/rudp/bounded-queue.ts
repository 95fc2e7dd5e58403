// A FIFO with a hard bound that drops its oldest entry when full (unreliable datagrams:
// fresh data matters more than stale data), counting what it dropped.
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;

  constructor(readonly max_items: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.length >= this.max_items) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
    if (this.head > 1024) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }
}
