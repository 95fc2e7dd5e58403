// The swarm tester's fixed sample in `npm test`: 200 seeds (67 rudp, 67 punch, 66 peer), each
// drawing its own topology, workload, fault schedule and adversary, spread over two worker
// threads (the CLI's path). Every seed must reach success or a typed error within its bound
// with no invariant broken; a failure names its one reproduce line and minimal schedule.
// The long run is `npm run swarm -- --seeds 1..100000`.
import { describe, expect, it } from 'vitest';
import { runSwarm } from '../../runtime-node/cli/commands/swarm.ts';
import { describeFailure } from '../../swarm/batch.ts';
import { bound_ms, type SwarmProtocol } from '../../swarm/plan.ts';

const sample: ReadonlyArray<readonly [SwarmProtocol, number, number]> = [
  ['rudp', 1, 67],
  ['punch', 1, 67],
  ['peer', 1, 66],
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('swarm sample (200 seeds)', () => {
  for (const [protocol, from, to] of sample) {
    it(`${protocol} seeds ${from}..${to}: every run ends in success or a typed error, no invariant broken`, async () => {
      const figures = await runSwarm({ protocol, seeds: range(from, to), workers: 2 });
      const report = figures.failures.map(describeFailure).join('\n');
      expect(figures.failures, report).toEqual([]);
      expect(figures.seeds).toBe(to - from + 1);
      expect(figures.runs).toBe(to - from + 1);
      // The sample must exercise what it claims to: successes, invariants, the adversary.
      expect(figures.outcomes['success'] ?? 0).toBeGreaterThan((to - from + 1) / 2);
      expect(figures.invariants_checked).toBeGreaterThan(1000 * (to - from + 1));
      expect(figures.injected).toBeGreaterThan(0);
      expect(figures.worst_outcome_ms).toBeLessThanOrEqual(bound_ms[protocol]);
      expect(figures.unread_tables, 'tables whose fields were renamed: update swarm/tables.ts').toEqual([]);
    });
  }
});
