// A STUN client machine: one Binding request for the server-reflexive address and, when the
// server has an alternate address, RFC 5780 mapping/filtering/port-allocation discovery. It
// fronts `peerlab stun` and doubles as the simplest example of NatDiscovery in a machine.
import type { Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import { isStun } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DropCounter, type DropEvent } from './drop-counter.ts';
import { DEFAULT_DISCOVERY, NatDiscovery, type NatDiscoveryConfig, type NatDiscoveryEvent } from './nat-discovery.ts';
import { decodeStun } from './stun-codec.ts';

export interface StunClientConfig extends Partial<Omit<NatDiscoveryConfig, 'server'>> {
  readonly server: Addr;
  /** The client's own bound address (to recognise "no NAT"). */
  readonly local: Addr;
}

export type StunClientEvent = NatDiscoveryEvent | DropEvent | { readonly type: 'done'; readonly ok: boolean };

export class StunClient implements Machine<never, StunClientEvent> {
  private readonly transmits = BoundedQueue.dropNewest<Transmit>(64);
  private readonly events = BoundedQueue.dropNewest<StunClientEvent>(256);
  private readonly drops = new DropCounter((e) => this.events.push(e));
  readonly discovery: NatDiscovery;
  private started = false;
  private finished = false;

  constructor(private readonly config: StunClientConfig, rng: Rng) {
    this.discovery = new NatDiscovery(
      { ...DEFAULT_DISCOVERY, ...config },
      rng,
      (t) => this.transmits.push(t),
      (e) => this.events.push(e),
    );
  }

  get counters(): Record<string, number> {
    return this.drops.counters;
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    if (!isStun(data)) return this.drops.drop('not-stun', remote);
    try {
      const message = decodeStun(data);
      if (message.cls !== 'success' && message.cls !== 'error') return this.drops.drop('stun-unexpected-class', remote);
      if (!this.discovery.handleResponse(now, message)) this.drops.drop('stun-unknown-transaction', remote);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.drops.drop(`stun-${e.reason}`, remote, e.field);
    }
    this.checkDone();
  }

  handleTimeout(now: Millis): void {
    if (!this.started) {
      this.started = true;
      this.discovery.start(now, this.config.local);
      return;
    }
    this.discovery.handleTimeout(now);
    this.checkDone();
  }

  private checkDone(): void {
    if (this.finished) return;
    if (this.discovery.state === 'done' || this.discovery.state === 'failed') {
      this.finished = true;
      this.events.push({ type: 'done', ok: this.discovery.state === 'done' });
    }
  }

  handleCommand(): void {}
  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }
  pollEvent(): StunClientEvent | undefined {
    return this.events.shift();
  }
  pollTimeout(): Millis | undefined {
    if (!this.started) return 0;
    if (this.finished) return undefined;
    return this.discovery.nextDeadline();
  }
}
