// A Machine wrapped in the contract checker, for harnesses that drive machines by hand (test
// pipes, property tests, a swarm tester). It behaves exactly like the machine it wraps, but
// every rule of contract.ts is checked on the way through and a harness loop that stops
// advancing time throws instead of hanging:
//   - handle* calls: time checked, throws turned into ContractViolation ('threw');
//   - the drain is seen, not declared: once pollTransmit() and pollEvent() have both come back
//     empty since the last handle* call, the next pollTimeout() is the settled deadline, and
//     after a handleTimeout(now) it must be undefined or > now;
//   - handle* calls and every item polled out count as spin-guard steps (per instant and in
//     total), so neither a timer loop nor an endless stream of transmits can hang a test.
// Calls a harness makes to the machine's own API (endpoint.write, …) bypass the wrapper; a
// harness that makes them should pass through `api()` so a throw there is caught as well.
import { ContractChecker, SpinGuard, type MachineCall, type SpinLimits } from './contract.ts';
import type { Addr } from './addr.ts';
import type { Machine, Transmit } from './machine.ts';
import type { Millis } from './time.ts';

export class CheckedMachine<Command, Event> implements Machine<Command, Event> {
  readonly checker: ContractChecker;
  readonly guard: SpinGuard;
  private lastCall: MachineCall = 'handleCommand';
  private lastNow = -Infinity;
  private transmitsEmpty = false;
  private eventsEmpty = false;

  constructor(
    readonly inner: Machine<Command, Event>,
    readonly name: string,
    limits: SpinLimits = {},
  ) {
    this.checker = new ContractChecker(name, inner);
    this.guard = new SpinGuard(name, limits);
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.enter('handleDatagram', now);
    try {
      this.inner.handleDatagram(now, remote, data, local);
    } catch (error) {
      throw this.checker.threw('handleDatagram', now, error);
    }
  }

  handleTimeout(now: Millis): void {
    this.enter('handleTimeout', now);
    try {
      this.inner.handleTimeout(now);
    } catch (error) {
      throw this.checker.threw('handleTimeout', now, error);
    }
  }

  handleCommand(now: Millis, command: Command): void {
    this.enter('handleCommand', now);
    try {
      this.inner.handleCommand(now, command);
    } catch (error) {
      throw this.checker.threw('handleCommand', now, error);
    }
  }

  /** Runs a direct call into the machine's own API at `now`, checked like a handle* call. */
  api<T>(now: Millis, fn: (machine: Machine<Command, Event>) => T): T {
    this.enter('api', now);
    try {
      return fn(this.inner);
    } catch (error) {
      throw this.checker.threw('api', now, error);
    }
  }

  pollTransmit(): Transmit | undefined {
    let transmit: Transmit | undefined;
    try {
      transmit = this.inner.pollTransmit();
    } catch (error) {
      throw this.checker.threw('pollTransmit', this.lastNow, error);
    }
    if (transmit === undefined) this.transmitsEmpty = true;
    else {
      this.checker.polled('pollTransmit', this.lastNow);
      this.guard.step(this.lastNow);
      this.transmitsEmpty = false;
    }
    return transmit;
  }

  pollEvent(): Event | undefined {
    let event: Event | undefined;
    try {
      event = this.inner.pollEvent();
    } catch (error) {
      throw this.checker.threw('pollEvent', this.lastNow, error);
    }
    if (event === undefined) this.eventsEmpty = true;
    else {
      this.checker.polled('pollEvent', this.lastNow);
      this.guard.step(this.lastNow);
      this.eventsEmpty = false;
    }
    return event;
  }

  pollTimeout(): Millis | undefined {
    let deadline: Millis | undefined;
    try {
      deadline = this.inner.pollTimeout();
    } catch (error) {
      throw this.checker.threw('pollTimeout', this.lastNow, error);
    }
    if (this.transmitsEmpty && this.eventsEmpty) this.checker.settle(this.lastCall, this.lastNow, deadline);
    return deadline;
  }

  private enter(call: MachineCall, now: Millis): void {
    this.checker.enter(call, now);
    this.guard.step(now);
    this.lastCall = call;
    this.lastNow = now;
    this.transmitsEmpty = false;
    this.eventsEmpty = false;
  }
}

/** Wraps `machine` in the contract checker (see CheckedMachine). */
export function checked<Command, Event>(machine: Machine<Command, Event>, name: string, limits?: SpinLimits): CheckedMachine<Command, Event> {
  return new CheckedMachine(machine, name, limits);
}
