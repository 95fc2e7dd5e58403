// Ring behaviour in the simulator: on random small rings (random N, m, join order and link
// latencies), after stabilization every successor, successor list, predecessor and finger is
// exactly what the ring's true membership says (the consistency checker); and lookups from
// every node name successor(id). Failures print the fast-check seed and path (test/support).
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { Simulator } from '../../../runtime-sim/index.ts';
import { checkRing, successorOf } from '../../../scenarios/chord/checker.ts';
import { ChordWorld } from '../../../scenarios/chord/world.ts';

describe('chord ring', () => {
  it.prop([fc.integer({ min: 1, max: 24 }), fc.integer({ min: 6, max: 16 }), fc.nat(1_000_000), fc.integer({ min: 1, max: 60 })], { numRuns: 12 })(
    'after stabilization every finger, successor and predecessor is correct',
    (n, m_bits, seed, latency_ms) => {
      const sim = new Simulator({ seed });
      const world = new ChordWorld(sim, { m_bits, link: { latency: { kind: 'fixed', ms: latency_ms } }, limits: { successors: 3 } });
      for (let i = 0; i < n; i++) world.addPeer(i * 37);
      sim.runUntil(n * 37 + 40_000);
      // Two nodes may hash to the same id on a tiny ring: the ring then holds the first only.
      const ids = new Set(world.peers.map((p) => p.node.self.id));
      fc.pre(ids.size === n);
      const report = checkRing(world.peers.map((p) => p.node));
      expect(report).toEqual({ nodes: n, wrong_successor: 0, wrong_successor_list: 0, wrong_predecessor: 0, wrong_fingers: 0, missing_fingers: 0 });
      // Lookups from every node for a few ids name the true successor.
      const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const answers: Array<{ want: bigint; got: string }> = [];
      world.onEvent((_p, e) => {
        if (e.type === 'lookup-result') answers.push({ want: sorted[successorOf(sorted, BigInt(`0x${e.target}`))]!, got: e.successor.id });
      });
      let op = 0;
      for (const p of world.peers) for (const t of [0n, 1n, (1n << BigInt(m_bits)) - 1n, BigInt(seed) % (1n << BigInt(m_bits))]) p.handle.command({ type: 'lookup', op: op++, id: t });
      sim.runFor(5_000);
      expect(answers.length).toBe(op);
      for (const a of answers) expect(BigInt(`0x${a.got}`)).toBe(a.want);
    },
  );
});
