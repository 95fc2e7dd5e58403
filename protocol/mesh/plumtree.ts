// Dissemination: Plumtree (Leitão et al., SRDS 2007) over the active view, or plain flooding
// for comparison. Payloads travel on eager links (a spanning tree that forms itself: a
// duplicate PRUNEs its link to lazy); lazy links carry IHAVE ids; a missing id GRAFTs an
// announcer after a jittered graft timeout, which fetches the payload (and, when fetches
// repeat, repairs the tree). Plumtree assumes reliable links; over plain lossy datagrams an
// eager payload is acknowledged hop by hop and retransmitted (eager_acks), else every loss
// high in the tree would cut a whole subtree off the push path. Every id, payload and
// announcement lives in a bounded, time-limited cache.
import type { Millis } from '../core/time.ts';
import type { DisseminationMode, MeshLimits } from './config.ts';
import { ExpiringMap } from './expiring-set.ts';
import type { Neighbour } from './neighbour.ts';
import { hex, T, type Announcement, type MeshWire } from './wire.ts';

export type GossipWire = Extract<MeshWire, { t: T.Gossip }>;

interface Missing {
  readonly id: Uint8Array;
  readonly announcers: string[];
  deadline: Millis;
  attempts: number;
}

interface Unacked {
  readonly to: Neighbour;
  readonly gossip: GossipWire;
  deadline: Millis;
  tries: number;
}

/** What Plumtree needs from the node around it. */
export interface PlumtreeHost {
  send(to: Neighbour, wire: MeshWire): void;
  /** First arrival of a payload: hand it to the application. */
  deliver(gossip: GossipWire, from: Neighbour | undefined): void;
  neighbours(): Iterable<Neighbour>;
  neighbour(addrKey: string): Neighbour | undefined;
  debug(what: 'graft' | 'prune', peer: string): void;
  dropped(reason: 'missing-full' | 'duplicate'): void;
  /** Uniform in [0, 1) from the node's Rng. */
  random(): number;
}

/** Ids per IHAVE/GRAFT/ACK datagram, so each fits the 1,200-byte budget. */
const ids_per_message = 60;

export class Plumtree {
  readonly seen: ExpiringMap<true>;
  readonly store: ExpiringMap<GossipWire>;
  private readonly missing = new Map<string, Missing>();
  private readonly unacked = new Map<string, Unacked>();
  private readonly lazyQueue = new Map<Neighbour, Announcement[]>();
  private readonly ackQueue = new Map<Neighbour, Uint8Array[]>();
  private readonly fetched: ExpiringMap<true>;
  /** Who pushed each recent first delivery, and how many hops it had travelled. */
  private readonly arrivals: ExpiringMap<{ readonly from: Neighbour; readonly hops: number }>;
  readonly counters = {
    swaps: 0,
    payloads_received: 0,
    payloads_sent: 0,
    duplicates: 0,
    dup_after_fetch: 0,
    dup_retx: 0,
    dup_eager: 0,
    dup_lazy: 0,
    grafts_sent: 0,
    repairs_sent: 0,
    prunes_sent: 0,
    ihaves_sent: 0,
    retransmits: 0,
    delivered: 0,
  };
  /**
   * First deliveries in a row that needed a GRAFT and were never followed by a late copy
   * over an eager link. One miss is usually a loss on a live tree edge: fetch it without
   * changing the tree (else every loss adds a cycle that costs a duplicate to prune). Two in
   * a row (repair_streak) mean the tree is cut here: the next GRAFT repairs it.
   */
  private fetchStreak = 0;
  private now: Millis = 0;

  constructor(
    private readonly mode: DisseminationMode,
    private readonly limits: MeshLimits,
    private readonly host: PlumtreeHost,
  ) {
    this.seen = new ExpiringMap(limits.seen_ttl_ms, limits.seen_max);
    this.store = new ExpiringMap(limits.store_ttl_ms, limits.store_max);
    this.fetched = new ExpiringMap(limits.seen_ttl_ms, limits.missing_max);
    this.arrivals = new ExpiringMap(limits.graft_timeout_ms * 20, limits.missing_max);
  }

  /** We originate a broadcast. */
  originate(now: Millis, gossip: GossipWire): void {
    this.now = now;
    const key = hex(gossip.id);
    this.seen.set(now, key, true);
    this.store.set(now, key, gossip);
    this.forward(gossip, undefined);
  }

  onGossip(now: Millis, from: Neighbour, gossip: GossipWire): void {
    this.now = now;
    this.counters.payloads_received++;
    if (this.limits.eager_acks) this.queue(this.ackQueue, from, gossip.id);
    const key = hex(gossip.id);
    if (this.seen.has(key)) {
      this.counters.duplicates++;
      this.host.dropped('duplicate');
      if (gossip.retx) {
        this.counters.dup_retx++; // our ACK was lost: not a cycle
      } else if (this.fetched.has(key)) {
        this.counters.dup_after_fetch++;
        // The tree still reaches us (the copy was only late or lost upstream): no repair due.
        if (from.eager) this.fetchStreak = 0;
      } else if (from.eager || this.mode === 'flood') {
        this.counters.dup_eager++;
        if (this.mode === 'plumtree') {
          from.eager = false;
          this.counters.prunes_sent++;
          this.host.send(from, { t: T.Prune });
          this.host.debug('prune', from.id);
        }
      } else {
        this.counters.dup_lazy++;
      }
      return;
    }
    this.seen.set(now, key, true);
    this.store.set(now, key, gossip);
    const wanted = this.missing.get(key);
    this.missing.delete(key);
    if (wanted !== undefined && wanted.attempts > 0) {
      this.fetchStreak++;
      this.fetched.set(now, key, true);
    } else {
      this.fetchStreak = 0;
      if (this.mode === 'plumtree') from.eager = true;
      this.arrivals.set(now, key, { from, hops: gossip.hops });
    }
    this.counters.delivered++;
    this.host.deliver(gossip, from);
    this.forward({ ...gossip, retx: false, hops: Math.min(0xffff, gossip.hops + 1) }, from);
  }

  private forward(gossip: GossipWire, except: Neighbour | undefined): void {
    for (const n of this.host.neighbours()) {
      if (n === except) continue;
      if (this.mode === 'flood' || n.eager) this.push(n, gossip);
      else this.queue(this.lazyQueue, n, { id: gossip.id, hops: gossip.hops });
    }
  }

  private push(n: Neighbour, gossip: GossipWire): void {
    this.counters.payloads_sent++;
    this.host.send(n, gossip);
    if (!this.limits.eager_acks || this.unacked.size >= this.limits.unacked_max) return;
    this.unacked.set(`${n.addrKey}/${hex(gossip.id)}`, { to: n, gossip, deadline: this.now + this.limits.ack_timeout_ms, tries: 0 });
  }

  private queue<X>(queues: Map<Neighbour, X[]>, n: Neighbour, item: X): void {
    let queue = queues.get(n);
    if (queue === undefined) queues.set(n, (queue = []));
    queue.push(item);
  }

  /** Sends the IHAVEs and ACKs queued during this handle* call, batched per neighbour. */
  flush(): void {
    for (const [n, items] of this.lazyQueue) {
      if (this.host.neighbour(n.addrKey) !== n) continue;
      for (let i = 0; i < items.length; i += ids_per_message) {
        this.counters.ihaves_sent++;
        this.host.send(n, { t: T.IHave, items: items.slice(i, i + ids_per_message) });
      }
    }
    this.lazyQueue.clear();
    for (const [n, ids] of this.ackQueue) {
      if (this.host.neighbour(n.addrKey) !== n) continue;
      for (let i = 0; i < ids.length; i += ids_per_message) this.host.send(n, { t: T.Ack, ids: ids.slice(i, i + ids_per_message) });
    }
    this.ackQueue.clear();
  }

  onAck(from: Neighbour, ids: readonly Uint8Array[]): void {
    for (const id of ids) this.unacked.delete(`${from.addrKey}/${hex(id)}`);
  }

  onIHave(now: Millis, from: Neighbour, items: readonly Announcement[]): void {
    for (const item of items) {
      const key = hex(item.id);
      if (this.seen.has(key)) {
        this.optimise(from, key, item.hops);
        continue;
      }
      let entry = this.missing.get(key);
      if (entry === undefined) {
        if (this.missing.size >= this.limits.missing_max) {
          this.host.dropped('missing-full');
          continue;
        }
        // Jittered, so when a loss cuts a subtree one of its nodes fetches first and pushes the
        // payload down its eager links before the others' timers fire (fewer duplicates).
        entry = { id: item.id, announcers: [], deadline: now + this.limits.graft_timeout_ms * (1 + this.limits.graft_jitter * this.host.random()), attempts: 0 };
        this.missing.set(key, entry);
      }
      if (entry.announcers.length < this.limits.announcers_max && !entry.announcers.includes(from.addrKey)) entry.announcers.push(from.addrKey);
    }
  }

  /**
   * The paper's optimisation: a lazy link that announces a message many hops sooner than the
   * eager copy we took is a shortcut; swap it into the tree (GRAFT it, PRUNE the old parent).
   */
  private optimise(from: Neighbour, key: string, hops: number): void {
    if (this.mode !== 'plumtree' || from.eager || this.limits.optimise_hops === 0) return;
    const arrival = this.arrivals.get(key);
    if (arrival === undefined || arrival.from === from || hops + this.limits.optimise_hops > arrival.hops) return;
    this.arrivals.delete(key);
    if (this.host.neighbour(arrival.from.addrKey) !== arrival.from) return;
    this.counters.swaps++;
    from.eager = true;
    this.host.send(from, { t: T.Graft, repair: true, ids: [] });
    arrival.from.eager = false;
    this.counters.prunes_sent++;
    this.host.send(arrival.from, { t: T.Prune });
  }

  onGraft(from: Neighbour, ids: readonly Uint8Array[], repair: boolean): void {
    if (repair) from.eager = true;
    for (const id of ids) {
      const stored = this.store.get(hex(id));
      if (stored) {
        this.counters.payloads_sent++;
        this.host.send(from, { ...stored, retx: false, hops: Math.min(0xffff, stored.hops + 1) });
      }
    }
  }

  onPrune(from: Neighbour): void {
    if (this.mode === 'plumtree') from.eager = false;
  }

  neighbourUp(n: Neighbour, lazy: boolean): void {
    // New links start eager (as in the paper): the first duplicate prunes the cycle, and the
    // tree that remains follows first arrivals, i.e. the fastest paths. Exploratory links
    // (lazy) join as lazy links unless we have no tree link at all.
    let anyEager = false;
    if (lazy) for (const other of this.host.neighbours()) if (other !== n) anyEager ||= other.eager;
    n.eager = this.mode === 'flood' || !lazy || !anyEager;
    // Re-announce what we still hold: a healed partition or a late link fetches it by GRAFT.
    for (const [, gossip] of this.store.newest(this.limits.reannounce_max)) this.queue(this.lazyQueue, n, { id: gossip.id, hops: gossip.hops });
  }

  nextDeadline(): Millis | undefined {
    let best: Millis | undefined;
    for (const m of this.missing.values()) if (best === undefined || m.deadline < best) best = m.deadline;
    for (const u of this.unacked.values()) if (best === undefined || u.deadline < best) best = u.deadline;
    return best;
  }

  /** Retransmits unacknowledged pushes and grafts an announcer of every missing id that is due. */
  onTimeout(now: Millis): void {
    this.now = now;
    for (const [key, u] of this.unacked) {
      if (u.deadline > now) continue;
      if (u.tries >= this.limits.retransmits_max || this.host.neighbour(u.to.addrKey) !== u.to) {
        this.unacked.delete(key);
        continue;
      }
      u.tries++;
      u.deadline = now + this.limits.ack_timeout_ms * 2 ** u.tries;
      this.counters.retransmits++;
      this.counters.payloads_sent++;
      this.host.send(u.to, { ...u.gossip, retx: true });
    }
    const grafts = new Map<Neighbour, Uint8Array[]>();
    for (const [key, m] of this.missing) {
      if (m.deadline > now) continue;
      let target: Neighbour | undefined;
      for (let tried = 0; tried < m.announcers.length && target === undefined; tried++) {
        target = this.host.neighbour(m.announcers[(m.attempts + tried) % m.announcers.length]!);
      }
      m.attempts++;
      if (target === undefined || m.attempts > this.limits.graft_attempts_max) {
        this.missing.delete(key);
        continue;
      }
      m.deadline = now + this.limits.graft_retry_ms;
      this.queue(grafts, target, m.id);
    }
    let anyEager = false;
    for (const n of this.host.neighbours()) anyEager ||= n.eager;
    for (const [n, ids] of grafts) {
      const repair = this.fetchStreak >= this.limits.repair_streak || !anyEager;
      if (repair) {
        n.eager = true;
        this.counters.repairs_sent++;
      }
      for (let i = 0; i < ids.length; i += ids_per_message) {
        this.counters.grafts_sent++;
        this.host.send(n, { t: T.Graft, repair, ids: ids.slice(i, i + ids_per_message) });
      }
      this.host.debug('graft', n.id);
    }
  }

  expire(now: Millis): void {
    this.seen.expire(now);
    this.store.expire(now);
    this.fetched.expire(now);
    this.arrivals.expire(now);
  }

  get missingCount(): number {
    return this.missing.size;
  }
}
