// Shared script pieces of the chord suite: form a ring, fire random lookups and reads from
// random live nodes, and collect their results (hops, correctness) for the outcome.
import type { ChordEvent } from '../../protocol/chord/events.ts';
import { ringSize } from '../../protocol/chord/id.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import { successorOf } from './checker.ts';
import type { ChordPeer, ChordWorld } from './world.ts';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A random id on the ring from the script's Rng. */
export function randomId(world: ChordWorld): bigint {
  const m = world.options.m_bits;
  let v = 0n;
  for (let bits = 0; bits < m; bits += 32) v = (v << 32n) | BigInt(world.rng.nextUint32());
  return v % ringSize(m);
}

export interface LookupStats {
  issued: number;
  answered: number;
  correct: number;
  failed: number;
  hops: number[];
  timeouts: number;
}

/**
 * Fires `count` lookups for random ids, one every `every_ms` from `start`, each from a random
 * live joined node. A lookup is correct when it names the live node that is successor(id) at
 * the moment the answer arrives.
 */
export function fireLookups(sim: Simulator, world: ChordWorld, start: number, count: number, every_ms: number): LookupStats {
  const stats: LookupStats = { issued: 0, answered: 0, correct: 0, failed: 0, hops: [], timeouts: 0 };
  const targets = new Map<number, { target: bigint }>();
  // Op numbers of this batch: distinct from other batches fired at other start times.
  const opBase = 1_000_000 + Math.floor(start);
  world.onEvent((_peer: ChordPeer, event: ChordEvent) => {
    if (event.type === 'lookup-result') {
      const t = targets.get(event.op);
      if (!t) return;
      targets.delete(event.op);
      stats.answered++;
      stats.hops.push(event.hops);
      stats.timeouts += event.timeouts;
      const live = world.live().filter((p) => p.node.joined).map((p) => p.node.self.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const truth = live[successorOf(live, t.target)];
      const named = BigInt(`0x${event.successor.id}`);
      if (named === truth) stats.correct++;
    } else if (event.type === 'error' && event.operation === 'lookup' && targets.has(event.op)) {
      targets.delete(event.op);
      stats.failed++;
    }
  });
  for (let i = 0; i < count; i++) {
    sim.at(start + i * every_ms, () => {
      const peer = world.randomLive();
      const target = randomId(world);
      const op = opBase + i;
      targets.set(op, { target });
      stats.issued++;
      peer.handle.command({ type: 'lookup', op, id: target });
    });
  }
  return stats;
}
