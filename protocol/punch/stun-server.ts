// A standalone STUN server machine: Binding requests only, RFC 5780 when given an alternate
// address. Non-STUN and malformed datagrams are counted by reason and reported as drop events.
import type { Addr } from '../core/addr.ts';
import { isStun } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DropCounter, type DropEvent } from './drop-counter.ts';
import { StunResponder, type StunResponderConfig } from './stun-responder.ts';

export interface StunServerConfig extends StunResponderConfig {
  readonly transmits_max?: number;
  readonly events_max?: number;
}

export type StunServerEvent = DropEvent;

export class StunServer implements Machine<never, StunServerEvent> {
  private readonly responder: StunResponder;
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<StunServerEvent, 'drop-newest'>;
  readonly drops: DropCounter;
  answered = 0;

  constructor(config: StunServerConfig) {
    this.responder = new StunResponder(config);
    this.transmits = BoundedQueue.dropNewest(config.transmits_max ?? 1024);
    this.events = BoundedQueue.dropNewest(config.events_max ?? 1024);
    this.drops = new DropCounter((e) => this.events.push(e));
  }

  get counters(): Record<string, number> {
    return { answered: this.answered, ...this.drops.counters };
  }

  addresses(): Addr[] {
    return this.responder.addresses();
  }

  handleDatagram(_now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    if (!isStun(data)) {
      this.drops.drop('not-stun', remote);
      return;
    }
    const outcome = this.responder.handle(remote, data, local);
    if ('drop' in outcome) this.drops.drop(outcome.drop, remote, outcome.detail);
    else {
      this.answered++;
      this.transmits.push(outcome.transmit);
    }
  }

  handleTimeout(_now: Millis): void {}
  handleCommand(_now: Millis, _command: never): void {}
  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }
  pollEvent(): StunServerEvent | undefined {
    return this.events.shift();
  }
  pollTimeout(): Millis | undefined {
    return undefined;
  }
}
