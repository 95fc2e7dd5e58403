// Wraps a machine the swarm runs, checking the Machine contract (protocol/core/machine.ts) on
// every call: no handle* or poll* throws; pollTimeout() is finite or undefined; after
// handleTimeout(now) and the drain that follows, pollTimeout() is undefined or > now (a
// machine that stays due would livelock a real driver). The simulator's driver checks this
// too once protocol/core/contract.ts is wired in; the guard keeps the swarm self-contained
// (it also runs against old commits) and counts the checks it makes.
// It also gives scripts a way to call a machine's application API inside a handle* call
// (`call`), so the driver drains whatever that call produced, and a crash switch (`kill`)
// that makes the machine deaf and mute, for crash-restart workloads.
import type { Addr } from '../protocol/core/addr.ts';
import type { Machine, Transmit } from '../protocol/core/machine.ts';
import { SwarmViolation, violation } from './violation.ts';

export type GuardCommand<C> = { readonly kind: 'command'; readonly command: C } | { readonly kind: 'call'; readonly call: (now: number) => void };

/** Shared by every guard of a run. */
export interface CheckTally {
  checks: number;
}

export class ContractGuard<C, E> implements Machine<GuardCommand<C>, E> {
  private dueCheckAt: number | undefined;
  private dead = false;

  constructor(
    readonly name: string,
    readonly inner: Machine<C, E>,
    private readonly tally: CheckTally,
  ) {}

  /** Crash: the machine keeps its state but never hears, sends or wakes again. */
  kill(): void {
    this.dead = true;
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof SwarmViolation) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return violation('contract', `${this.name}.${what} threw ${message}`);
    }
  }

  handleDatagram(now: number, remote: Addr, data: Uint8Array, local: Addr): void {
    if (this.dead) return;
    this.tally.checks++;
    this.run('handleDatagram', () => this.inner.handleDatagram(now, remote, data, local));
  }

  handleTimeout(now: number): void {
    if (this.dead) return;
    this.tally.checks++;
    this.run('handleTimeout', () => this.inner.handleTimeout(now));
    // Checked at the end of the drain: the driver calls pollTimeout() last.
    this.dueCheckAt = now;
  }

  handleCommand(now: number, command: GuardCommand<C>): void {
    if (this.dead) return;
    this.tally.checks++;
    if (command.kind === 'call') this.run('application call', () => command.call(now));
    else this.run('handleCommand', () => this.inner.handleCommand(now, command.command));
  }

  pollTransmit(): Transmit | undefined {
    if (this.dead) return undefined;
    return this.run('pollTransmit', () => this.inner.pollTransmit());
  }

  pollEvent(): E | undefined {
    if (this.dead) return undefined;
    return this.run('pollEvent', () => this.inner.pollEvent());
  }

  pollTimeout(): number | undefined {
    if (this.dead) return undefined;
    const at = this.run('pollTimeout', () => this.inner.pollTimeout());
    this.tally.checks++;
    if (at !== undefined && !Number.isFinite(at)) violation('contract', `${this.name}.pollTimeout() returned ${at}`);
    const now = this.dueCheckAt;
    if (now !== undefined) {
      this.dueCheckAt = undefined;
      if (at !== undefined && !(at > now)) {
        violation('contract', `${this.name}: timer still due after handleTimeout(${now}): pollTimeout() = ${at} (a real driver would spin)`);
      }
    }
    return at;
  }
}
