// srudp-style `--direct` across NAT pairs in the simulator (scenarios/nat-matrix/direct.ts):
// the cells where it works move 1 MiB verified with no rendezvous; the symmetric and
// port-changing cells fail with the diagnosis. Full check: `peerlab run 'nat-matrix/direct-*' --seeds 1..20`.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

describe('nat-matrix direct connect', () => {
  const cells = registry.scenarios().filter((s) => s.name.startsWith('nat-matrix/direct-'));
  it('has working and failing cells', () => {
    expect(cells.length).toBeGreaterThanOrEqual(7);
  });
  for (const scenario of cells) {
    it(`${scenario.name} on seeds 1,2`, async () => {
      for (const seed of [1, 2]) {
        const result = await runScenario(scenario, seed);
        const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
        expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
      }
    }, 60_000);
  }
});
