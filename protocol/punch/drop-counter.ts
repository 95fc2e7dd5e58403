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
