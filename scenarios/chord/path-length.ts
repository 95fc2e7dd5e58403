// The paper's Figure 10 (Stoica et al., SIGCOMM 2001, §6.3): N = 2^k nodes, random lookups,
// mean path length ≈ ½·log2 N. N nodes join one after another (plain datagrams, 10-40 ms
// links), stabilize and fixFingers run until the ring is consistent, then 1,000 lookups for
// random ids from random nodes. Routing by fingers only, as in the paper; the hop count is the
// number of nodes a lookup queries (the answer names successor(id) without visiting it).
// N >= 2,048 are slow (tens of seconds) and run in an untraced simulator of their own.
import { equal } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import { checkRing } from './checker.ts';
import { fireLookups, percentile, round } from './measure.ts';
import { ChordWorld } from './world.ts';

const lookups = 1_000;
const settle_max_ms = 120_000;

export function pathLengthScenario(k: number): Scenario {
  const n = 2 ** k;
  const name = `chord/path-length-${n}`;
  const untraced = n >= 512;
  const half = k / 2;
  return {
    name,
    description: `${n} nodes (plain datagrams), fingers only: mean lookup hops vs ½·log2 N = ${half} (paper Fig. 10), p99 < log2 N + 2`,
    suites: [n >= 1024 ? 'chord-large' : 'chord'],
    slow: n >= 256,
    // Untraced runs (N >= 512) and anything over a few seconds stay out of the always-on determinism files.
    heavy: n >= 256,
    figures: ['hops_mean', 'half_log2_n', 'hops_ratio', 'hops_p99', 'lookups_correct', 'wrong_successor', 'wrong_fingers', 'settled_s'],
    run(outer, seed): Outcome {
      const sim = untraced ? new Simulator({ seed: `${seed}:${name}` }) : outer;
      const world = new ChordWorld(sim, {
        m_bits: 32,
        route_via_successors: false,
        link: { latency: { kind: 'uniform', min_ms: 10, max_ms: 40 } },
        limits: { successors: 4 },
      });
      const spacing_ms = 5;
      for (let i = 0; i < n; i++) world.addPeer(i * spacing_ms);
      // Settle until the checker finds the ring and its fingers right (checked every 2 s, at
      // most settle_max_ms), then measure: the paper's figures are for a stable ring.
      let settle = n * spacing_ms + 10_000;
      sim.runUntil(settle);
      let ring = checkRing(world.live().map((p) => p.node));
      while ((ring.wrong_successor > 0 || ring.wrong_fingers + ring.missing_fingers > 0) && settle < n * spacing_ms + settle_max_ms) {
        settle += 2_000;
        sim.runUntil(settle);
        ring = checkRing(world.live().map((p) => p.node));
      }
      const stats = fireLookups(sim, world, settle + 1, lookups, 5);
      sim.runUntil(settle + 1 + lookups * 5 + 5_000);
      const hops = [...stats.hops].sort((a, b) => a - b);
      const mean = hops.reduce((a, b) => a + b, 0) / Math.max(1, hops.length);
      const outcome = {
        nodes: n,
        hops_mean: round(mean),
        half_log2_n: half,
        hops_ratio: round(mean / half),
        hops_p99: percentile(hops, 99),
        log2_n_plus_2: k + 2,
        lookups_correct: round(stats.correct / lookups, 4),
        lookups_failed: stats.failed,
        wrong_successor: ring.wrong_successor,
        wrong_fingers: ring.wrong_fingers,
        settled_s: round(settle / 1_000, 1),
        virtual_s: round(sim.now / 1_000, 1),
      };
      if (untraced) outer.log('info', `untraced ${n}-node run: ${JSON.stringify(outcome)}`);
      return outcome;
    },
    expectations: [
      {
        name: 'hops_mean within 10% of ½·log2 N',
        check: (o) => (Math.abs((o['hops_mean'] as number) - half) <= 0.1 * half ? true : `hops_mean ${o['hops_mean']}, want ${round(half * 0.9)}..${round(half * 1.1)}`),
      },
      { name: `hops_p99 < log2 N + 2 = ${k + 2}`, check: (o) => ((o['hops_p99'] as number) < k + 2 ? true : `hops_p99 ${o['hops_p99']}`) },
      equal('lookups_correct', 1),
      equal('wrong_successor', 0),
      equal('wrong_fingers', 0),
    ],
  };
}

export const pathLengthScenarios: Scenario[] = [6, 7, 8, 9, 10, 11, 12].map(pathLengthScenario);
