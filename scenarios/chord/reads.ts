// Reads (get) fired at random live nodes for keys whose value the script knows, counted as
// correct only when the value matches; and writes that record what was acknowledged.
import type { ChordEvent } from '../../protocol/chord/events.ts';
import { equalBytes, utf8 } from '../../protocol/core/bytes.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import type { ChordPeer, ChordWorld } from './world.ts';

export interface KeyTruth {
  readonly key: Uint8Array;
  value: Uint8Array | undefined;
}

export interface ReadStats {
  issued: number;
  correct: number;
  wrong: number;
  failed: number;
  /** Issuer crashed before the answer: not counted either way. */
  orphaned: number;
}


/** Sets `count` keys `key-i` = `value-i` from random nodes, one every `every_ms`; returns the truth table. */
export function writeKeys(sim: Simulator, world: ChordWorld, start: number, count: number, every_ms: number, opBase: number): { truth: Map<string, KeyTruth>; acked: () => number } {
  const truth = new Map<string, KeyTruth>();
  let acked = 0;
  const ops = new Set<number>();
  world.onEvent((_p, e) => {
    if (e.type === 'set-result' && ops.delete(e.op)) acked++;
  });
  for (let i = 0; i < count; i++) {
    const key = utf8(`key-${i}`);
    const value = utf8(`value-${i}-${'x'.repeat(i % 40)}`);
    truth.set(`key-${i}`, { key, value });
    sim.at(start + i * every_ms, () => {
      ops.add(opBase + i);
      world.randomLive().handle.command({ type: 'set', op: opBase + i, key, value });
    });
  }
  return { truth, acked: () => acked };
}

/** Fires `count` gets of random known keys from random live nodes. */
export function fireReads(sim: Simulator, world: ChordWorld, truth: ReadonlyMap<string, KeyTruth>, start: number, count: number, every_ms: number, opBase: number): ReadStats {
  const stats: ReadStats = { issued: 0, correct: 0, wrong: 0, failed: 0, orphaned: 0 };
  const keys = [...truth.values()];
  const pending = new Map<number, { truth: KeyTruth; peer: ChordPeer }>();
  world.onEvent((_p, e: ChordEvent) => {
    if (e.type === 'get-result') {
      const p = pending.get(e.op);
      if (!p) return;
      pending.delete(e.op);
      const want = p.truth.value;
      if (e.found && want !== undefined && equalBytes(e.value, want)) stats.correct++;
      else stats.wrong++;
    } else if (e.type === 'error' && e.operation === 'get') {
      const p = pending.get(e.op);
      if (!p) return;
      pending.delete(e.op);
      if (e.code === 'not-found' && p.truth.value === undefined) stats.correct++;
      else stats.failed++;
    }
  });
  for (let i = 0; i < count; i++) {
    sim.at(start + i * every_ms, () => {
      const peer = world.randomLive();
      const t = keys[world.rng.nextInt(0, keys.length - 1)]!;
      pending.set(opBase + i, { truth: t, peer });
      stats.issued++;
      peer.handle.command({ type: 'get', op: opBase + i, key: t.key });
    });
  }
  // Reads whose issuer crashed never answer: count them apart at the end.
  sim.at(start + count * every_ms + 20_000, () => {
    for (const [op, p] of pending) {
      if (p.peer.goneAt !== Infinity) {
        stats.orphaned++;
        pending.delete(op);
      }
    }
  });
  return stats;
}
