// The fast scenarios of the `chord` suite hold on several seeds (tracing off): py2p's dict API
// and typed errors, protocol identity on both sides, graceful hand-over with r = 1, and the
// paper's path length at N = 64 and 128. The larger runs (N >= 256, 50% failures, churn) are
// `peerlab run chord --seeds 1..10` and `peerlab run chord-large` (minutes).
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

function passes(name: string, seeds: readonly number[]): void {
  it(`${name} on seeds ${seeds.join(',')}`, async () => {
    const scenario = registry.scenarios().find((s) => s.name === name);
    expect(scenario, name).toBeDefined();
    for (const seed of seeds) {
      const result = await runScenario(scenario!, seed);
      const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
      expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
    }
  }, 120_000);
}

describe('chord suite', () => {
  passes('chord/dict', [1, 2, 3]);
  passes('chord/mismatch', [1, 2]);
  passes('chord/leave-handover', [1, 2, 3]);
  passes('chord/path-length-64', [1, 2]);
  passes('chord/path-length-128', [1]);
});
