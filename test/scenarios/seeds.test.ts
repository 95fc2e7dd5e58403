// Every scenario's expectations hold beyond the one seed the determinism test uses: seeds
// 1..3 with tracing off (fast). Statistical expectations (loss within 10%) are written with
// margins of several standard deviations, so a failure here is a real bug, not bad luck.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

const SEEDS = [1, 2, 3];

describe('every scenario passes on several seeds', () => {
  for (const scenario of registry.scenarios()) {
    it(scenario.name, async () => {
      for (const seed of SEEDS) {
        const result = await runScenario(scenario, seed);
        const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
        expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
        expect(result.trace).toBeUndefined();
      }
    });
  }
});
