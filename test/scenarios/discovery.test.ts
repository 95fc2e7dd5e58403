// The `discovery` suite holds on several seeds (tracing off). The full check is
// `peerlab run discovery --seeds 1..20` (CI runs it through the CLI).
import { describe } from 'vitest';
import { passesOnSeeds as passes } from './scenario-seeds.ts';


describe('discovery suite', () => {
  passes('discovery/mdns-20-lossy', [1, 2]);
  passes('discovery/nat-boundary', [1, 2, 3]);
  passes('discovery/invisible', [1, 2, 3]);
  passes('discovery/leave-goodbye', [1, 2]);
  passes('discovery/leave-crash', [1]);
  passes('discovery/name-conflict', [1, 2, 3]);
});
