// The consistency checker: walks the live ring in id order and compares what every node
// believes (successor, successor list, predecessor, fingers, stored keys) with the truth the
// simulation knows. Used by the suite's expectations and the property tests.
import { equalBytes } from '../../protocol/core/bytes.ts';
import { fingerStart, inHalfOpen, type ChordId } from '../../protocol/chord/id.ts';
import type { ChordNode } from '../../protocol/chord/chord-node.ts';

export interface RingReport {
  readonly nodes: number;
  /** Nodes whose first successor is not the next live node. */
  readonly wrong_successor: number;
  /** Nodes whose successor list differs from the next min(r, N-1) live nodes. */
  readonly wrong_successor_list: number;
  readonly wrong_predecessor: number;
  /** Finger entries (i >= 1) that are set and not successor(n + 2^i). */
  readonly wrong_fingers: number;
  /** Finger entries that are unset. */
  readonly missing_fingers: number;
}

/** The live node responsible for `id` (successor(id)) in a sorted id list. */
export function successorOf(sorted: readonly ChordId[], id: ChordId): number {
  for (let i = 0; i < sorted.length; i++) if (sorted[i]! >= id) return i;
  return 0;
}

export function checkRing(nodes: readonly ChordNode[]): RingReport {
  const sorted = [...nodes].sort((a, b) => (a.self.id < b.self.id ? -1 : a.self.id > b.self.id ? 1 : 0));
  const ids = sorted.map((n) => n.self.id);
  const n = sorted.length;
  let wrongSucc = 0;
  let wrongList = 0;
  let wrongPred = 0;
  let wrongFingers = 0;
  let missingFingers = 0;
  sorted.forEach((node, i) => {
    const succ = n === 1 ? node.self.id : ids[(i + 1) % n]!;
    if (node.routing.successor.id !== succ) wrongSucc++;
    const want = Math.min(node.limits.successors, n - 1);
    const list = node.routing.successors.map((s) => s.id);
    let ok = list.length === want;
    for (let k = 0; ok && k < want; k++) if (list[k] !== ids[(i + 1 + k) % n]) ok = false;
    if (!ok) wrongList++;
    const pred = n === 1 ? undefined : ids[(i - 1 + n) % n];
    if (node.routing.predecessor?.id !== pred) wrongPred++;
    for (let f = 1; f < node.m_bits; f++) {
      const entry = node.routing.fingers[f];
      const truth = ids[successorOf(ids, fingerStart(node.self.id, f, node.m_bits))]!;
      if (entry === undefined) {
        if (truth !== node.self.id) missingFingers++;
      } else if (entry.id !== truth) wrongFingers++;
    }
  });
  return { nodes: n, wrong_successor: wrongSucc, wrong_successor_list: wrongList, wrong_predecessor: wrongPred, wrong_fingers: wrongFingers, missing_fingers: missingFingers };
}

export interface KeyReport {
  readonly keys: number;
  /** Keys with fewer than min(r, N) live copies of the expected value on their r successors. */
  readonly under_replicated: number;
  /** Keys no live node holds with the expected value (lost). */
  readonly lost: number;
}

/** Every key (`expected`: value, or undefined when deleted) lives on its r successors. */
export function checkKeys(nodes: readonly ChordNode[], expected: ReadonlyMap<string, { key: Uint8Array; value: Uint8Array | undefined }>): KeyReport {
  const sorted = [...nodes].sort((a, b) => (a.self.id < b.self.id ? -1 : a.self.id > b.self.id ? 1 : 0));
  const ids = sorted.map((x) => x.self.id);
  let under = 0;
  let lost = 0;
  for (const { key, value } of expected.values()) {
    if (sorted.length === 0) break;
    const r = Math.min(sorted[0]!.limits.successors, sorted.length);
    const id = sorted[0]!.keyId(key);
    const first = successorOf(ids, id);
    let copies = 0;
    for (let k = 0; k < r; k++) {
      const holder = sorted[(first + k) % sorted.length]!;
      const entry = holder.store.get(key);
      if (value === undefined ? entry === undefined || entry.value === undefined : entry?.value !== undefined && equalBytes(entry.value, value)) copies++;
    }
    if (copies < r) under++;
    if (value !== undefined && !sorted.some((x) => { const e = x.store.get(key); return e?.value !== undefined && equalBytes(e.value, value); })) lost++;
  }
  return { keys: expected.size, under_replicated: under, lost };
}

export { inHalfOpen };
