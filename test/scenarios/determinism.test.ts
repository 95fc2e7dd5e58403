// Same scenario + same seed = byte-identical trace: the first shard of every registered
// scenario (determinism-2.test.ts runs the other), plus a deliberately non-deterministic
// scenario that proves the check can fail and names the first differing line.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../scenarios/runner.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { determinismShard } from './determinism-shard.ts';

determinismShard(0);

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
