// Small machines for simulator tests: a Probe that sends what it is told and records what it
// receives, and an Echo that answers every datagram to its sender. Both are real protocol/core
// Machines, so the tests drive the simulator exactly as protocols will.
import type { Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';

export interface Received {
  at: Millis;
  from: Addr;
  local: Addr;
  data: Uint8Array;
}

export type ProbeCommand = { type: 'send'; to: Addr; data: Uint8Array; from?: Addr } | { type: 'wake-at'; at: Millis };
export type ProbeEvent = { type: 'received'; from: string; bytes: number } | { type: 'woken'; at: Millis };

export class Probe implements Machine<ProbeCommand, ProbeEvent> {
  readonly received: Received[] = [];
  readonly woken: Millis[] = [];
  private out: Transmit[] = [];
  private events: ProbeEvent[] = [];
  private deadline: Millis | undefined;

  constructor(private readonly emitEvents = false) {}

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.received.push({ at: now, from: remote, local, data });
    if (this.emitEvents) this.events.push({ type: 'received', from: `${remote.ip}:${remote.port}`, bytes: data.byteLength });
  }
  handleTimeout(now: Millis): void {
    this.woken.push(now);
    this.deadline = undefined;
    if (this.emitEvents) this.events.push({ type: 'woken', at: now });
  }
  handleCommand(_now: Millis, command: ProbeCommand): void {
    if (command.type === 'send') {
      this.out.push(command.from ? { remote: command.to, data: command.data, local: command.from } : { remote: command.to, data: command.data });
    } else this.deadline = command.at;
  }
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): ProbeEvent | undefined {
    return this.events.shift();
  }
  pollTimeout(): Millis | undefined {
    return this.deadline;
  }
}

/** Answers every datagram with the same bytes, to the sender, from the address it arrived on. */
export class Echo implements Machine<never, never> {
  private out: Transmit | undefined;
  count = 0;
  handleDatagram(_now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.count++;
    this.out = { remote, data, local };
  }
  handleTimeout(): void {}
  handleCommand(): void {}
  pollTransmit(): Transmit | undefined {
    const out = this.out;
    this.out = undefined;
    return out;
  }
  pollEvent(): never | undefined {
    return undefined;
  }
  pollTimeout(): Millis | undefined {
    return undefined;
  }
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}
