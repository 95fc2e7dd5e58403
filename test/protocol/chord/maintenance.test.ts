// Adaptive maintenance on a simulated ring: a calm ring backs its periods off to the cap and
// sends an order of magnitude fewer datagrams than with adaptivity off (backoff_max_factor 1,
// the same ring and seed); a crash in the calm ring is still repaired (successors and
// predecessors right again within 40 s) and puts the nodes next to it back to base periods.
import { describe, expect, it } from 'vitest';
import type { ChordLimits } from '../../../protocol/chord/config.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { checkRing } from '../../../scenarios/chord/checker.ts';
import { ChordWorld } from '../../../scenarios/chord/world.ts';

function calmRing(limits: Partial<ChordLimits>): { sim: Simulator; world: ChordWorld; perNodePerSecond: number } {
  const sim = new Simulator({ seed: 'chord-maintenance' });
  const world = new ChordWorld(sim, { m_bits: 16, link: { latency: { kind: 'fixed', ms: 10 } }, limits: { successors: 3, ...limits } });
  for (let i = 0; i < 16; i++) world.addPeer(i * 20);
  sim.runUntil(300_000);
  const sent = (): number => world.peers.reduce((a, p) => a + p.node.counters.datagrams_sent, 0);
  const before = sent();
  sim.runUntil(400_000);
  return { sim, world, perNodePerSecond: (sent() - before) / 16 / 100 };
}

describe('chord adaptive maintenance', () => {
  it('a calm ring backs off; a crash is still repaired and resets its neighbours', () => {
    const fixed = calmRing({ backoff_max_factor: 1 });
    const adaptive = calmRing({});
    expect(fixed.world.peers.every((p) => p.node.maintenance.factor(fixed.sim.now) === 1)).toBe(true);
    expect(adaptive.world.peers.every((p) => p.node.maintenance.factor(adaptive.sim.now) === 16)).toBe(true);
    expect(fixed.perNodePerSecond).toBeGreaterThan(3);
    expect(adaptive.perNodePerSecond).toBeLessThan(fixed.perNodePerSecond / 10);
    expect(checkRing(adaptive.world.peers.map((p) => p.node))).toMatchObject({ wrong_successor: 0, wrong_predecessor: 0, wrong_fingers: 0 });

    const { sim, world } = adaptive;
    const sorted = [...world.peers].sort((a, b) => (a.node.self.id < b.node.self.id ? -1 : 1));
    const victim = sorted[5]!;
    world.crash(victim);
    sim.runUntil(440_000);
    const live = world.live().map((p) => p.node);
    expect(checkRing(live)).toMatchObject({ wrong_successor: 0, wrong_successor_list: 0, wrong_predecessor: 0 });
    // The nodes next to the crash saw it: back to base periods (or close to it).
    expect(sorted[4]!.node.maintenance.factor(sim.now)).toBeLessThan(16);
    expect(sorted[6]!.node.maintenance.factor(sim.now)).toBeLessThan(16);
  });
});
