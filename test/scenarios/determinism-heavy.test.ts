// Determinism of the heavy scenarios (Scenario.heavy: minutes of wall time, or networks of
// 1,000 peers run outside the trace), which the always-on files leave out. They run with
// PEERLAB_HEAVY=1 and always in CI (PEERLAB_REQUIRE_ALL=1); otherwise this file says which
// it skipped.
import { describe, it } from 'vitest';
import { determinismSuite, heavyScenarios } from './determinism-shard.ts';

const heavy = heavyScenarios();
const enabled = process.env.PEERLAB_HEAVY === '1' || process.env.PEERLAB_REQUIRE_ALL === '1';

if (enabled) {
  determinismSuite('determinism of heavy scenarios', heavy);
} else {
  describe('determinism of heavy scenarios', () => {
    const reason = `SKIPPED: ${heavy.length} heavy scenarios (${heavy.map((s) => s.name).join(', ')}); set PEERLAB_HEAVY=1 to run them`;
    if (heavy.length > 0) console.warn(`[peerlab] ${reason}`);
    it.skip(reason, () => {});
  });
}
