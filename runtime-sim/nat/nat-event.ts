// NatEvent: a mapping made or expired, as the trace's nat-map / nat-expire lines need it,
// and the bounded queue a NatBox keeps them in until the simulator drains it.
import type { Addr } from '../../protocol/core/addr.ts';
import type { Millis } from '../../protocol/core/time.ts';

export interface NatEvent {
  readonly kind: 'nat-map' | 'nat-expire';
  /**
   * When it happened: the creating datagram's time for nat-map, the exact expiry time for
   * nat-expire (which may be earlier than the call that noticed it).
   */
  readonly at: Millis;
  readonly internal: Addr;
  readonly external: Addr;
  /** Set on nat-map for mappings bound to one remote (address/port-dependent, or a clash flow). */
  readonly remote?: Addr;
  /** True on nat-map when a conntrack clash moved this flow off its natural port. */
  readonly clash?: boolean;
}

/** Undrained events kept at most; the queue refuses more until it is drained. */
export const NAT_EVENTS_MAX = 65_536;

export class NatEventQueue {
  private readonly events: NatEvent[] = [];
  private head = 0;

  /** Queues `event`; false (and nothing kept) when NAT_EVENTS_MAX are waiting. */
  push(event: NatEvent): boolean {
    if (this.events.length - this.head >= NAT_EVENTS_MAX) return false;
    this.events.push(event);
    return true;
  }

  poll(): NatEvent | undefined {
    if (this.head >= this.events.length) return undefined;
    const event = this.events[this.head++]!;
    if (this.head === this.events.length) {
      this.events.length = 0;
      this.head = 0;
    }
    return event;
  }
}
