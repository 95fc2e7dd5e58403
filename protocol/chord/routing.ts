// The routing state of one Chord node: predecessor, successor list (length r) and finger
// table (m entries, finger i = successor(n + 2^i)). All bounded by construction (m and r are
// fixed). It answers "who is the closest node preceding a target" from both the fingers and
// the successor list (ToN 2003), best first, so a failed hop can be retried via the next best.
import { addrEquals } from '../core/addr.ts';
import { distance, fingerStart, inHalfOpen, inOpen, type ChordId } from './id.ts';
import type { NodeRef } from './wire.ts';

export class RoutingTable {
  predecessor: NodeRef | undefined;
  private successorList: NodeRef[] = [];
  readonly fingers: Array<NodeRef | undefined>;
  /** n + 2^i for every i, computed once (bigint arithmetic allocates). */
  private readonly starts: ChordId[];

  constructor(
    readonly self: NodeRef,
    readonly m_bits: number,
    readonly successors_max: number,
    readonly route_via_successors = true,
  ) {
    this.fingers = new Array<NodeRef | undefined>(m_bits).fill(undefined);
    this.starts = Array.from({ length: m_bits }, (_, i) => fingerStart(self.id, i, m_bits));
  }

  /** The first successor, or self when the node is alone. */
  get successor(): NodeRef {
    return this.successorList[0] ?? this.self;
  }

  get successors(): readonly NodeRef[] {
    return this.successorList;
  }

  /** The successor list with self at the end when it is not full (what we tell others). */
  successorsForReply(count: number): NodeRef[] {
    const out = this.successorList.slice(0, count);
    if (out.length === 0) out.push(this.self);
    return out;
  }

  /**
   * Replaces the successor list (deduplicated, self removed, cut to r, clockwise order kept).
   * A ref equal to one already held (same id and address) keeps the held object: a calm ring
   * re-learns the same r successors at every stabilize, and keeping the old objects lets the
   * decoded copies die young instead of piling up as old-generation garbage (at N = 4,096 the
   * collector's share of the steady state grew with the heap). Dedup is a scan: r <= 32.
   */
  setSuccessors(list: readonly NodeRef[]): void {
    const old = this.successorList;
    const out: NodeRef[] = [];
    for (const ref of list) {
      if (ref.id === this.self.id) continue;
      let dup = false;
      for (let k = 0; k < out.length; k++) if (out[k]!.id === ref.id) dup = true;
      if (dup) continue;
      let held = ref;
      for (let k = 0; k < old.length; k++) {
        const o = old[k]!;
        if (o.id === ref.id && o !== ref && addrEquals(o.addr, ref.addr)) {
          held = o;
          break;
        }
      }
      out.push(held);
      if (out.length >= this.successors_max) break;
    }
    this.successorList = out;
    if (out[0]) this.fingers[0] = out[0];
  }

  /** Forgets a node everywhere (it failed to answer). Returns true when it was the successor. */
  remove(id: ChordId): boolean {
    const wasSuccessor = this.successorList[0]?.id === id;
    this.successorList = this.successorList.filter((r) => r.id !== id);
    for (let i = 0; i < this.fingers.length; i++) if (this.fingers[i]?.id === id) this.fingers[i] = undefined;
    if (this.predecessor?.id === id) this.predecessor = undefined;
    if (this.successorList.length === 0) {
      // Fall back to the closest finger we still have, so one failure never isolates us.
      const next = this.closestFollowing();
      if (next) this.successorList = [next];
    }
    if (this.successorList[0]) this.fingers[0] = this.successorList[0];
    return wasSuccessor;
  }

  /** Forgets a node in the finger table only (a lookup hop timed out; stabilize owns the successor list). */
  forgetFinger(id: ChordId): void {
    for (let i = 1; i < this.fingers.length; i++) if (this.fingers[i]?.id === id) this.fingers[i] = undefined;
  }

  private closestFollowing(): NodeRef | undefined {
    let best: NodeRef | undefined;
    for (const f of this.fingers) {
      if (!f || f.id === this.self.id) continue;
      if (!best || distance(this.self.id, f.id, this.m_bits) < distance(this.self.id, best.id, this.m_bits)) best = f;
    }
    return best;
  }

  /** Is `id` in (self, successor]: this node can answer a lookup for it at once. */
  successorOwns(id: ChordId): boolean {
    return this.successorList.length === 0 || inHalfOpen(id, this.self.id, this.successor.id);
  }

  /** Is this node the primary for `id` (id in (predecessor, self]); true when it knows no predecessor. */
  isPrimary(id: ChordId): boolean {
    return this.predecessor === undefined || inHalfOpen(id, this.predecessor.id, this.self.id);
  }

  /**
   * Known nodes strictly between self and `target`, closest to the target first (the paper's
   * closest_preceding_node, extended to a ranked list over fingers and successors). Every
   * candidate lies in (self, target), so "closer to the target" is "farther from self", a
   * comparison of ids that allocates nothing; the ranked list is built by insertion, cut at
   * `count` (fingers are nearly sorted already: the last finger is the farthest).
   */
  closestPreceding(target: ChordId, count: number, exclude?: ReadonlySet<bigint>): NodeRef[] {
    const found: NodeRef[] = [];
    if (count <= 0) return found;
    for (let i = this.fingers.length - 1; i >= 0; i--) {
      const ref = this.fingers[i];
      if (ref !== undefined && (found.length === 0 || found[found.length - 1] !== ref)) this.rank(found, ref, target, count, 0, exclude);
    }
    // Fingers only for the best hops (the paper's routing): successors rank after every finger.
    const floor = this.route_via_successors ? 0 : found.length;
    for (const ref of this.successorList) this.rank(found, ref, target, count, floor, exclude);
    return found;
  }

  /** Inserts `ref` into `found` (ranked, at index >= floor) when it qualifies, keeping at most `count`. */
  private rank(found: NodeRef[], ref: NodeRef, target: ChordId, count: number, floor: number, exclude: ReadonlySet<bigint> | undefined): void {
    const self = this.self.id;
    const id = ref.id;
    if (id === self || !inOpen(id, self, target) || exclude?.has(id)) return;
    for (let k = 0; k < found.length; k++) if (found[k]!.id === id) return;
    // Position: after every entry farther from self (closer to the target) than ref.
    let at = found.length;
    while (at > floor && inOpen(found[at - 1]!.id, self, id)) at--;
    if (at >= count) return;
    found.splice(at, 0, ref);
    if (found.length > count) found.length = count;
  }

  /** The start of finger i: n + 2^i mod 2^m. */
  fingerStart(i: number): ChordId {
    return this.starts[i]!;
  }

  /** Sets finger i and every later finger whose start also falls in (self, node]. Returns the next index to fix. */
  setFinger(i: number, node: NodeRef): number {
    let j = i;
    while (j < this.m_bits && (j === i || inHalfOpen(this.starts[j]!, this.self.id, node.id))) {
      this.fingers[j] = node.id === this.self.id ? undefined : node;
      j++;
    }
    return j % this.m_bits;
  }

  /** Distinct nodes we know (fingers, successors, predecessor): for the viewer and tests. */
  known(): NodeRef[] {
    const map = new Map<bigint, NodeRef>();
    for (const f of this.fingers) if (f) map.set(f.id, f);
    for (const s of this.successorList) map.set(s.id, s);
    if (this.predecessor) map.set(this.predecessor.id, this.predecessor);
    return [...map.values()];
  }
}
