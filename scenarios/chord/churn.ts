// Churn (paper §6.5, scaled): N nodes whose lifetimes are exponential with the stated mean;
// each crash is matched by a fresh join (Poisson, rate N / lifetime), for churn_s seconds of
// virtual time, while lookups and reads of replicated keys run from random live nodes. Then
// churn stops, stabilization and one re-replication run, and the checker walks the ring:
// every successor right, every key on its r successors. r = 2·log2 N.
import { atLeast, equal } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import { checkKeys, checkRing } from './checker.ts';
import { fireLookups, round } from './measure.ts';
import { fireReads, writeKeys } from './reads.ts';
import { ChordWorld } from './world.ts';

export interface ChurnSpec {
  readonly nodes: number;
  /** Mean node lifetime, seconds of virtual time. */
  readonly lifetime_s: number;
  readonly churn_s: number;
  readonly slow: boolean;
}

export function churnScenario(spec: ChurnSpec): Scenario {
  const n = spec.nodes;
  const name = `chord/churn-${n}`;
  const r = 2 * Math.ceil(Math.log2(n));
  const keys = 100;
  const rate_per_s = n / spec.lifetime_s;
  return {
    name,
    description: `${n} nodes, mean lifetime ${spec.lifetime_s} s (${round(rate_per_s, 2)} crashes + joins/s) for ${spec.churn_s} s, r = ${r}: lookups and reads >= 99% correct, then a consistent ring`,
    suites: [spec.slow ? 'chord-large' : 'chord'],
    slow: true,
    heavy: true,
    figures: ['crashes', 'lookups_correct', 'reads_correct', 'keys_lost', 'wrong_successor', 'wrong_successor_list', 'under_replicated'],
    run(outer, seed): Outcome {
      const sim = new Simulator({ seed: `${seed}:${name}` });
      const world = new ChordWorld(sim, { m_bits: 32, link: { latency: { kind: 'uniform', min_ms: 10, max_ms: 40 } }, limits: { successors: r } });
      for (let i = 0; i < n; i++) world.addPeer(i * 5);
      const formed = n * 5 + 30_000;
      const w = writeKeys(sim, world, formed, keys, 10, 10_000);
      const start = formed + keys * 10 + 6_000;
      const end = start + spec.churn_s * 1_000;
      // Poisson crashes, each followed by a join at once (the population stays N).
      let crashes = 0;
      for (let t = start; ; ) {
        t += (-Math.log(1 - world.rng.nextFloat()) / rate_per_s) * 1_000;
        if (t >= end) break;
        sim.at(t, () => {
          const live = world.live().filter((p) => p.node.joined);
          if (live.length <= r) return;
          world.crash(live[world.rng.nextInt(0, live.length - 1)]!);
          crashes++;
          world.addPeer(sim.now);
        });
      }
      const span = spec.churn_s * 1_000;
      const lookups = fireLookups(sim, world, start, Math.floor(span / 50), 50);
      const reads = fireReads(sim, world, w.truth, start + 25, Math.floor(span / 50), 50, 30_000);
      sim.runUntil(end + 30_000);
      const nodes = world.live().map((p) => p.node);
      const ring = checkRing(nodes);
      // One more re-replication period so every primary has refreshed its successors.
      sim.runUntil(end + 30_000 + 6_000);
      const keyReport = checkKeys(world.live().map((p) => p.node), w.truth);
      const outcome = {
        nodes: n,
        r,
        crashes,
        lookups_correct: round(lookups.correct / Math.max(1, lookups.issued), 4),
        lookups_issued: lookups.issued,
        reads_correct: round(reads.correct / Math.max(1, reads.issued - reads.orphaned), 4),
        reads_issued: reads.issued,
        keys_lost: keyReport.lost,
        under_replicated: keyReport.under_replicated,
        wrong_successor: ring.wrong_successor,
        wrong_successor_list: ring.wrong_successor_list,
        wrong_predecessor: ring.wrong_predecessor,
        virtual_s: round(sim.now / 1_000, 1),
      };
      outer.log('info', `untraced ${n}-node churn run: ${JSON.stringify(outcome)}`);
      return outcome;
    },
    expectations: [
      atLeast('lookups_correct', 0.99),
      atLeast('reads_correct', 0.99),
      equal('keys_lost', 0),
      equal('wrong_successor', 0),
      equal('wrong_successor_list', 0),
      equal('wrong_predecessor', 0),
      equal('under_replicated', 0),
    ],
  };
}
