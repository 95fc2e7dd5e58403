// The fast scenarios of the `chord` suite hold on several seeds (tracing off): py2p's dict API
// and typed errors, protocol identity on both sides, graceful hand-over with r = 1, and the
// paper's path length at N = 64 and 128. The larger runs (N >= 256, 50% failures, churn) are
// `peerlab run chord --seeds 1..10` and `peerlab run chord-large` (minutes).
import { describe } from 'vitest';
import { passesOnSeeds as passes } from './scenario-seeds.ts';


describe('chord suite', () => {
  passes('chord/dict', [1, 2, 3]);
  passes('chord/mismatch', [1, 2]);
  passes('chord/leave-handover', [1, 2, 3]);
  passes('chord/path-length-64', [1, 2]);
  passes('chord/path-length-128', [1]);
});
