// Seeds on which the swarm found real bugs, kept as regression tests: each failed before its
// fix and must keep passing. Reproduce one with the line in its name.
import { describe, expect, it } from 'vitest';
import { runSwarm } from '../../runtime-node/cli/commands/swarm.ts';
import { describeFailure } from '../../swarm/batch.ts';
import type { SwarmProtocol } from '../../swarm/plan.ts';

const found: ReadonlyArray<readonly [SwarmProtocol, number, string]> = [
  // A genuine probe-ack replayed from a stranger's address made the stranger b's first path
  // (an identity violation); a probe-ack now counts only from the address the probe went to.
  ['peer', 2149, 'probe-ack from a stranger address is not a path'],
  // An attacker replayed a client's own probe with the client's address as source.
  ['punch', 33, 'a reflected probe does not make a client its own path'],
  ['peer', 23, 'a reflected probe does not make a peer its own path'],
];

describe('swarm regressions', () => {
  for (const [protocol, seed, what] of found) {
    it(`${what} (npx peerlab swarm --protocol ${protocol} --seeds ${seed}..${seed})`, async () => {
      const figures = await runSwarm({ protocol, seeds: [seed], workers: 1 });
      expect(figures.failures, figures.failures.map(describeFailure).join('\n')).toEqual([]);
      expect(figures.runs).toBe(1);
    });
  }
});
