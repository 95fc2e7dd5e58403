// Counts dropped input by reason and queues a bounded number of drop events, so a flood of
// bad datagrams is visible (counters, trace) without ever growing memory.
import { formatAddr, type Addr } from '../core/addr.ts';

export interface DropEvent {
  readonly type: 'drop';
  readonly reason: string;
  readonly remote: string;
  readonly detail?: string;
}

export class DropCounter {
  readonly counters: Record<string, number> = {};
  private total = 0;

  constructor(private readonly emit: (event: DropEvent) => void) {}

  get count(): number {
    return this.total;
  }

  drop(reason: string, remote: Addr, detail?: string): void {
    this.counters[reason] = (this.counters[reason] ?? 0) + 1;
    this.total++;
    this.emit(detail === undefined ? { type: 'drop', reason, remote: formatAddr(remote) } : { type: 'drop', reason, remote: formatAddr(remote), detail });
  }
}

/** A FIFO with a hard bound: beyond `max` items the newest are discarded and counted. */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  overflowed = 0;

  constructor(private readonly max: number) {}

  push(item: T): void {
    if (this.items.length - this.head >= this.max) {
      this.overflowed++;
      return;
    }
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  get length(): number {
    return this.items.length - this.head;
  }
}
