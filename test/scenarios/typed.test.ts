// The `typed` suite (peerpy-style typed connections through a NAT at 5% loss) and the
// discovery suite's LAN-connect scenario hold on several seeds. The full check is
// `peerlab run typed --seeds 1..20` and `peerlab run discovery --seeds 1..20`.
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

describe('typed suite', () => {
  passes('typed/accept', [1, 2]);
  passes('typed/deny', [1, 2]);
  passes('typed/strict-violation', [1, 2]);
  passes('typed/non-strict', [1]);
  passes('typed/stream-fixed', [1]);
  passes('typed/max-connections', [1]);
  passes('typed/dial-timeout', [1]);
  passes('typed/vanish-mid-message', [1, 2]);
  passes('discovery/lan-connect', [1, 2]);
});
