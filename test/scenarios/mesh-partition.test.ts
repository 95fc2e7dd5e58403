// A healed partition of 60 sync replicas converges within the scenario's stated bound, the
// conflicting writes resolve the same on every replica, and a broadcast made during the cut
// reaches the other side (two seeds, tracing off).
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

describe('mesh partition', () => {
  it('mesh/partition-60 on seeds 1,2', async () => {
    const scenario = registry.scenarios().find((s) => s.name === 'mesh/partition-60')!;
    for (const seed of [1, 2]) {
      const result = await runScenario(scenario, seed);
      const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
      expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
      expect(result.outcome['disagreeing']).toBe(0);
    }
  }, 120_000);
});
