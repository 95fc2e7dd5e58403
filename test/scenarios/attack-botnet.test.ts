// attack/flood-botnet: the same flood from addresses the attacker owns (it echoes every
// cookie, so its registrations are stored): honest peers still register, the table stays
// within registrations_max and the stranger's prefixes within their quota. (Same trace twice:
// the slow shards test/scenarios/determinism-slow-*.test.ts, as for every slow scenario.)
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

const SEED = 3;

describe('attack/flood-botnet', () => {
  it(`passes (seed ${SEED})`, async () => {
    const result = await runScenario(registry.scenario('attack/flood-botnet')!, SEED);
    const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
    expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
    // The botnet's registrations are real: the table fills, and honest peers still get in.
    expect(String(result.outcome.tables)).toMatch(/registrations (\d+)\/\1\b/);
    expect(result.outcome.honest_registered).toBe(result.outcome.honest_total);
  });
});
