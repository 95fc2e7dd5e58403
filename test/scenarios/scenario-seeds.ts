// One test helper for suite test files: a registered scenario meets every expectation on
// each of the given seeds; a failure names the expectation and prints the reproduce line.
import { expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

export function passesOnSeeds(name: string, seeds: readonly number[], timeout_ms = 120_000): void {
  it(`${name} on seeds ${seeds.join(',')}`, async () => {
    const scenario = registry.scenarios().find((s) => s.name === name);
    expect(scenario, name).toBeDefined();
    for (const seed of seeds) {
      const result = await runScenario(scenario!, seed);
      const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
      expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
    }
  }, timeout_ms);
}
