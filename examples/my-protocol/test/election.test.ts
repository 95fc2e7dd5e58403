// The election in peerlab's simulator, in this project's own vitest run:
//   - simTest: one test per seed; builds a five-member cluster, cuts the leader off, checks the
//     failover and the return; peerlab runs every seed twice and compares the traces, writes the
//     trace of a failing seed to traces/ and prints the line that reruns only that seed;
//   - a fast-check property over fault schedules drawn by peerlab's swarm generators (link
//     faults, partitions, on-path adversaries): once every fault window has ended, both members
//     agree on the leader again.
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { applyFaults, faultSchedule, seed as seedArb } from 'peerlab/arb';
import { checkSim, simTest } from 'peerlab/test';
import { startCluster } from '../src/cluster.ts';

simTest('leader fails over and comes back', { seeds: '1..10' }, (sim) => {
  const cluster = startCluster(sim, { size: 5, interval_ms: 100, timeout_ms: 350, link: { latency: { kind: 'uniform', min_ms: 5, max_ms: 25 } } });
  sim.partition({ name: 'cut', a: ['n1'], b: ['n2', 'n3', 'n4', 'n5'], from: 3_000, until: 8_000 });
  sim.runUntil(2_900);
  expect(cluster.agreed()).toBe(1);
  sim.runUntil(4_000);
  expect(cluster.agreed(cluster.members.slice(1))).toBe(2);
  expect(cluster.members[0]!.node.leader).toBe(1); // n1 hears nobody: it leads itself
  sim.runUntil(9_000);
  expect(cluster.agreed()).toBe(1);
});

/** When the last fault of a schedule is over (a link change that never heals counts from its start). */
function settledAt(schedule: ReadonlyArray<{ readonly at_ms: number; readonly until_ms?: number }>): number {
  return schedule.reduce((latest, entry) => Math.max(latest, entry.until_ms ?? entry.at_ms), 0);
}

test.prop([faultSchedule(), seedArb()], { numRuns: 15 })('members agree again once the faults are over', async (schedule, seed) => {
  await checkSim('faults', seed, (sim) => {
    const cluster = startCluster(sim, { size: 2, interval_ms: 100, timeout_ms: 1_000 });
    // The swarm's schedules name hosts 'a' and 'b'; here they are n1 and n2.
    applyFaults(sim, schedule, seed, { links: cluster.links, nodes: { a: 'n1', b: 'n2' } });
    sim.runUntil(settledAt(schedule) + 5_000);
    expect(cluster.leaders()).toEqual([1, 1]);
  });
});
