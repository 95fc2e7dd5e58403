// r-way replication of one Chord node's keys: a primary (key in (predecessor, n]) re-pushes
// its keys to its r-1 successors every replicate_ms; a copy no primary refreshes for half of
// replica_ttl_ms is handed to successor(key) as the ring sees it then (a write that reached the
// wrong node during churn finds its home), and one unrefreshed for replica_ttl_ms expires
// (store.ts). A new predecessor is handed the keys of its range; a graceful leave pushes every
// primary key to the successor. The replicate timer runs only while the store holds anything,
// so an empty node costs no wake-ups.
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { TimerTable } from '../core/timers.ts';
import type { ChordNode } from './chord-node.ts';
import { inHalfOpen } from './id.ts';
import type { ChordTimer } from './maintenance.ts';
import { T, type Item, type NodeRef } from './wire.ts';

/** Unrefreshed replicas handed back to their primary per replicate period (a bound on lookups). */
const rehome_per_period_max = 32;
/** Bytes of a REPLICATE before its items: header (12) and the item count. */
const replicate_header_bytes = 13;

export class Replication {
  constructor(
    private readonly node: ChordNode,
    private readonly timers: TimerTable<ChordTimer>,
  ) {}

  /** The store gained an entry: make sure the replicate timer runs. */
  arm(now: Millis): void {
    if (this.node.joined && !this.timers.has('replicate')) this.timers.set('replicate', this.node.jittered(now, this.node.limits.replicate_ms));
  }

  stop(): void {
    this.timers.clear('replicate');
  }

  /** Re-replication: every key this node is primary for goes to its r-1 successors. */
  onTimer(now: Millis): void {
    const node = this.node;
    const limits = node.limits;
    node.store.expire(now, (id) => node.routing.isPrimary(id), limits.replica_ttl_ms, limits.tombstone_ttl_ms);
    if (node.store.size > 0) this.timers.set('replicate', node.jittered(now, limits.replicate_ms));
    const items: Item[] = [];
    let rehome = 0;
    for (const entry of node.store.values()) {
      if (node.routing.isPrimary(entry.keyId)) items.push(node.store.toItem(entry));
      else if (entry.value !== undefined && now >= entry.refreshedAt + limits.replica_ttl_ms / 2 && rehome < rehome_per_period_max) {
        // No primary refreshes this copy (a write reached the wrong node during churn, or the
        // primary lost it): before it expires, hand it to successor(key) as the ring sees it now.
        rehome++;
        const item = node.store.toItem(entry);
        node.lookup(
          now,
          entry.keyId,
          (_at, result) => {
            const home = result.nodes[0];
            if (home !== undefined && home.id !== node.self.id) this.push(home.addr, [item]);
          },
          () => undefined,
        );
      }
    }
    if (items.length === 0) return;
    for (const succ of node.routing.successors.slice(0, limits.successors - 1)) this.push(succ.addr, items);
  }

  /** Sends items in REPLICATE datagrams, as many per datagram as fit. */
  push(to: Addr, items: readonly Item[]): void {
    const node = this.node;
    let batch: Item[] = [];
    let size = replicate_header_bytes;
    const flush = (): void => {
      if (batch.length === 0) return;
      node.send(to, { t: T.Replicate, rid: 0, items: batch }, 'data');
      node.counters.replicated_items += batch.length;
      batch = [];
      size = replicate_header_bytes;
    };
    for (const item of items) {
      const bytes = 1 + 4 + 2 + item.key.byteLength + (item.value ? 2 + item.value.byteLength : 0);
      if (size + bytes > node.limits.datagram_bytes_max || batch.length >= 64) flush();
      batch.push(item);
      size += bytes;
    }
    flush();
  }

  /** Copies pushed to us (replication, refresh, hand-over): the higher version wins. */
  onReplicate(now: Millis, items: readonly Item[]): void {
    const node = this.node;
    for (const item of items) {
      if (node.store.apply(now, item, node.keyId(item.key)) === 'full') node.counters.drops['store-full']++;
    }
    if (items.length > 0) this.arm(now);
  }

  /** Hand-over to a new predecessor `n`: keys now in its range go to it (we keep a replica). */
  handOver(n: NodeRef, old: NodeRef | undefined): void {
    const node = this.node;
    const items: Item[] = [];
    for (const entry of node.store.values()) {
      if (inHalfOpen(entry.keyId, n.id, node.self.id)) continue;
      if (old === undefined || inHalfOpen(entry.keyId, old.id, n.id)) items.push(node.store.toItem(entry));
    }
    if (items.length > 0) this.push(n.addr, items);
  }

  /** Graceful leave: every key this node is primary for, for its successor. */
  primaryItems(): Item[] {
    const node = this.node;
    const items: Item[] = [];
    for (const entry of node.store.values()) if (node.routing.isPrimary(entry.keyId)) items.push(node.store.toItem(entry));
    return items;
  }
}
