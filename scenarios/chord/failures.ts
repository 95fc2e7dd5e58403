// Lookups under failure (paper §6.4, Figure 11): N nodes, r = 2·log2 N, keys written with
// r-way replication; then half the nodes crash at once. Lookups fired at once (before
// stabilization has run) meet dead hops and retry via the next-best candidate; we report the
// fraction that fail or name a dead/wrong node beside the paper's figure. After 30 s of
// stabilization, >= 99.9% of lookups must be correct and every key must still read back
// (the paper, without replication, loses the keys of dead nodes: ≈ p = 50% of lookups fail).
import { atLeast, equal } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import { checkKeys, checkRing } from './checker.ts';
import { fireLookups, round } from './measure.ts';
import { fireReads, writeKeys } from './reads.ts';
import { ChordWorld } from './world.ts';

export function failureScenario(n: number): Scenario {
  const name = `chord/fail-half-${n}`;
  const r = 2 * Math.ceil(Math.log2(n));
  const keys = 200;
  return {
    name,
    description: `${n} nodes, r = ${r}: 50% crash at once; lookups before and after stabilization (paper Fig. 11), every key still readable`,
    suites: ['chord'],
    slow: true,
    heavy: true,
    figures: ['failed_before_stab', 'paper_fig11_failed', 'lookups_correct_after', 'reads_correct_after', 'keys_lost', 'wrong_successor'],
    run(outer, seed): Outcome {
      const sim = new Simulator({ seed: `${seed}:${name}` });
      const world = new ChordWorld(sim, { m_bits: 32, link: { latency: { kind: 'uniform', min_ms: 10, max_ms: 40 } }, limits: { successors: r } });
      for (let i = 0; i < n; i++) world.addPeer(i * 5);
      const formed = n * 5 + 30_000;
      const w = writeKeys(sim, world, formed, keys, 10, 10_000);
      const failAt = formed + keys * 10 + 12_000;
      sim.at(failAt, () => {
        const live = world.live();
        for (let i = live.length - 1; i > 0; i--) {
          const j = world.rng.nextInt(0, i);
          [live[i], live[j]] = [live[j]!, live[i]!];
        }
        for (const p of live.slice(0, n / 2)) world.crash(p);
      });
      const before = fireLookups(sim, world, failAt + 1, 200, 2);
      const after = fireLookups(sim, world, failAt + 30_000, 1_000, 5);
      const reads = fireReads(sim, world, w.truth, failAt + 36_000, 500, 5, 20_000);
      sim.runUntil(failAt + 45_000);
      const nodes = world.live().map((p) => p.node);
      const ring = checkRing(nodes);
      const keyReport = checkKeys(nodes, w.truth);
      const outcome = {
        nodes: n,
        r,
        keys_acked: w.acked(),
        failed_before_stab: round(1 - before.correct / before.issued, 4),
        paper_fig11_failed: 0.5,
        timeouts_before_stab: before.timeouts,
        lookups_correct_after: round(after.correct / after.issued, 4),
        reads_correct_after: round(reads.correct / Math.max(1, reads.issued - reads.orphaned), 4),
        keys_lost: keyReport.lost,
        under_replicated: keyReport.under_replicated,
        wrong_successor: ring.wrong_successor,
        virtual_s: round(sim.now / 1_000, 1),
      };
      outer.log('info', `untraced ${n}-node run: ${JSON.stringify(outcome)}`);
      return outcome;
    },
    expectations: [equal('keys_acked', keys), atLeast('lookups_correct_after', 0.999), equal('reads_correct_after', 1), equal('keys_lost', 0), equal('wrong_successor', 0)],
  };
}
