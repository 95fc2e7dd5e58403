// A standalone STUN server machine: Binding requests only, RFC 5780 when given an alternate
// address. Non-STUN and malformed datagrams are counted by reason and reported as drop events.
// A Binding response is larger than its request (2.6-3.8x), so answers are rate-limited per
// source prefix (/24, /64): a spoofed flood can reflect at most that rate onto a victim's network.
import type { Addr } from '../core/addr.ts';
import { isStun } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DropCounter, type DropEvent } from './drop-counter.ts';
import { RateLimiter } from './rate-limiter.ts';
import { sourcePrefix } from './source-prefix.ts';
import { StunResponder, type StunResponderConfig } from './stun-responder.ts';

export interface StunServerConfig extends StunResponderConfig {
  readonly transmits_max?: number;
  readonly events_max?: number;
  /** Answers per second and burst per source prefix (defaults 50 and 100, as the rendezvous). */
  readonly stun_rate_per_s?: number;
  readonly stun_rate_burst?: number;
  /** Cells of the rate limiter (fixed memory) and the secret keying its hash. */
  readonly rate_cells?: number;
  readonly rate_secret?: number;
}

export type StunServerEvent = DropEvent;

export class StunServer implements Machine<never, StunServerEvent> {
  private readonly responder: StunResponder;
  private readonly limiter: RateLimiter;
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<StunServerEvent, 'drop-newest'>;
  readonly drops: DropCounter;
  answered = 0;

  constructor(config: StunServerConfig) {
    this.responder = new StunResponder(config);
    this.limiter = new RateLimiter(config.stun_rate_per_s ?? 50, config.stun_rate_burst ?? 100, config.rate_cells ?? 65_536, config.rate_secret ?? 0x5eed_5eed);
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

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    if (!isStun(data)) {
      this.drops.drop('not-stun', remote);
      return;
    }
    if (!this.limiter.allow(now, sourcePrefix(remote))) {
      this.drops.drop('stun-rate-limited', remote);
      return;
    }
    let outcome;
    try {
      outcome = this.responder.handle(remote, data, local);
    } catch (e) {
      // Never thrown out of the machine: a bug is a counted, typed drop.
      this.drops.drop('machine-error', remote, e instanceof Error ? e.message : String(e));
      return;
    }
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
