// The foundation suites' expectations hold beyond the one seed the determinism test uses:
// seeds 1..3 with tracing off (fast). Statistical expectations (loss within 10%) are written
// with margins of four or more standard deviations, so a failure here is a real bug, not bad
// luck. Suites added later (nat-matrix, transfer) carry their own multi-seed tests.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

const SEEDS = [1, 2, 3];
const FOUNDATION_SUITES = ['default', 'link', 'nat'];

/** Suites whose scenarios `npm start` borrows for its tour; they carry their own multi-seed tests. */
const OWN_TESTS_SUITES = ['nat-matrix', 'transfer', 'mesh', 'chord'];

const foundation = registry.scenarios().filter((scenario) => scenario.suites.some((suite) => FOUNDATION_SUITES.includes(suite)) && !scenario.suites.some((suite) => OWN_TESTS_SUITES.includes(suite)));

describe('every scenario of the default, link and nat suites passes on several seeds', () => {
  for (const scenario of foundation) {
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
