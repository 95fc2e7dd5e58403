// Determinism of the heavy scenarios (Scenario.heavy: minutes of wall time, or networks of
// 1,000 peers run outside the trace), which the always-on files leave out: `npm run
// test:heavy` runs this file (vitest.config.ts includes it only with PEERLAB_HEAVY=1).
import { determinismSuite, heavyScenarios } from './determinism-shard.ts';

determinismSuite('determinism of heavy scenarios', heavyScenarios());
