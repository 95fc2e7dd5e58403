// The fast scenarios of the `mesh` suite hold on several seeds (tracing off): protocol
// mismatch, leases, churn at 100 peers and a secure 12-peer mesh. The 100-peer partition and
// the 1,000-peer runs are in mesh-slow.test.ts / the CLI (`peerlab run mesh --seeds 1..20`).
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

describe('mesh suite', () => {
  passes('mesh/protocol-mismatch-id', [1, 2, 3]);
  passes('mesh/protocol-mismatch-version', [1, 2]);
  passes('mesh/lease', [1, 2]);
  passes('mesh/churn-100', [1, 2]);
  passes('mesh/secure-12', [1]);
});
