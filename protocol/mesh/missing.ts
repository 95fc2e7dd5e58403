// Plumtree's table of ids heard of but not received: who announced each (fewest hops first,
// so a GRAFT there also makes the shallower tree), when to GRAFT next and how often we did,
// and the origin's backup copy when one came (plumtree.ts). Bounded by missing_max entries
// of at most announcers_max announcers; plumtree.ts decides what to do when one is due.
import type { Millis } from '../core/time.ts';
import type { MeshLimits } from './config.ts';
import type { Neighbour } from './neighbour.ts';
import type { MeshWire, T } from './wire.ts';

type GossipWire = Extract<MeshWire, { t: T.Gossip }>;

export interface Missing {
  readonly id: Uint8Array;
  /** Links that announced it, fewest hops first. */
  readonly announcers: string[];
  readonly announcerHops: number[];
  deadline: Millis;
  attempts: number;
  /** Grafted from the eager link that should have pushed it: a lost push, not a cut tree. */
  fromParent: boolean;
  /** The origin's backup copy (wire.ts `backup`) and the link it came on: used instead of a GRAFT. */
  held: { readonly gossip: GossipWire; readonly from: string } | undefined;
}

export class MissingIds {
  private readonly entries = new Map<string, Missing>();

  constructor(private readonly limits: MeshLimits) {}

  get size(): number {
    return this.entries.size;
  }

  /** Removes and returns the entry for `key` (the id arrived). */
  take(key: string): Missing | undefined {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /**
   * The entry for `key`, made on its first announcement with the deadline `firstDeadline()`
   * gives (called only then: it draws from the node's Rng); undefined when the table is full.
   */
  open(key: string, id: Uint8Array, firstDeadline: () => Millis): Missing | undefined {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (this.entries.size >= this.limits.missing_max) return undefined;
      entry = { id, announcers: [], announcerHops: [], deadline: firstDeadline(), attempts: 0, fromParent: false, held: undefined };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** `from` announced the entry's id `hops` from its origin: a GRAFT target, fewest hops first. */
  announced(entry: Missing, from: Neighbour, hops: number): void {
    if (entry.announcers.length >= this.limits.announcers_max || entry.announcers.includes(from.addrKey)) return;
    let at = entry.announcers.length;
    while (at > entry.attempts && entry.announcerHops[at - 1]! > hops) at--;
    entry.announcers.splice(at, 0, from.addrKey);
    entry.announcerHops.splice(at, 0, hops);
  }

  /** We GRAFT `parent` now (it re-offered a push we lost): first target, retried after graft_retry_ms. */
  graftedParent(now: Millis, entry: Missing, parent: Neighbour): void {
    entry.fromParent = true;
    entry.attempts = 1;
    entry.deadline = now + this.limits.graft_retry_ms;
    entry.announcers.unshift(parent.addrKey);
    entry.announcerHops.unshift(-1);
    if (entry.announcers.length > this.limits.announcers_max) {
      entry.announcers.pop();
      entry.announcerHops.pop();
    }
  }

  nextDeadline(): Millis | undefined {
    let best: Millis | undefined;
    for (const m of this.entries.values()) if (best === undefined || m.deadline < best) best = m.deadline;
    return best;
  }

  /** Every entry with its key (deleting the current one while iterating is allowed). */
  [Symbol.iterator](): IterableIterator<[string, Missing]> {
    return this.entries.entries();
  }
}
