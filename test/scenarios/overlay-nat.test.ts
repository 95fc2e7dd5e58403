// The small behind-NAT scenarios of the mesh and chord suites (protocol/overlay: rendezvous,
// punching, relay, Noise sessions on one port) hold beyond the determinism seed. The 50-peer
// mesh and 100-node ring are heavy (determinism-heavy.test.ts, `peerlab run`).
import { describe } from 'vitest';
import { passesOnSeeds as passes } from './scenario-seeds.ts';

describe('overlays behind NATs', () => {
  passes('mesh/nat-8', [1, 2]);
  passes('chord/nat-10', [1, 2]);
});
