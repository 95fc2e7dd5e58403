// Scenarios for the heartbeat election, run by peerlab's CLI next to its own:
//   peerlab run --scenarios 'scenarios/*.ts' --seeds 1..20 --junit out.xml
// heartbeat/failover: five members over 10-30 ms links with 1% loss; the leader (n1) is cut
// off from the rest at 5 s for 10 s: the others must agree on n2 within the timeout plus a
// few intervals, and everyone must follow n1 again soon after the partition heals.
// heartbeat/lossy: three members at 20% loss each way: the leader must not flap.
import { atLeast, atMost, defineScenario, equal } from 'peerlab/scenario';
import { startCluster } from '../src/cluster.ts';

const INTERVAL_MS = 100;
const TIMEOUT_MS = 350;
const CUT_AT_MS = 5_000;
const HEAL_AT_MS = 15_000;

export const failover = defineScenario({
  name: 'heartbeat/failover',
  description: 'the leader is partitioned away for 10 s: the rest elect n2, then n1 again',
  suites: ['heartbeat'],
  figures: ['before', 'failover_ms', 'during', 'recover_ms', 'after', 'drops'],
  run(sim) {
    const cluster = startCluster(sim, {
      size: 5,
      interval_ms: INTERVAL_MS,
      timeout_ms: TIMEOUT_MS,
      link: { latency: { kind: 'uniform', min_ms: 10, max_ms: 30 }, loss: { kind: 'bernoulli', p: 0.01 } },
    });
    const rest = cluster.members.slice(1);
    sim.partition({ name: 'cut-leader', a: ['n1'], b: rest.map((m) => m.name), from: CUT_AT_MS, until: HEAL_AT_MS });
    sim.runUntil(CUT_AT_MS);
    const before = cluster.agreed() ?? -1;
    // Step in small slices to time the failover and the recovery.
    let failover_ms = Number.NaN;
    while (sim.now < HEAL_AT_MS) {
      sim.runFor(10);
      if (Number.isNaN(failover_ms) && cluster.agreed(rest) === 2) failover_ms = sim.now - CUT_AT_MS;
    }
    const during = cluster.agreed(rest) ?? -1;
    let recover_ms = Number.NaN;
    while (sim.now < HEAL_AT_MS + 5_000) {
      sim.runFor(10);
      if (Number.isNaN(recover_ms) && cluster.agreed() === 1) recover_ms = sim.now - HEAL_AT_MS;
    }
    return {
      before,
      failover_ms,
      during,
      recover_ms,
      after: cluster.agreed() ?? -1,
      drops: cluster.members.reduce((sum, m) => sum + m.node.drops.decode + m.node.drops['id-mismatch'] + m.node.drops.stranger, 0),
    };
  },
  expectations: [
    equal('before', 1),
    equal('during', 2),
    atMost('failover_ms', TIMEOUT_MS + 3 * INTERVAL_MS),
    atMost('recover_ms', 3 * INTERVAL_MS),
    equal('after', 1),
    equal('drops', 0),
  ],
});

export const lossy = defineScenario({
  name: 'heartbeat/lossy',
  description: 'three members at 20% loss: the leader holds (few or no spurious elections)',
  suites: ['heartbeat'],
  figures: ['after', 'elections', 'heartbeats'],
  run(sim) {
    const cluster = startCluster(sim, {
      size: 3,
      interval_ms: INTERVAL_MS,
      timeout_ms: 10 * INTERVAL_MS,
      link: { latency: { kind: 'fixed', ms: 15 }, loss: { kind: 'bernoulli', p: 0.2 } },
    });
    sim.runUntil(30_000);
    const elections = cluster.members.reduce((sum, m) => sum + m.handle.events.filter((e) => e.type === 'leader').length, 0);
    return { after: cluster.agreed() ?? -1, elections, heartbeats: cluster.members.reduce((sum, m) => sum + m.node.heartbeats_sent, 0) };
  },
  expectations: [equal('after', 1), atMost('elections', 5), atLeast('heartbeats', 1_500)],
});
