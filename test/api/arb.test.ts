// peerlab/arb: the arbitraries draw exactly the swarm tester's plans (a schedule is a subset
// of the seed's drawn schedule, in order; a topology is the seed's), filtered kinds stay
// filtered, and applyFaults puts a schedule on one's own node names, leaving out nodes it
// cannot map (partitions with an empty side are dropped, not half-applied).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { applyFaults, faultSchedule, plan, topology, type ScheduleEntry } from '../../api/arb.ts';
import { Simulator, type LinkConfig } from '../../api/sim.ts';
import { drawPlan } from '../../swarm/plan.ts';

describe('arbitraries', () => {
  test.prop([plan({ protocol: 'rudp' })])('a plan is the seed’s swarm plan with a subset of its schedule', (p) => {
    const drawn = drawPlan('rudp', p.seed);
    expect(p.topology).toEqual(drawn.topology);
    expect(p.workload).toEqual(drawn.workload);
    const ids = drawn.schedule.map((e) => e.id);
    const kept = p.schedule.map((e) => e.id);
    expect(kept.every((id) => ids.includes(id))).toBe(true);
    expect(kept).toEqual([...kept].sort((x, y) => x - y));
  });

  test.prop([faultSchedule()])('a fault schedule holds no stranger entries by default', (schedule) => {
    expect(schedule.every((e) => e.kind !== 'stranger')).toBe(true);
  });

  test.prop([topology()])('a topology names a NAT preset or none for both sides', (t) => {
    expect(typeof t.nat_a).toBe('string');
    expect(t.access_ms_a).toBeGreaterThan(0);
  });

  test('the schedules cover links, partitions and adversaries over some seeds', () => {
    const kinds = new Set(fc.sample(faultSchedule(), { numRuns: 200, seed: 1 }).flat().map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['adversary', 'link', 'partition']);
  });
});

describe('applyFaults', () => {
  test('maps schedule nodes onto own names and drops what it cannot map', () => {
    const sim = new Simulator({ seed: 1, trace: undefined, scenario: 'arb' });
    const link: LinkConfig = { latency: { kind: 'fixed', ms: 5 } };
    sim.addHost({ name: 'alice', ips: ['203.0.113.1'], link });
    sim.addHost({ name: 'bob', ips: ['203.0.113.2'], link });
    const fault = { latency_ms: 50, jitter_ms: 0, loss_p: 1, duplicate_p: 0, reorder_p: 0, corrupt_p: 0 };
    const schedule: ScheduleEntry[] = [
      { id: 0, kind: 'link', node: 'a', at_ms: 100, until_ms: 200, fault },
      { id: 1, kind: 'link', node: 'a-nat', at_ms: 100, fault }, // no such node here: left out
      { id: 2, kind: 'partition', a: ['a', 'b'], b: ['rendezvous'], one_way: false, at_ms: 0, until_ms: 50 }, // empty side: dropped
      { id: 3, kind: 'partition', a: ['a'], b: ['b'], one_way: true, at_ms: 300, until_ms: 400 },
    ];
    const adversaries = applyFaults(sim, schedule, 1, { links: { alice: link, bob: link }, nodes: { a: 'alice', b: 'bob' } });
    expect(adversaries).toEqual([]);
    // The mapped link fault and partition are scheduled (setLink of an unknown node would throw).
    expect(() => sim.runUntil(1_000)).not.toThrow();
    expect(() => applyFaults(sim, [schedule[0]!], 1, { links: { bob: link } })).not.toThrow(); // 'a' unmapped: nothing scheduled
  });
});
