// The generic driver: runs any protocol/core Machine on a host. After every handle* call it
// drains the machine: pollTransmit → the network, pollEvent → the trace, handle.events and
// onEvent callbacks, then re-arms the machine's one timer at pollTimeout(). The timer is one
// queue slot per driver: an earlier deadline moves it earlier at once; a later deadline is
// picked up lazily when the slot fires (the machine is asked again and only woken if due).
// Every call goes through the contract checker (protocol/core/contract.ts): a machine that
// throws or stays due after handleTimeout(now) gets a `machine-error` trace line and fails the
// run with a ContractViolation naming its host; the driver never calls it again.
import type { Addr } from '../protocol/core/addr.ts';
import { ContractChecker, ContractViolation, type MachineCall } from '../protocol/core/contract.ts';
import type { Machine, NamedEvent } from '../protocol/core/machine.ts';
import { EV_TIMER } from './kernel.ts';
import type { Kernel } from './kernel.ts';
import type { Host } from './host.ts';
import type { Network } from './network.ts';

/** Datagrams taken from one machine in one drain before the driver logs and stops draining. */
export const transmits_per_drain_max = 100_000;
/** Events taken from one machine in one drain before the driver stops draining. */
export const events_per_drain_max = 100_000;
/** Default bound on events a handle keeps in `events` (older ones are still traced). */
export const events_kept_max_default = 100_000;

/** What a scenario holds for a running machine. */
export interface MachineHandle<Command, Event> {
  readonly host: Host;
  readonly machine: Machine<Command, Event>;
  /** The addresses the machine is bound to; the first is its primary (default source). */
  readonly addresses: readonly Addr[];
  /** Every event the machine emitted, in order (up to events_kept_max). */
  readonly events: readonly Event[];
  /** Events not kept in `events` because it was full. */
  readonly eventsDropped: number;
  /** handleCommand at the current virtual time. */
  command(command: Command): void;
  /**
   * Calls the machine's own API (write, read, …) at the current virtual time, then drains it,
   * so what the call queued goes out and its deadline is re-armed (no no-op command needed).
   */
  act<T>(fn: (machine: Machine<Command, Event>, now: number) => T): T;
  /** Calls `fn` for each later event, after the machine has been drained. */
  onEvent(fn: (event: Event) => void): void;
}

function eventName(event: unknown): string {
  if (typeof event === 'object' && event !== null && typeof (event as NamedEvent).type === 'string') {
    return (event as NamedEvent).type;
  }
  return typeof event;
}

export class Driver<Command = unknown, Event = unknown> implements MachineHandle<Command, Event> {
  readonly events: Event[] = [];
  eventsDropped = 0;
  addresses: Addr[];
  primary: Addr;
  readonly slot: number;
  private readonly callbacks: Array<(event: Event) => void> = [];
  private readonly pendingEvents: Event[] = [];
  private readonly pendingCommands: Command[] = [];
  private busy = false;
  private readonly checker: ContractChecker;
  /** The violation that stopped this machine; every later call into the driver rethrows it. */
  private fault: ContractViolation | undefined;

  constructor(
    private readonly k: Kernel,
    private readonly network: Network,
    readonly host: Host,
    readonly machine: Machine<Command, Event>,
    addresses: Addr[],
    private readonly events_kept_max: number,
  ) {
    this.addresses = addresses;
    this.primary = addresses[0]!;
    this.slot = k.reserve(EV_TIMER, this);
    // The driver names the machine lazily (toString below): no string per machine up front.
    this.checker = new ContractChecker(this, machine);
  }

  /** The machine's name in violations: its host, and its class. */
  toString(): string {
    return `${this.host.name} (${this.machine.constructor?.name ?? 'machine'})`;
  }

  /** The contract violation that stopped this machine, if any. */
  get violation(): ContractViolation | undefined {
    return this.fault;
  }

  command(command: Command): void {
    // A callback of this very drain asked for it: run it once the drain is over.
    if (this.busy) {
      this.pendingCommands.push(command);
      return;
    }
    if (this.fault) throw this.fault;
    const now = this.k.now;
    this.checker.enter('handleCommand', now);
    try {
      this.machine.handleCommand(now, command);
    } catch (error) {
      throw this.fail(this.checker.threw('handleCommand', now, error));
    }
    this.drain('handleCommand');
  }

  onEvent(fn: (event: Event) => void): void {
    this.callbacks.push(fn);
  }

  act<T>(fn: (machine: Machine<Command, Event>, now: number) => T): T {
    if (this.fault) throw this.fault;
    const now = this.k.now;
    this.checker.enter('api', now);
    let result: T;
    try {
      result = fn(this.machine, now);
    } catch (error) {
      throw this.fail(this.checker.threw('api', now, error));
    }
    // Inside a drain (a callback of this machine) the running drain re-arms the deadline.
    if (!this.busy) this.drain('api');
    return result;
  }

  /** A datagram arrived (called by the network from a queue event, never inline). */
  receive(src: Addr, data: Uint8Array, local: Addr): void {
    if (this.fault) throw this.fault;
    const now = this.k.now;
    this.checker.enter('handleDatagram', now);
    try {
      this.machine.handleDatagram(now, src, data, local);
    } catch (error) {
      throw this.fail(this.checker.threw('handleDatagram', now, error));
    }
    this.drain('handleDatagram');
  }

  /** The timer slot fired. */
  wake(): void {
    if (this.fault) throw this.fault;
    const k = this.k;
    const now = k.now;
    let deadline: number | undefined;
    try {
      deadline = this.machine.pollTimeout();
    } catch (error) {
      throw this.fail(this.checker.threw('pollTimeout', now, error));
    }
    if (deadline === undefined) return;
    if (deadline > now) {
      k.queue.schedule(this.slot, deadline);
      return;
    }
    k.stats.timers++;
    if (k.tracer.on) k.tracer.timer(now, this.host.name, deadline);
    this.checker.enter('handleTimeout', now);
    try {
      this.machine.handleTimeout(now);
    } catch (error) {
      throw this.fail(this.checker.threw('handleTimeout', now, error));
    }
    // The drain checks that the deadline moved past `now`: a machine still due would be woken
    // at this instant for ever, so it fails the run instead.
    this.drain('handleTimeout');
  }

  /** Re-points addresses on `fromIp` to `toIp` (host rebinding). */
  rebind(fromIp: string, toIp: string, remake: (ip: string, port: number) => Addr): void {
    this.addresses = this.addresses.map((a) => (a.ip === fromIp ? remake(toIp, a.port) : a));
    this.primary = this.addresses[0]!;
  }

  /** Drains the machine after a handle* call (`after`), then checks and arms its deadline. */
  drain(after: MachineCall = 'handleCommand'): void {
    const k = this.k;
    const m = this.machine;
    const checker = this.checker;
    const now = k.now;
    // The machine call in progress (undefined between calls), so a throw from the network or
    // a trace sink is not blamed on the machine.
    let call: MachineCall | undefined = 'pollTransmit';
    this.busy = true;
    k.draining++;
    try {
      let sent = 0;
      for (let tx = m.pollTransmit(); tx !== undefined; tx = m.pollTransmit()) {
        call = undefined;
        checker.polled('pollTransmit', now);
        this.network.send(this.host, this.primary, tx);
        if (++sent >= transmits_per_drain_max) {
          this.log(`drain stopped after transmits_per_drain_max (${transmits_per_drain_max}) datagrams`);
          break;
        }
        call = 'pollTransmit';
      }
      call = 'pollEvent';
      let emitted = 0;
      for (let event = m.pollEvent(); event !== undefined; event = m.pollEvent()) {
        call = undefined;
        checker.polled('pollEvent', now);
        this.emit(event);
        if (++emitted >= events_per_drain_max) {
          this.log(`drain stopped after events_per_drain_max (${events_per_drain_max}) events`);
          break;
        }
        call = 'pollEvent';
      }
      call = 'pollTimeout';
      const deadline = m.pollTimeout();
      call = undefined;
      checker.settle(after, now, deadline);
      this.arm(deadline);
    } catch (error) {
      if (error instanceof ContractViolation || call !== undefined) throw this.fail(checker.threw(call ?? after, now, error));
      throw error;
    } finally {
      // A machine that throws (a bug) must not leave the network believing a drain is open.
      k.draining--;
      this.busy = false;
    }
    if (this.pendingEvents.length > 0) this.runCallbacks();
    if (this.pendingCommands.length > 0) this.command(this.pendingCommands.shift()!);
  }

  /** Records the first violation (trace line `machine-error`) and returns it to be thrown. */
  private fail(violation: ContractViolation): ContractViolation {
    if (this.fault === undefined) {
      this.fault = violation;
      const k = this.k;
      k.stats.logs++;
      if (k.tracer.on) k.tracer.machineError(k.now, this.host.name, violation.call, violation.rule, violation.message, violation.deadline);
    }
    return violation;
  }

  private arm(deadline: number | undefined): void {
    if (deadline === undefined || !Number.isFinite(deadline)) return;
    const k = this.k;
    const at = deadline > k.now ? deadline : k.now;
    const q = k.queue;
    if (!q.isQueued(this.slot) || at < q.timeOf(this.slot)) q.schedule(this.slot, at);
  }

  private emit(event: Event): void {
    const k = this.k;
    k.stats.events++;
    if (k.tracer.on) k.tracer.event(k.now, this.host.name, eventName(event), event);
    if (this.events.length < this.events_kept_max) this.events.push(event);
    else this.eventsDropped++;
    if (this.callbacks.length > 0) this.pendingEvents.push(event);
  }

  private runCallbacks(): void {
    const events = this.pendingEvents.splice(0);
    for (const event of events) for (const fn of this.callbacks) fn(event);
  }

  private log(message: string): void {
    const k = this.k;
    k.stats.logs++;
    if (k.tracer.on) k.tracer.log(k.now, this.host.name, 'warn', message);
  }
}
