// The contract checker, rule by rule: each rule fires on a machine that breaks it (with the
// machine's name, the rule, now and the deadline) and stays quiet on one that keeps it; the
// checked wrapper sees a drain without being told; the spin guard bounds loops per instant
// and in total.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { checked } from '../../../protocol/core/checked-machine.ts';
import { ContractChecker, ContractViolation, SpinGuard } from '../../../protocol/core/contract.ts';
import type { Machine, Transmit } from '../../../protocol/core/machine.ts';

const HERE = addr('10.0.0.1', 1);

function violation(fn: () => unknown): ContractViolation {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw error;
  }
  throw new Error('expected a ContractViolation, nothing was thrown');
}

/** A machine whose every answer the test sets by hand. */
class Puppet implements Machine<string, string> {
  deadline: number | undefined;
  transmits: Transmit[] = [];
  events: string[] = [];
  closed = false;
  throwIn: string | undefined;
  handleDatagram(): void {
    if (this.throwIn === 'handleDatagram') throw new RangeError('bad input');
  }
  handleTimeout(): void {
    if (this.throwIn === 'handleTimeout') throw new Error('timer bug');
  }
  handleCommand(_now: number, command: string): void {
    if (this.throwIn === 'handleCommand') throw new Error(`refused ${command}`);
  }
  pollTransmit(): Transmit | undefined {
    if (this.throwIn === 'pollTransmit') throw new Error('poll bug');
    return this.transmits.shift();
  }
  pollEvent(): string | undefined {
    return this.events.shift();
  }
  pollTimeout(): number | undefined {
    return this.deadline;
  }
  isClosed(): boolean {
    return this.closed;
  }
}

describe('ContractChecker', () => {
  it('after handleTimeout(now) the deadline must be undefined or later than now', () => {
    const checker = new ContractChecker('m', new Puppet());
    checker.settle('handleTimeout', 10, undefined);
    checker.settle('handleTimeout', 10, 10.000000000000002);
    // Other calls may leave a deadline due (the driver then calls handleTimeout at once).
    checker.settle('handleDatagram', 10, 10);
    checker.settle('handleCommand', 10, 3);
    const v = violation(() => checker.settle('handleTimeout', 10, 10));
    expect(v).toMatchObject({ machine: 'm', rule: 'due-after-timeout', call: 'handleTimeout', now: 10, deadline: 10 });
    expect(v.message).toBe(
      'machine m: due-after-timeout in handleTimeout at now=10 deadline=10: pollTimeout() is still due after handleTimeout(now) and a full drain (compare the stored deadline: now >= deadline)',
    );
  });

  it('rejects non-finite deadlines', () => {
    const checker = new ContractChecker('m', new Puppet());
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(violation(() => checker.settle('handleCommand', 0, bad))).toMatchObject({ rule: 'deadline-not-finite', call: 'pollTimeout' });
    }
  });

  it('time never goes backwards and is finite', () => {
    const checker = new ContractChecker('m', new Puppet());
    checker.enter('handleDatagram', 5);
    checker.enter('handleTimeout', 5);
    checker.enter('handleCommand', 5.5);
    expect(violation(() => checker.enter('handleDatagram', 5.25))).toMatchObject({ rule: 'time-backwards', now: 5.25 });
    expect(violation(() => new ContractChecker('n', new Puppet()).enter('handleCommand', NaN)).rule).toBe('time-backwards');
    expect(violation(() => new ContractChecker('n', new Puppet()).enter('handleCommand', Infinity)).rule).toBe('time-backwards');
  });

  it('nothing comes out of a machine after a drain ended with isClosed()', () => {
    const machine = new Puppet();
    const checker = new ContractChecker('m', machine);
    checker.polled('pollTransmit', 1);
    machine.closed = true;
    checker.settle('handleCommand', 1, undefined);
    expect(checker.closed).toBe(true);
    expect(violation(() => checker.polled('pollEvent', 2))).toMatchObject({ rule: 'polled-after-closed', call: 'pollEvent' });
    expect(violation(() => checker.settle('handleDatagram', 2, 7))).toMatchObject({ rule: 'polled-after-closed', call: 'pollTimeout', deadline: 7 });
    // Closing with a deadline still set is a violation at the very drain that closes.
    const other = new Puppet();
    other.closed = true;
    expect(violation(() => new ContractChecker('o', other).settle('handleCommand', 1, 4)).rule).toBe('polled-after-closed');
  });

  it('wraps a throw, keeping the cause, and passes a violation through unchanged', () => {
    const checker = new ContractChecker('m', new Puppet());
    const cause = new RangeError('low-order point');
    const v = checker.threw('handleDatagram', 3, cause);
    expect(v).toMatchObject({ rule: 'threw', call: 'handleDatagram', now: 3 });
    expect(v.cause).toBe(cause);
    expect(v.message).toContain('RangeError: low-order point');
    expect(checker.threw('pollEvent', 4, v)).toBe(v);
  });
});

describe('CheckedMachine', () => {
  it('settles after a complete drain: a deadline still due after handleTimeout throws', () => {
    const inner = new Puppet();
    const m = checked(inner, 'puppet');
    inner.deadline = 20;
    m.handleTimeout(20);
    inner.transmits.push({ remote: HERE, data: new Uint8Array(1) });
    // Not drained yet: the deadline may still change, so nothing is judged.
    expect(m.pollTimeout()).toBe(20);
    expect(m.pollTransmit()).toBeDefined();
    expect(m.pollTransmit()).toBeUndefined();
    expect(m.pollEvent()).toBeUndefined();
    expect(violation(() => m.pollTimeout())).toMatchObject({ machine: 'puppet', rule: 'due-after-timeout', now: 20, deadline: 20 });
  });

  it('passes a machine that keeps the contract, and its results through unchanged', () => {
    const inner = new Puppet();
    const m = checked(inner, 'puppet');
    inner.deadline = 20;
    m.handleTimeout(20);
    inner.deadline = 30;
    inner.events.push('fired');
    expect(m.pollTransmit()).toBeUndefined();
    expect(m.pollEvent()).toBe('fired');
    expect(m.pollEvent()).toBeUndefined();
    expect(m.pollTimeout()).toBe(30);
  });

  it('turns throws from handle* and poll* into violations naming the call', () => {
    const inner = new Puppet();
    const m = checked(inner, 'puppet');
    for (const call of ['handleDatagram', 'handleTimeout', 'handleCommand', 'pollTransmit'] as const) {
      inner.throwIn = call;
      const v = violation(() => {
        if (call === 'handleDatagram') m.handleDatagram(1, HERE, new Uint8Array(0), HERE);
        else if (call === 'handleTimeout') m.handleTimeout(1);
        else if (call === 'handleCommand') m.handleCommand(1, 'x');
        else m.pollTransmit();
      });
      expect(v, call).toMatchObject({ rule: 'threw', call });
    }
    inner.throwIn = undefined;
    expect(violation(() => m.api(1, () => JSON.parse('{'))).call).toBe('api');
  });

  it('the spin guard fires on too many steps at one instant and in total', () => {
    const m = checked(new Puppet(), 'spinner', { steps_per_instant_max: 3 });
    for (let i = 0; i < 3; i++) m.handleCommand(7, 'x');
    expect(violation(() => m.handleCommand(7, 'x'))).toMatchObject({ rule: 'spin', call: 'step', now: 7 });
    const guard = new SpinGuard('loop', { steps_max: 5 });
    for (let t = 0; t < 5; t++) guard.step(t);
    expect(guard.steps).toBe(5);
    expect(violation(() => guard.step(99)).message).toBe('machine loop: spin in step at now=99: more than 5 steps in total');
  });
});
