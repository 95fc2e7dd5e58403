// The swarm tester's own checks must be able to fail: the contract guard catches a machine
// that throws or stays due, the stream check catches a corrupted or invented byte, the table
// check names a table over its limit, the path watch catches a stranger taking over, and the
// shrinker keeps exactly the schedule entries a failure needs.
import { describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import { ContractGuard } from '../../swarm/guard.ts';
import { drawPlan, type Plan, type ScheduleEntry } from '../../swarm/plan.ts';
import { PathWatch } from '../../swarm/rendezvous-side.ts';
import type { RunResult } from '../../swarm/run.ts';
import { shrinkSchedule } from '../../swarm/shrink.ts';
import { payload as payloadBytes } from '../../scenarios/transfer/payload.ts';
import { StreamCheck } from '../../swarm/stream-check.ts';
import { checkTables } from '../../swarm/tables.ts';
import { SwarmViolation } from '../../swarm/violation.ts';

/** A machine whose deadline handleTimeout never moves past `now` when `stuck`. */
class Stuck implements Machine<never, never> {
  deadline = 10;
  constructor(private readonly stuck: boolean, private readonly throws = false) {}
  handleDatagram(): void {
    if (this.throws) throw new RangeError('bad input escaped');
  }
  handleTimeout(now: number): void {
    if (!this.stuck) this.deadline = now + 10;
  }
  handleCommand(): void {}
  pollTransmit(): Transmit | undefined {
    return undefined;
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): number {
    return this.deadline;
  }
}

function violationOf(fn: () => void): SwarmViolation | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SwarmViolation) return e;
    throw e;
  }
  return undefined;
}

describe('ContractGuard', () => {
  it('passes a machine that moves its deadline past now, and counts the checks', () => {
    const tally = { checks: 0 };
    const g = new ContractGuard('ok', new Stuck(false), tally);
    g.pollTimeout();
    g.handleTimeout(10);
    expect(g.pollTimeout()).toBe(20);
    expect(tally.checks).toBe(3);
  });

  it('fails a machine still due after handleTimeout (the livelock)', () => {
    const g = new ContractGuard('stuck', new Stuck(true), { checks: 0 });
    g.handleTimeout(10);
    const v = violationOf(() => g.pollTimeout());
    expect(v?.kind).toBe('contract');
    expect(v?.detail).toContain('stuck: timer still due after handleTimeout(10)');
  });

  it('fails a machine that throws on a datagram, naming it', () => {
    const g = new ContractGuard('thrower', new Stuck(false, true), { checks: 0 });
    const v = violationOf(() => g.handleDatagram(0, addr('192.0.2.1', 1), new Uint8Array(1), addr('192.0.2.2', 2)));
    expect(v?.kind).toBe('contract');
    expect(v?.detail).toContain('thrower.handleDatagram threw RangeError: bad input escaped');
  });

  it('a killed machine is deaf and mute', () => {
    const g = new ContractGuard('dead', new Stuck(false, true), { checks: 0 });
    g.kill();
    expect(() => g.handleDatagram(0, addr('192.0.2.1', 1), new Uint8Array(1), addr('192.0.2.2', 2))).not.toThrow();
    expect(g.pollTimeout()).toBeUndefined();
  });
});

describe('StreamCheck', () => {
  it('accepts the sent bytes in any chunking and matches sha256 at the end', () => {
    const data = payloadBytes(7, 10_000);
    const c = new StreamCheck('t', data);
    c.sent(6_000);
    c.received(data.slice(0, 1));
    c.received(data.slice(1, 5_999));
    c.sent(4_000);
    c.received(data.slice(5_999));
    expect(c.complete).toBe(true);
    expect(() => c.finalCheck()).not.toThrow();
  });

  it('fails on a flipped byte, and on bytes that were never sent', () => {
    const data = payloadBytes(7, 100);
    const c = new StreamCheck('t', data);
    c.sent(50);
    const bad = data.slice(0, 10);
    bad[3] = bad[3]! ^ 1;
    expect(violationOf(() => c.received(bad))?.detail).toContain('byte 3');
    const d = new StreamCheck('t', data);
    d.sent(5);
    expect(violationOf(() => d.received(data.slice(0, 6)))?.kind).toBe('data');
  });
});

describe('table and identity checks', () => {
  it('names the table over its limit, and lists unread tables instead of passing them', () => {
    const unread = new Set<string>();
    expect(checkTables([{ name: 'x.ok', size: 3, limit: 3 }, { name: 'x.gone', size: -1, limit: 1 }], unread)).toBe(1);
    expect([...unread]).toEqual(['x.gone']);
    expect(violationOf(() => checkTables([{ name: 'x.full', size: 4, limit: 3 }], unread))?.detail).toBe('x.full holds 4 > limit 3');
  });

  it('a path to one peer may not be replaced by a punch from a stranger', () => {
    const w = new PathWatch('b');
    const nat = { local: '?', peer: '?' };
    w.onEvent(1, { type: 'punch-start', peer: 'a', session: 1, controlling: false, strategy: 'simultaneous-open', delay_ms: 0, nat });
    w.onEvent(2, { type: 'path', path: 'direct', peer: 'a', remote: '203.0.113.1:5000', local: '10.0.2.2:5000', rtt_ms: 1, attempts: 1, elapsed_ms: 1, nat, technique: 'simultaneous-open', upgrade: false });
    w.onEvent(3, { type: 'punch-start', peer: 'a', session: 2, controlling: false, strategy: 'simultaneous-open', delay_ms: 0, nat });
    const v = violationOf(() => w.onEvent(4, { type: 'punch-start', peer: 'mallory-0', session: 3, controlling: false, strategy: 'simultaneous-open', delay_ms: 0, nat }));
    expect(v?.kind).toBe('identity');
  });
});

describe('shrinkSchedule', () => {
  const failing = (plan: Plan): RunResult => {
    // A fake world: it fails exactly when entries 2 and 5 of the original schedule are both there.
    const needed = [original[2]!, original[5]!];
    const fails = needed.every((e) => plan.schedule.includes(e));
    return { protocol: 'rudp', seed: 1, ok: !fails, outcome: 'none', outcome_ms: 0, checks: 0, unread: [], injected: 0, ...(fails ? { violation: { kind: 'data', detail: 'x' } } : {}) };
  };
  const entry = (id: number): ScheduleEntry => ({ kind: 'partition', a: ['a'], b: ['b'], one_way: false, at_ms: id, until_ms: id + 1, id });
  const original = [0, 1, 2, 3, 4, 5].map(entry);

  it('keeps exactly the entries the failure needs (ddmin)', () => {
    const plan: Plan = { ...drawPlan('rudp', 1), schedule: original };
    const first = failing(plan);
    expect(first.ok).toBe(false);
    const m = shrinkSchedule(plan, first, 64, failing);
    expect(m.schedule).toEqual([original[2], original[5]]);
    expect(m.from_entries).toBe(6);
  });

  it('drops everything when the failure needs no fault', () => {
    const plan: Plan = { ...drawPlan('rudp', 1), schedule: original };
    const always = (): RunResult => ({ ...failing(plan), ok: false, violation: { kind: 'data', detail: 'x' } });
    expect(shrinkSchedule(plan, always(), 64, always).schedule).toEqual([]);
  });
});
