// Issue 10 (deadlines, not differences) for the punch machines: every timer stores its deadline
// and compares now >= deadline, so after handleTimeout(now) and a drain pollTimeout() is
// undefined or > now, and no handle* or handleCommand throws. Two bugs this caught: the easy
// side of birthday probing armed its first probe and sync at `now` from inside handleTimeout,
// and an exhausted check reported its deadline while the pacing slot kept it from failing.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { checked } from '../../../protocol/core/checked-machine.ts';
import { CheckList } from '../../../protocol/punch/check-list.ts';
import { PunchClient } from '../../../protocol/punch/punch-client.ts';
import { encodeRendezvous } from '../../../protocol/punch/rendezvous-wire.ts';
import { StunServer } from '../../../protocol/punch/stun-server.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { buildWorld } from '../../../scenarios/nat-matrix/world.ts';
import { arbMessage } from './arbitraries.ts';
import { seeded, server, SERVER } from './server-harness.ts';

describe('issue 10: punch deadlines', () => {
  it('issue-10: birthday probing (easy side) leaves no deadline due after handleTimeout (the simulator checks every step)', () => {
    for (const [x, y] of [['port-restricted-cone', 'symmetric'], ['symmetric', 'linux-masquerade']] as const) {
      const sim = new Simulator({ seed: 1 });
      const w = buildWorld(sim, x, y, { loss: 0 });
      expect(() => sim.runUntil(15_000), `peerlab run nat-matrix/${x}+${y}/loss0 --seed 1`).not.toThrow();
      expect(w.a.client.path?.kind).toBe('direct');
    }
  });

  it('issue-10: an exhausted check fails at its own deadline even inside a pacing slot', () => {
    const list = new CheckList({ pace_ms: 100, rto_ms: 10, retries_max: 1, checks_max: 4, first_burst: 1 }, seeded(3));
    list.add(addr('10.0.0.1', 1), addr('192.0.2.1', 2), 'reflexive');
    let sent = 0;
    list.due(0, () => sent++);
    expect(sent).toBe(1);
    expect(list.nextDeadline()).toBe(10);
    list.due(10, () => sent++);
    const next = list.nextDeadline();
    expect(next === undefined || next > 10).toBe(true);
    expect(list.pending()).toBe(0);
  });

  const FROM = [SERVER, addr('203.0.113.9', 7), addr('10.0.0.3', 5000)] as const;
  const LOCAL = addr('10.0.0.2', 5000);
  const step = fc.record({
    dt: fc.integer({ min: 0, max: 3_000 }),
    from: fc.constantFrom(...FROM),
    m: fc.option(arbMessage, { nil: undefined }),
    command: fc.option(fc.constantFrom('connect-ok', 'connect-long', 'send', 'path-validated', 'path-rejected', 'close'), { nil: undefined }),
  });

  fcTest.prop([fc.array(step, { maxLength: 60 })], { numRuns: 150 })('issue-10: punch client under the contract checker: no throw, no deadline left due', (steps) => {
    const c = checked(new PunchClient({ id: 'me', token: new Uint8Array(16), server: SERVER, local: LOCAL, accept_from: 'you', events_max: 64, transmits_max: 64 }, seeded(5)), 'PunchClient');
    let now = 0;
    const settle = (): void => {
      while (c.pollTransmit()) {}
      while (c.pollEvent()) {}
      const at = c.pollTimeout();
      if (at !== undefined && at <= now) {
        c.handleTimeout(now);
        while (c.pollTransmit()) {}
        while (c.pollEvent()) {}
        c.pollTimeout(); // the checker throws here when a deadline is still due
      }
    };
    for (const s of steps) {
      now += s.dt;
      const at = c.pollTimeout();
      if (at !== undefined && at <= now) c.handleTimeout(now);
      settle();
      if (s.m) c.handleDatagram(now, s.from, encodeRendezvous(s.m), LOCAL);
      if (s.command === 'connect-ok') c.handleCommand(now, { type: 'connect', peer: 'you' });
      if (s.command === 'connect-long') c.handleCommand(now, { type: 'connect', peer: 'y'.repeat(65) });
      if (s.command === 'send') c.handleCommand(now, { type: 'send', data: new Uint8Array([0xc0]) });
      if (s.command === 'path-validated' || s.command === 'path-rejected') c.handleCommand(now, { type: s.command, remote: '203.0.113.9:7' });
      if (s.command === 'close') c.handleCommand(now, { type: 'close' });
      settle();
    }
  });

  fcTest.prop([fc.array(step, { maxLength: 60 })], { numRuns: 150 })('issue-10: rendezvous and STUN servers under the contract checker', (steps) => {
    const s = checked(server({ registrations_max: 4, pending_max: 2, circuits_max: 2, transmits_max: 16, events_max: 16 }), 'RendezvousServer');
    const stun = checked(new StunServer({ primary: SERVER }), 'StunServer');
    let now = 0;
    for (const x of steps) {
      now += x.dt;
      for (const m of [s, stun]) {
        const at = m.pollTimeout();
        if (at !== undefined && at <= now) m.handleTimeout(now);
        if (x.m) m.handleDatagram(now, x.from, encodeRendezvous(x.m), SERVER);
        while (m.pollTransmit()) {}
        while (m.pollEvent()) {}
        m.pollTimeout(); // the checker throws when handleTimeout(now) left a deadline <= now
      }
    }
  });
});
