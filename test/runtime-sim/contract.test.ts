// The simulator's driver enforces the machine contract (protocol/core/contract.ts): a machine
// that stays due after handleTimeout(now) (the float livelock), throws from handle*/poll*, or
// reports a non-finite deadline gets a `machine-error` trace line and fails the run with a
// ContractViolation naming its host; `peerlab run` then exits 1 with the reproduce line.
// There is no 1 ms deferral any more: the fixed machine runs exactly as before.
import { describe, expect, it } from 'vitest';
import { ContractViolation } from '../../protocol/core/contract.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import { addr } from '../../protocol/core/addr.ts';
import { MemorySink, Simulator } from '../../runtime-sim/index.ts';
import { runCommand, type RunDeps } from '../../runtime-node/cli/commands/run.ts';
import { EXIT_FAILED, EXIT_OK } from '../../runtime-node/cli/command.ts';
import { registry } from '../../scenarios/index.ts';
import { equal } from '../../scenarios/expect.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { Probe, bytes } from './fixtures.ts';
import { LIVELOCK_DEADLINE_MS, LIVELOCK_SENT_MS, LossTimerMachine } from '../support/livelock-machine.ts';

function violationOf(fn: () => void): ContractViolation {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw error;
  }
  throw new Error('expected a ContractViolation, nothing was thrown');
}

/** Throws from the call named in `where`, else behaves as an idle machine. */
class Faulty implements Machine<{ type: 'go' }, never> {
  constructor(private readonly where: 'handleDatagram' | 'handleCommand' | 'pollTransmit' | 'nan-deadline') {}
  private armed = false;
  handleDatagram(): void {
    if (this.where === 'handleDatagram') throw new RangeError('low-order point');
  }
  handleTimeout(): void {}
  handleCommand(): void {
    if (this.where === 'handleCommand') throw new Error('endpoint-full');
    this.armed = true;
  }
  pollTransmit(): Transmit | undefined {
    if (this.armed && this.where === 'pollTransmit') throw new TypeError('boom');
    return undefined;
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): number | undefined {
    return this.armed && this.where === 'nan-deadline' ? NaN : undefined;
  }
}

describe('simulator driver: the contract checker', () => {
  it('fails the run at the livelocked instant with the host name, the timer and a machine-error line', () => {
    const sink = new MemorySink();
    const sim = new Simulator({ seed: 1, trace: sink, scenario: 'adhoc' });
    const machine = new LossTimerMachine(false);
    const handle = sim.run(sim.addHost({ name: 'sender' }), machine, { port: 1 });
    sim.at(LIVELOCK_SENT_MS, () => handle.command({ type: 'send' }));
    const violation = violationOf(() => sim.runUntil(1_000));
    expect(violation.rule).toBe('due-after-timeout');
    expect(violation.machine).toContain('sender');
    expect(violation.now).toBe(LIVELOCK_DEADLINE_MS);
    expect(violation.deadline).toBe(LIVELOCK_DEADLINE_MS);
    expect(violation.message).toContain(`deadline=${LIVELOCK_DEADLINE_MS}`);
    // Woken exactly once: no spinning, no deferral.
    expect(machine.timeouts).toBe(1);
    expect(sink.ofKind('timer')).toEqual([{ t: LIVELOCK_DEADLINE_MS, kind: 'timer', node: 'sender', at: LIVELOCK_DEADLINE_MS }]);
    expect(sink.ofKind('machine-error')).toEqual([
      {
        t: LIVELOCK_DEADLINE_MS,
        kind: 'machine-error',
        node: 'sender',
        call: 'handleTimeout',
        rule: 'due-after-timeout',
        message: violation.message,
        at: LIVELOCK_DEADLINE_MS,
      },
    ]);
    // A failed machine is never called again: the next event for it rethrows the same fault.
    expect(() => handle.command({ type: 'send' })).toThrow(violation);
  });

  it('runs the fixed machine (stored deadline) to its loss event with one wake', () => {
    const sim = new Simulator({ seed: 1 });
    const machine = new LossTimerMachine(true);
    const handle = sim.run(sim.addHost({ name: 'sender' }), machine, { port: 1 });
    sim.at(LIVELOCK_SENT_MS, () => handle.command({ type: 'send' }));
    sim.runUntil(1_000);
    expect(handle.events).toEqual([{ type: 'lost', at: LIVELOCK_DEADLINE_MS }]);
    expect(machine.timeouts).toBe(1);
    expect(sim.stats.timers).toBe(1);
  });

  it('traces a throw from handle* as machine-error (rule threw), naming the host, and fails the run', () => {
    const sink = new MemorySink();
    const sim = new Simulator({ seed: 1, trace: sink });
    const victim = sim.addHost({ name: 'victim', ips: ['10.0.0.7'] });
    const attacker = sim.addHost({ name: 'attacker', ips: ['10.0.0.9'] });
    sim.run(victim, new Faulty('handleDatagram'), { port: 7 });
    const probe = sim.run(attacker, new Probe(), { port: 9 });
    probe.command({ type: 'send', to: addr('10.0.0.7', 7), data: bytes(1, 2, 3) });
    const fromDatagram = violationOf(() => sim.runUntil(100));
    expect(fromDatagram).toMatchObject({ rule: 'threw', call: 'handleDatagram' });
    expect(fromDatagram.machine).toContain('victim');
    expect(fromDatagram.message).toContain('RangeError: low-order point');
    expect(fromDatagram.cause).toBeInstanceOf(RangeError);

    const server = sim.run(attacker, new Faulty('handleCommand'), { port: 10 });
    const fromCommand = violationOf(() => server.command({ type: 'go' }));
    expect(fromCommand).toMatchObject({ rule: 'threw', call: 'handleCommand' });
    expect(fromCommand.machine).toContain('attacker');
    expect(sink.ofKind('machine-error')).toMatchObject([
      { node: 'victim', call: 'handleDatagram', rule: 'threw' },
      { node: 'attacker', call: 'handleCommand', rule: 'threw' },
    ]);
  });

  it('blames a throw from pollTransmit and a NaN deadline on the machine', () => {
    for (const [where, rule, call] of [
      ['pollTransmit', 'threw', 'pollTransmit'],
      ['nan-deadline', 'deadline-not-finite', 'pollTimeout'],
    ] as const) {
      const sim = new Simulator({ seed: 1 });
      const handle = sim.run(sim.addHost({ name: 'h' }), new Faulty(where), { port: 1 });
      const violation = violationOf(() => handle.command({ type: 'go' }));
      expect(violation.rule, where).toBe(rule);
      expect(violation.call, where).toBe(call);
    }
  });
});

/** A scenario whose machine livelocks at 141.8113 ms on every seed. */
const livelocked: Scenario = {
  name: 'test/livelock',
  description: 'test-only: a machine that stays due after handleTimeout',
  suites: ['test-only'],
  run: (sim) => {
    const handle = sim.run(sim.addHost({ name: 'sender' }), new LossTimerMachine(false), { port: 1 });
    sim.at(LIVELOCK_SENT_MS, () => handle.command({ type: 'send' }));
    sim.runUntil(1_000);
    return { lost: handle.events.length };
  },
  expectations: [equal('lost', 1)],
};

function capture(): RunDeps & { stdout: string[] } {
  const stdout: string[] = [];
  return {
    registry: registry.with([livelocked, { ...livelocked, name: 'test/fixed', run: (sim) => {
      const handle = sim.run(sim.addHost({ name: 'sender' }), new LossTimerMachine(true), { port: 1 });
      sim.at(LIVELOCK_SENT_MS, () => handle.command({ type: 'send' }));
      sim.runUntil(1_000);
      return { lost: handle.events.length };
    } }]),
    out: (line) => void stdout.push(line),
    err: () => undefined,
    progress: { isTTY: false, write: () => true },
    stdout,
  };
}

describe('peerlab run: a contract violation fails the run', () => {
  it('exits 1, names the machine and the rule, and prints the reproduce line', async () => {
    const deps = capture();
    expect(await runCommand(['test/livelock', '--seed', '3', '--no-trace'], deps)).toBe(EXIT_FAILED);
    const text = deps.stdout.join('\n');
    expect(text).toContain('FAIL test/livelock seed 3: threw ContractViolation: machine sender');
    expect(text).toContain('due-after-timeout');
    expect(text).toContain('reproduce: peerlab run test/livelock --seed 3');
  });

  it('passes the same scenario once the machine stores its deadline', async () => {
    const deps = capture();
    expect(await runCommand(['test/fixed', '--seed', '3', '--no-trace'], deps)).toBe(EXIT_OK);
  });
});
