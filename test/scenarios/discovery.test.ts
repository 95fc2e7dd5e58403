// The `discovery` suite holds on several seeds (tracing off). The full check is
// `peerlab run discovery --seeds 1..20` (CI runs it through the CLI).
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

describe('discovery suite', () => {
  passes('discovery/mdns-20-lossy', [1, 2]);
  passes('discovery/nat-boundary', [1, 2, 3]);
  passes('discovery/invisible', [1, 2, 3]);
  passes('discovery/leave-goodbye', [1, 2]);
  passes('discovery/leave-crash', [1]);
  passes('discovery/name-conflict', [1, 2, 3]);
});
