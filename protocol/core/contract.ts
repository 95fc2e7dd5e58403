// The machine contract (machine.ts) as run-time checks. One checker serves the simulator's
// driver, the real driver and every test harness, so a machine that breaks the contract fails
// the same way everywhere: a typed ContractViolation naming the machine, the rule, the time
// and the deadline. The rules:
//   - no handle* or poll* call throws (bad input is a counted drop inside the machine);
//   - `now` is finite and never goes backwards from one handle* call to the next;
//   - pollTimeout() is undefined or finite;
//   - after handleTimeout(now) and the drain that follows, pollTimeout() is undefined or > now
//     (else the driver would wake the machine at `now` for ever: the float livelock of a
//     loss timer armed at `sent + delay` but tested as `sent <= now - delay`);
//   - once a drain ends with isClosed() true, the machine has no deadline and later drains
//     poll nothing out of it.
// The hot-path methods are a compare or two each; drivers call them around calls they make
// anyway, so checking costs no extra calls into the machine.
import type { Machine } from './machine.ts';
import type { Millis } from './time.ts';

export type ContractRule =
  | 'threw' // a handle* or poll* call threw
  | 'time-backwards' // `now` earlier than the previous call's, or not finite
  | 'deadline-not-finite' // pollTimeout() returned NaN or an infinity
  | 'due-after-timeout' // pollTimeout() <= now after handleTimeout(now) and the drain
  | 'polled-after-closed' // a transmit, event or deadline came out after isClosed()
  | 'spin'; // a harness guard: too many steps at one instant or in total

export type MachineCall =
  | 'handleDatagram'
  | 'handleTimeout'
  | 'handleCommand'
  | 'pollTransmit'
  | 'pollEvent'
  | 'pollTimeout'
  | 'isClosed'
  /** A direct call into a machine's own API (write, connect, …) made by a driver. */
  | 'api'
  /** A harness loop step (spin guard). */
  | 'step';

/** A machine broke the contract. Thrown by the checker; drivers trace and report it. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';

  constructor(
    /** The machine's name as its driver knows it (the simulator's host name). */
    readonly machine: string,
    readonly rule: ContractRule,
    readonly call: MachineCall,
    readonly now: Millis,
    /** The deadline involved (pollTimeout() at the violation), when there is one. */
    readonly deadline: Millis | undefined,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `machine ${machine}: ${rule} in ${call} at now=${now}` +
        (deadline === undefined ? '' : ` deadline=${deadline}`) +
        (detail === undefined ? '' : `: ${detail}`),
      options,
    );
  }
}

/** The one-line text of anything thrown (for traces and violation details). */
export function thrownText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The checks for one machine. Drivers call enter → (handle*) → polled per item → settle. */
export class ContractChecker {
  private lastNow = -Infinity;
  private closedSeen = false;
  private readonly closable: boolean;

  /**
   * `label` names the machine in violations; an object's toString() is only called when a
   * violation is built, so a simulator with 100,000 machines builds no name strings.
   */
  constructor(
    private readonly label: string | { toString(): string },
    private readonly machine: Machine<never, unknown>,
  ) {
    this.closable = typeof machine.isClosed === 'function';
  }

  /** The machine's name as violations report it. */
  get name(): string {
    return String(this.label);
  }

  /** True once a drain ended with the machine saying it is closed. */
  get closed(): boolean {
    return this.closedSeen;
  }

  /** Before every handle* call: `now` is finite and not earlier than the previous one. */
  enter(call: MachineCall, now: Millis): void {
    if (!(now >= this.lastNow) || now === Infinity) {
      throw new ContractViolation(this.name, 'time-backwards', call, now, undefined, `previous now was ${this.lastNow}`);
    }
    this.lastNow = now;
  }

  /** For every transmit or event drained: a closed machine must have nothing left. */
  polled(call: 'pollTransmit' | 'pollEvent', now: Millis): void {
    if (this.closedSeen) throw new ContractViolation(this.name, 'polled-after-closed', call, now, undefined);
  }

  /**
   * After the drain that follows a handle* call, with pollTimeout() as the drain found it.
   * `call` is the handle* call that started it; only handleTimeout obliges the deadline to
   * have moved past `now`.
   */
  settle(call: MachineCall, now: Millis, deadline: Millis | undefined): void {
    if (deadline !== undefined) {
      if (!(deadline - deadline === 0)) {
        throw new ContractViolation(this.name, 'deadline-not-finite', 'pollTimeout', now, deadline);
      }
      if (this.closedSeen) throw new ContractViolation(this.name, 'polled-after-closed', 'pollTimeout', now, deadline);
      if (call === 'handleTimeout' && deadline <= now) {
        throw new ContractViolation(
          this.name,
          'due-after-timeout',
          call,
          now,
          deadline,
          'pollTimeout() is still due after handleTimeout(now) and a full drain (compare the stored deadline: now >= deadline)',
        );
      }
    }
    if (this.closable && !this.closedSeen && this.askClosed(now)) {
      this.closedSeen = true;
      if (deadline !== undefined) {
        throw new ContractViolation(this.name, 'polled-after-closed', 'pollTimeout', now, deadline, 'closed with a deadline set');
      }
    }
  }

  private askClosed(now: Millis): boolean {
    try {
      return this.machine.isClosed!();
    } catch (error) {
      throw this.threw('isClosed', now, error);
    }
  }

  /** What a handle or poll call threw, as a violation (a violation passes through as is). */
  threw(call: MachineCall, now: Millis, error: unknown): ContractViolation {
    if (error instanceof ContractViolation) return error;
    return new ContractViolation(this.name, 'threw', call, now, undefined, thrownText(error), { cause: error });
  }
}

export interface SpinLimits {
  /** Steps at one instant of time before the guard fires. */
  readonly steps_per_instant_max?: number;
  /** Steps in total before the guard fires. */
  readonly steps_max?: number;
}

export const spin_steps_per_instant_max_default = 100_000;
export const spin_steps_max_default = 5_000_000;

/**
 * A loop guard for harnesses that drive machines: a loop that stops advancing time (or never
 * ends) throws a ContractViolation ('spin') instead of hanging the test run. A synchronous
 * loop cannot be stopped by a test timeout, so every such loop calls step().
 */
export class SpinGuard {
  private instant = NaN;
  private atInstant = 0;
  private total = 0;
  private readonly perInstantMax: number;
  private readonly totalMax: number;

  constructor(
    readonly name: string,
    limits: SpinLimits = {},
  ) {
    this.perInstantMax = limits.steps_per_instant_max ?? spin_steps_per_instant_max_default;
    this.totalMax = limits.steps_max ?? spin_steps_max_default;
  }

  get steps(): number {
    return this.total;
  }

  step(now: Millis): void {
    if (now === this.instant) {
      if (++this.atInstant > this.perInstantMax) {
        throw new ContractViolation(this.name, 'spin', 'step', now, undefined, `more than ${this.perInstantMax} steps at one instant`);
      }
    } else {
      this.instant = now;
      this.atInstant = 1;
    }
    if (++this.total > this.totalMax) {
      throw new ContractViolation(this.name, 'spin', 'step', now, undefined, `more than ${this.totalMax} steps in total`);
    }
  }
}
