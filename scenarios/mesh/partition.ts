// A healed partition: N sync peers (plain datagrams) are cut into two halves for 60 s. Both
// sides write during the cut, some to the same keys; one broadcast is sent on side A. After
// healing, every live replica must hold the same entries, each conflicting key must hold the
// write the canonical order picks (the earliest lease, docs/sync.md), and side B must get the
// broadcast, all within the stated bound after the heal.
import { atMost, equal } from '../expect.ts';
import type { Scenario } from '../scenario.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import { MeshWorld, perLinkLoss } from './world.ts';
import { nobleCrypto as nobleDigestCrypto } from '../../protocol/core/noble-crypto.ts';
import { fold, compareWrites, type SyncWrite } from '../../protocol/sync/write.ts';
import { fromUtf8, utf8 } from '../../protocol/core/bytes.ts';

export interface PartitionSpec {
  readonly peers: number;
  readonly slow: boolean;
  /**
   * Run the network in an untraced simulator of its own (seeded from the run's seed) and
   * write only the figures to the run's trace: a 1,000-peer trace holds millions of datagrams,
   * which no viewer or determinism check can use.
   */
  readonly untraced: boolean;
}

const cut_ms = 60_000;
/**
 * Convergence bound after the heal: a rejoin probe within rejoin_interval_ms × 1.5 (3 s) and
 * its retries (4 × 1 s), the digest exchange on the new link (1 RTT), then one broadcast
 * across the mesh (≤ 5 s with fetches), with margin: 20 s. Checked every second.
 */
const bound_ms = 20_000;
const conflict_keys = 5;
const writes_per_side = 10;

export function partitionScenario(spec: PartitionSpec): Scenario {
  return {
    name: `mesh/partition-${spec.peers}`,
    description: `${spec.peers} sync peers cut in two halves for 60 s with conflicting writes; replicas converge within ${bound_ms / 1000} s of healing`,
    suites: ['mesh'],
    slow: spec.slow,
    heavy: spec.untraced,
    figures: ['converged_after_ms', 'bound_ms', 'replicas', 'disagreeing', 'conflicts_wrong', 'cut_broadcast_delivery'],
    run(outer, seed) {
      const sim = spec.untraced ? new Simulator({ seed: `${seed}:mesh/partition-${spec.peers}` }) : outer;
      const join_spacing_ms = 20;
      const world = new MeshWorld(sim, {
        peers: spec.peers,
        mode: 'plumtree',
        link_loss: perLinkLoss(0.01),
        latency_min_ms: 10,
        latency_max_ms: 40,
        join_spacing_ms,
        sync: { lease_ms: 3_600_000, ae_interval_ms: 10_000 },
      });
      const rng = sim.rng.fork('partition');
      const cutAt = spec.peers * join_spacing_ms + 15_000;
      const healAt = cutAt + cut_ms;
      const sideA = world.peers.filter((p) => p.index % 2 === 0);
      const sideB = world.peers.filter((p) => p.index % 2 === 1);
      const all: SyncWrite[] = [];
      const writer = (side: typeof sideA, key: string, value: string, at: number): void => {
        sim.at(at, () => {
          const p = side[rng.nextInt(0, side.length - 1)]!;
          const before = p.sync!.replica.head(utf8(key));
          p.handle.command({ type: 'sync-set', key, value });
          const after = p.sync!.replica.head(utf8(key));
          if (after && after !== before) all.push(after);
        });
      };
      // Before the cut: shared keys everyone knows.
      for (let i = 0; i < 5; i++) writer(world.peers, `before-${i}`, `v${i}`, cutAt - 10_000 + i * 100);
      sim.partition({ name: 'halves', a: sideA.map((p) => p.name), b: sideB.map((p) => p.name), from: cutAt, until: healAt });
      for (let i = 0; i < writes_per_side; i++) {
        writer(sideA, `a-${i}`, `a${i}`, cutAt + 5_000 + i * 1_000);
        writer(sideB, `b-${i}`, `b${i}`, cutAt + 5_500 + i * 1_000);
      }
      // Conflicts: the same keys on both sides, B first for odd keys, A first for even ones.
      for (let k = 0; k < conflict_keys; k++) {
        const first = k % 2 === 0 ? sideA : sideB;
        const second = k % 2 === 0 ? sideB : sideA;
        writer(first, `conflict-${k}`, `first-${k}`, cutAt + 20_000 + k * 2_000);
        writer(second, `conflict-${k}`, `second-${k}`, cutAt + 21_000 + k * 2_000);
      }
      let cutId = '';
      sim.at(cutAt + 30_000, () => {
        const sender = sideA[0]!;
        sender.handle.command({ type: 'send', packets: ['sent during the cut'], msg_type: 'chat' });
        cutId = sender.lastSentId ?? '';
      });
      const snapshot = (): string[] => world.live().map((p) => p.sync!.replica.digest(nobleDigestCrypto).join(','));
      let convergedAt = -1;
      for (let t = healAt; t <= healAt + bound_ms; t += 1_000) {
        sim.at(t, () => {
          if (convergedAt >= 0) return;
          const digests = new Set(snapshot());
          if (digests.size === 1) convergedAt = sim.now;
        });
      }
      sim.runUntil(healAt + bound_ms + 1_000);
      const digests = snapshot();
      const majority = mode(digests);
      // The expected winner of each conflict: the canonical fold over every write made.
      let wrong = 0;
      for (let k = 0; k < conflict_keys; k++) {
        const key = `conflict-${k}`;
        const writes = all.filter((w) => fromUtf8(w.key) === key).sort(compareWrites);
        const winner = fold(writes);
        for (const p of world.live()) {
          const v = p.sync!.getText(key);
          if (winner === undefined || v !== fromUtf8(winner.value ?? new Uint8Array(0))) wrong++;
        }
      }
      const receipts = world.log.got.get(cutId);
      const sideBGot = sideB.filter((p) => receipts?.has(p.name)).length;
      const outcome = {
        converged_after_ms: convergedAt < 0 ? -1 : convergedAt - healAt,
        bound_ms,
        replicas: digests.length,
        disagreeing: digests.filter((d) => d !== majority).length,
        conflicts_wrong: wrong,
        cut_broadcast_delivery: Number((sideBGot / sideB.length).toFixed(4)),
        writes: all.length,
      };
      if (spec.untraced) outer.log('info', `untraced ${spec.peers}-peer run: ${JSON.stringify(outcome)}`);
      return outcome;
    },
    expectations: [
      { name: `converged within ${bound_ms} ms of the heal`, check: (o) => ((o['converged_after_ms'] as number) >= 0 && (o['converged_after_ms'] as number) <= bound_ms ? true : `converged_after_ms is ${o['converged_after_ms']}`) },
      equal('disagreeing', 0),
      equal('conflicts_wrong', 0),
      equal('cut_broadcast_delivery', 1),
      equal('writes', 5 + 2 * writes_per_side + 2 * conflict_keys),
      atMost('converged_after_ms', bound_ms),
    ],
  };
}


function mode(values: string[]): string {
  const counts = new Map<string, number>();
  let best = '';
  let bestCount = 0;
  for (const v of values) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}
