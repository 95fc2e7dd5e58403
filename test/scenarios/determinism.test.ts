// Same scenario + same seed = byte-identical trace, for every registered scenario (one seed
// each, in-process, run twice with the runner's --check-determinism path). Each run must
// also meet its expectations. A deliberately non-deterministic scenario proves the check
// can fail and names the first differing line.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';
import type { Scenario } from '../../scenarios/scenario.ts';

const SEED = 7;

describe('determinism of every registered scenario', () => {
  for (const scenario of registry.scenarios()) {
    it(`${scenario.name} gives identical trace bytes twice (seed ${SEED})`, async () => {
      const result = await runScenario(scenario, SEED, { checkDeterminism: true });
      const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
      expect(result.determinism?.identical, `${why.join('; ')}\nreproduce: ${result.reproduce}`).toBe(true);
      expect(result.trace?.lines).toBeGreaterThan(1);
      expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
    });
  }
});

describe('the determinism check itself', () => {
  it('reports a mismatch and the first differing line', async () => {
    let runs = 0;
    const flaky: Scenario = {
      name: 'test/nondeterministic',
      description: 'logs a different message on each run',
      suites: [],
      run(sim) {
        runs++;
        sim.at(5, () => sim.log('info', `run number ${runs}`));
        sim.runUntil(10);
        return {};
      },
      expectations: [],
    };
    const result = await runScenario(flaky, 1, { checkDeterminism: true });
    expect(result.passed).toBe(false);
    expect(result.determinism?.identical).toBe(false);
    expect(result.determinism?.mismatch?.line).toBe(2);
    expect(result.determinism?.mismatch?.first).toContain('run number 1');
    expect(result.determinism?.mismatch?.second).toContain('run number 2');
    expect(result.failures.map((f) => f.expectation)).toEqual(['deterministic trace']);
    expect(result.reproduce).toBe('peerlab run test/nondeterministic --seed 1 --check-determinism');
  });
});
