// Determinism of the slow scenarios (Scenario.slow, or a suite listed as slow in
// scenarios/index.ts): each takes many seconds, twice over, so they run only when asked for
// (PEERLAB_SLOW=1) and always in CI (PEERLAB_REQUIRE_ALL=1). Otherwise this file skips them
// and says so.
import { describe, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { determinismSuite } from './determinism-shard.ts';

const slow = registry.scenarios().filter((scenario) => registry.isSlow(scenario));
const enabled = process.env.PEERLAB_SLOW === '1' || process.env.PEERLAB_REQUIRE_ALL === '1';

if (enabled) {
  determinismSuite('determinism of slow scenarios', slow);
} else {
  describe('determinism of slow scenarios', () => {
    const reason = `SKIPPED: ${slow.length} slow scenarios (${slow.map((s) => s.name).join(', ')}); set PEERLAB_SLOW=1 to run them`;
    if (slow.length > 0) console.warn(`[peerlab] ${reason}`);
    it.skip(reason, () => {});
  });
}
