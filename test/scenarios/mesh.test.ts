// The fast scenarios of the `mesh` suite hold on several seeds (tracing off): protocol
// mismatch, leases, churn at 100 peers and a secure 12-peer mesh. The 100-peer partition and
// the 1,000-peer runs are in mesh-slow.test.ts / the CLI (`peerlab run mesh --seeds 1..20`).
import { describe } from 'vitest';
import { passesOnSeeds as passes } from './scenario-seeds.ts';


describe('mesh suite', () => {
  passes('mesh/protocol-mismatch-id', [1, 2, 3]);
  passes('mesh/protocol-mismatch-version', [1, 2]);
  passes('mesh/lease', [1, 2]);
  // Seed 13: a peer whose two links both died was left with an empty passive view and missed
  // the last broadcasts, because shuffle answers went to the walk's last hop, not the origin.
  passes('mesh/churn-100', [1, 2, 13]);
  passes('mesh/secure-12', [1]);
});
