// Shared body of the determinism test files. Every registered scenario runs twice with the
// same seed and must give byte-identical traces (and meet its expectations). The scenarios
// are dealt round-robin into shards, one per test file, so vitest runs the shards in
// parallel and each file stays well under its time budget as suites grow. Slow scenarios
// (Scenario.slow or a slow suite: seconds each) have shards of their own and always run;
// heavy ones (Scenario.heavy: minutes, or kept out of the trace) run on request.
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';
import type { Scenario } from '../../scenarios/scenario.ts';

export const DETERMINISM_SEED = 7;
export const DETERMINISM_SHARDS = 2;
/** Slow scenarios (16 MiB transfers, seconds each, twice over) are dealt into this many files. */
export const SLOW_SHARDS = 7;

/** Scenarios that are not slow, dealt round-robin into DETERMINISM_SHARDS shards. */
export function determinismShard(shard: number): void {
  const fast = registry.scenarios().filter((scenario) => !registry.isSlow(scenario) && !scenario.heavy);
  const mine = fast.filter((_, i) => i % DETERMINISM_SHARDS === shard);
  determinismSuite(`determinism of registered scenarios (shard ${shard + 1}/${DETERMINISM_SHARDS})`, mine);
}

/**
 * Slow scenarios, dealt round-robin into SLOW_SHARDS shards. They always run (no opt-in
 * variable): one file per shard keeps each file to a few scenarios on a 2-core machine.
 */
export function slowDeterminismShard(shard: number): void {
  determinismSuite(`determinism of slow scenarios (shard ${shard + 1}/${SLOW_SHARDS})`, slowShardScenarios(shard));
}

export function slowShardScenarios(shard: number): Scenario[] {
  return slowScenarios().filter((_, i) => i % SLOW_SHARDS === shard);
}

/** Slow but not heavy: seconds per run, checked on every `npm test`. */
export function slowScenarios(): Scenario[] {
  return registry.scenarios().filter((scenario) => registry.isSlow(scenario) && !scenario.heavy);
}

/** Heavy (Scenario.heavy): minutes, or untraced; checked by determinism-heavy.test.ts on request. */
export function heavyScenarios(): Scenario[] {
  return registry.scenarios().filter((scenario) => scenario.heavy === true);
}

export function determinismSuite(title: string, scenarios: readonly Scenario[]): void {
  describe(title, () => {
    for (const scenario of scenarios) {
      it(`${scenario.name} gives identical trace bytes twice (seed ${DETERMINISM_SEED})`, async () => {
        const result = await runScenario(scenario, DETERMINISM_SEED, { checkDeterminism: true });
        const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
        expect(result.determinism?.identical, `${why.join('; ')}\nreproduce: ${result.reproduce}`).toBe(true);
        expect(result.trace?.lines).toBeGreaterThan(1);
        expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
      });
    }
  });
}
