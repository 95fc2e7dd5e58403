// Dissemination: Plumtree (Leitão et al., SRDS 2007) over the active view, or plain flooding
// for comparison. Payloads travel on eager links (a spanning tree that forms itself: a
// duplicate PRUNEs its link to lazy); lazy links carry IHAVE ids, batched per link over
// ihave_delay_ms; a missing id GRAFTs an announcer after a jittered graft timeout, which
// fetches the payload (and, when fetches repeat, repairs the tree). Every id, payload and
// announcement lives in a bounded, time-limited cache.
//
// Plumtree assumes reliable links (the paper runs it over TCP). Over plain lossy datagrams a
// lost eager push cuts the whole subtree below it off the push path, and the subtree's nodes
// then fetch on their own jittered timers and their copies cross: that was most of our
// redundancy. So (eager_acks) an eager push is acknowledged hop by hop, and an unacknowledged
// push is re-offered as an IHAVE on the same (eager) link, not re-sent: the child GRAFTs it at
// once if it really lacks it, and just re-ACKs if only the ACK was lost. The repair costs
// control datagrams, never a duplicate payload, and happens before the subtree's lazy
// timers (graft_timeout_ms) fire, so the tree stays as it is.
//
// One node has no such repair: the origin is, for a moment, the only holder of its payload.
// If its eager pushes are lost and it dies before a re-offer gets through (seed 8 of
// mesh/churn-1000: one eager link, push and first re-offer lost, origin gone 0.7 s later),
// its lazy neighbours hold only IHAVEs naming a payload nobody alive has. So an origin with
// fewer than origin_copies_min eager links sends that many payload copies at once: to some
// lazy links it sends the payload itself, flagged `backup`, in place of the IHAVE. The
// receiver keeps it as an announcement it need not fetch (no delivery, no forward, no ACK)
// and uses it when its graft timer fires without the tree copy, exactly where it would have
// GRAFTed. Cost: a payload instead of an IHAVE on those links (dup_backup when unused).
import type { Millis } from '../core/time.ts';
import type { DisseminationMode, MeshLimits } from './config.ts';
import { ExpiringMap } from './expiring-set.ts';
import { MissingIds, type Missing } from './missing.ts';
import type { Neighbour } from './neighbour.ts';
import { plumtreeCounters, type PlumtreeCounters } from './plumtree-counters.ts';
import { PushAcks } from './push-acks.ts';
import { hex, T, type Announcement, type MeshWire } from './wire.ts';

export type GossipWire = Extract<MeshWire, { t: T.Gossip }>;

/** What Plumtree needs from the node around it. */
export interface PlumtreeHost {
  send(to: Neighbour, wire: MeshWire): void;
  /** First arrival of a payload: hand it to the application (pushed, or fetched by GRAFT). */
  deliver(gossip: GossipWire, from: Neighbour | undefined, via: 'push' | 'graft'): void;
  /** A later copy of a payload already delivered (the trace shows the redundancy). */
  duplicate(gossip: GossipWire, from: Neighbour): void;
  neighbours(): Iterable<Neighbour>;
  neighbour(addrKey: string): Neighbour | undefined;
  debug(what: 'graft' | 'prune', peer: string): void;
  dropped(reason: 'missing-full' | 'duplicate'): void;
  /** Uniform in [0, 1) from the node's Rng. */
  random(): number;
}

/** Ids per IHAVE/GRAFT/ACK datagram, so each fits the 1,200-byte budget (18 bytes an id). */
export const ids_per_message = 60;

export class Plumtree {
  readonly seen: ExpiringMap<true>;
  readonly store: ExpiringMap<GossipWire>;
  private readonly missing: MissingIds;
  private readonly unacked: PushAcks;
  private readonly lazyQueue = new Map<Neighbour, Announcement[]>();
  /** When the queued IHAVEs go out (undefined: none queued). */
  private lazyDueAt: Millis | undefined;
  private readonly ackQueue = new Map<Neighbour, Uint8Array[]>();
  private readonly graftQueue = new Map<Neighbour, Uint8Array[]>();
  /** Ids delivered by a GRAFT, with the number of GRAFTs sent for it. */
  private readonly fetched: ExpiringMap<number>;
  /** Who pushed each recent first delivery, and how many hops it had travelled. */
  private readonly arrivals: ExpiringMap<{ readonly from: Neighbour; readonly hops: number }>;
  readonly counters: PlumtreeCounters = plumtreeCounters();
  /**
   * First deliveries in a row that needed a GRAFT to a lazy link and were never followed by a
   * late copy over an eager link. One miss is usually a loss: fetch it without changing the
   * tree (else every loss adds a cycle that costs a duplicate to prune). repair_streak in a
   * row mean the tree is cut here: the next GRAFT repairs it.
   */
  private fetchStreak = 0;
  private now: Millis = 0;

  constructor(
    private readonly mode: DisseminationMode,
    private readonly limits: MeshLimits,
    private readonly host: PlumtreeHost,
  ) {
    this.unacked = new PushAcks(limits);
    this.missing = new MissingIds(limits);
    this.seen = new ExpiringMap(limits.seen_ttl_ms, limits.seen_max);
    this.store = new ExpiringMap(limits.store_ttl_ms, limits.store_max);
    this.fetched = new ExpiringMap(limits.seen_ttl_ms, limits.missing_max);
    this.arrivals = new ExpiringMap(limits.graft_timeout_ms * 20, limits.missing_max);
  }

  private get acks(): boolean {
    return this.limits.eager_acks && this.mode === 'plumtree';
  }

  /** We originate a broadcast. */
  originate(now: Millis, gossip: GossipWire): void {
    this.now = now;
    const key = hex(gossip.id);
    this.seen.set(now, key, true);
    this.store.set(now, key, gossip);
    this.forward(gossip, undefined, true);
  }

  onGossip(now: Millis, from: Neighbour, gossip: GossipWire): void {
    this.now = now;
    this.counters.payloads_received++;
    if (gossip.backup) return this.onBackup(now, from, gossip);
    const fresh = from.fresh;
    from.fresh = false;
    // Pushes are acknowledged; GRAFT answers (retx) are not (the GRAFT is retried instead).
    if (this.acks && !gossip.retx) this.queue(this.ackQueue, from, gossip.id);
    const key = hex(gossip.id);
    if (this.seen.has(key)) {
      this.counters.duplicates++;
      this.host.dropped('duplicate');
      this.host.duplicate(gossip, from);
      const grafts = this.fetched.get(key);
      if (grafts !== undefined) {
        if (grafts > 1 && gossip.retx) this.counters.dup_graft_twice++;
        else this.counters.dup_after_fetch++;
        // The tree still reaches us (the copy was only late or lost upstream): no repair due.
        if (from.eager && !gossip.retx) this.fetchStreak = 0;
      } else if (gossip.retx) {
        this.counters.dup_retx++;
      } else if (gossip.repaired) {
        // Not a cycle: a node below a lost push fetched it and pushed it up its tree link.
        this.counters.dup_repair_push++;
      } else if (this.mode === 'flood') {
        this.counters.dup_eager++;
      } else {
        // A push we did not need: a cycle in the tree (or a link whose PRUNE was lost).
        if (!from.eager) this.counters.dup_lazy++;
        else if (fresh) this.counters.dup_new_link++;
        else this.counters.dup_eager++;
        this.prune(from);
      }
      return;
    }
    const wanted = this.missing.take(key);
    // The tree copy came in time: the origin's backup copy we held was not needed.
    if (wanted?.held) this.counters.dup_backup++;
    this.accept(now, from, gossip, wanted !== undefined && wanted.attempts > 0 ? wanted : undefined);
  }

  /**
   * A first delivery: pushed (`fetch` undefined), or fetched (by GRAFT, or from a held backup
   * copy) for the missing entry `fetch`. Delivers it and forwards it on.
   */
  private accept(now: Millis, from: Neighbour | undefined, gossip: GossipWire, fetch: Missing | undefined): void {
    const key = hex(gossip.id);
    this.seen.set(now, key, true);
    this.store.set(now, key, gossip);
    if (fetch !== undefined) {
      this.fetched.set(now, key, Math.max(1, fetch.attempts));
      if (fetch.fromParent) this.fetchStreak = 0;
      else this.fetchStreak++;
    } else if (from !== undefined) {
      this.fetchStreak = 0;
      if (this.mode === 'plumtree' && !gossip.retx) from.eager = true;
      this.arrivals.set(now, key, { from, hops: gossip.hops });
    }
    this.counters.delivered++;
    this.host.deliver(gossip, from, fetch !== undefined ? 'graft' : 'push');
    // After a fetch from a lazy link (or a push that followed one), the copies we push may go
    // up the tree to a node that has it: flag them, so that duplicate prunes nothing.
    const repaired = (fetch !== undefined && !fetch.fromParent) || gossip.repaired;
    this.forward({ ...gossip, retx: false, repaired, backup: false, hops: Math.min(0xffff, gossip.hops + 1) }, from);
  }

  /** The origin's backup copy (see the header): held like an announcement, not delivered yet. */
  private onBackup(now: Millis, from: Neighbour, gossip: GossipWire): void {
    const key = hex(gossip.id);
    if (this.seen.has(key)) {
      this.counters.duplicates++;
      this.counters.dup_backup++;
      this.host.dropped('duplicate');
      this.host.duplicate(gossip, from);
      return;
    }
    const entry = this.missingEntry(now, key, gossip.id);
    if (entry === undefined) return;
    entry.held ??= { gossip: { ...gossip, backup: false }, from: from.addrKey };
    this.missing.announced(entry, from, gossip.hops);
  }

  private prune(from: Neighbour): void {
    from.eager = false;
    this.counters.prunes_sent++;
    this.host.send(from, { t: T.Prune });
    this.host.debug('prune', from.id);
  }

  /** Pushes on eager links, announces on lazy ones (`origin`: backups on some, see the header). */
  private forward(gossip: GossipWire, except: Neighbour | undefined, origin = false): void {
    let backups = 0;
    if (origin && this.mode === 'plumtree') {
      backups = this.limits.origin_copies_min;
      for (const n of this.host.neighbours()) if (n.eager) backups--;
    }
    const copy = backups > 0 ? { ...gossip, backup: true } : gossip;
    for (const n of this.host.neighbours()) {
      if (n === except) continue;
      if (this.mode === 'flood' || n.eager) {
        this.push(n, gossip);
      } else if (backups > 0) {
        backups--;
        this.counters.payloads_sent++;
        this.counters.backups_sent++;
        this.host.send(n, copy);
      } else {
        this.announce(n, { id: gossip.id, hops: gossip.hops });
      }
    }
  }

  private push(n: Neighbour, gossip: GossipWire): void {
    this.counters.payloads_sent++;
    this.host.send(n, gossip);
    if (this.acks) this.unacked.pushed(this.now, n, gossip.id, gossip.hops);
  }

  /** Queues an IHAVE item for `n`; a full batch goes out at once, the rest after ihave_delay_ms. */
  private announce(n: Neighbour, item: Announcement): void {
    const queue = this.queue(this.lazyQueue, n, item);
    if (queue.length >= Math.min(ids_per_message, this.limits.ihave_batch_max)) {
      this.sendIHave(n, queue);
      this.lazyQueue.delete(n);
    } else if (this.lazyDueAt === undefined) {
      this.lazyDueAt = this.now + this.limits.ihave_delay_ms;
    }
  }

  private sendIHave(n: Neighbour, items: readonly Announcement[]): void {
    if (this.host.neighbour(n.addrKey) !== n || items.length === 0) return;
    this.counters.ihaves_sent++;
    this.host.send(n, { t: T.IHave, items });
  }

  private queue<X>(queues: Map<Neighbour, X[]>, n: Neighbour, item: X): X[] {
    let queue = queues.get(n);
    if (queue === undefined) queues.set(n, (queue = []));
    queue.push(item);
    return queue;
  }

  /**
   * Sends what this handle* call queued that cannot wait: ACKs and GRAFTs, batched per
   * neighbour (and IHAVEs when ihave_delay_ms is 0).
   */
  flush(): void {
    if (this.lazyDueAt !== undefined && this.now >= this.lazyDueAt) this.flushLazy();
    this.flushIds(this.ackQueue, (ids) => {
      this.counters.acks_sent++;
      return { t: T.Ack, ids };
    });
    this.flushIds(this.graftQueue, (ids) => {
      this.counters.grafts_sent++;
      this.counters.parent_grafts_sent++;
      return { t: T.Graft, repair: false, ids };
    });
  }

  private flushLazy(): void {
    for (const [n, items] of this.lazyQueue) {
      for (let i = 0; i < items.length; i += ids_per_message) this.sendIHave(n, items.slice(i, i + ids_per_message));
    }
    this.lazyQueue.clear();
    this.lazyDueAt = undefined;
  }

  private flushIds(queues: Map<Neighbour, Uint8Array[]>, wire: (ids: Uint8Array[]) => MeshWire): void {
    if (queues.size === 0) return;
    for (const [n, ids] of queues) {
      if (this.host.neighbour(n.addrKey) !== n) continue;
      for (let i = 0; i < ids.length; i += ids_per_message) this.host.send(n, wire(ids.slice(i, i + ids_per_message)));
    }
    queues.clear();
  }

  onAck(from: Neighbour, ids: readonly Uint8Array[]): void {
    for (const id of ids) this.unacked.answered(from, id);
  }

  onIHave(now: Millis, from: Neighbour, items: readonly Announcement[]): void {
    this.now = now;
    for (const item of items) {
      const key = hex(item.id);
      if (this.seen.has(key)) {
        // Our eager parent re-offers a push it thinks we lost: only our ACK was lost.
        if (from.eager && this.acks) this.queue(this.ackQueue, from, item.id);
        else this.optimise(from, key, item.hops);
        continue;
      }
      const entry = this.missingEntry(now, key, item.id);
      if (entry === undefined) continue;
      if (from.eager && this.acks && !entry.fromParent && entry.attempts === 0) {
        // An IHAVE on an eager link is our parent re-offering a push we lost: fetch it from
        // the parent now (the tree stays; the subtree below us gets it through us).
        this.missing.graftedParent(now, entry, from);
        this.queue(this.graftQueue, from, item.id);
        continue;
      }
      this.missing.announced(entry, from, item.hops);
    }
  }

  /** The missing entry for `key`, made on its first announcement (undefined: table full). */
  private missingEntry(now: Millis, key: string, id: Uint8Array): Missing | undefined {
    // Jittered, so when a crash cuts a subtree one of its nodes fetches first and pushes the
    // payload down its eager links before the others' timers fire (fewer duplicates).
    const entry = this.missing.open(key, id, () => now + this.limits.graft_timeout_ms * (1 + this.limits.graft_jitter * this.host.random()));
    if (entry === undefined) this.host.dropped('missing-full');
    return entry;
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
      // A GRAFT answers our re-offer (or the push it lost) as well as an ACK would.
      this.unacked.answered(from, id);
      const stored = this.store.get(hex(id));
      if (stored) {
        this.counters.payloads_sent++;
        this.host.send(from, { ...stored, retx: true, hops: Math.min(0xffff, stored.hops + 1) });
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
    this.reannounce(n);
  }

  /** Announces what we still hold to `n`: a healed partition or a late link fetches it by GRAFT. */
  reannounce(n: Neighbour): void {
    for (const [, gossip] of this.store.newest(this.limits.reannounce_max)) this.announce(n, { id: gossip.id, hops: gossip.hops });
  }

  nextDeadline(): Millis | undefined {
    let best = this.lazyDueAt;
    const missing = this.missing.nextDeadline();
    if (missing !== undefined && (best === undefined || missing < best)) best = missing;
    const ack = this.unacked.nextDeadline();
    if (ack !== undefined && (best === undefined || ack < best)) best = ack;
    return best;
  }

  /** Sends due IHAVEs, re-offers unacknowledged pushes, grafts an announcer of every missing id that is due. */
  onTimeout(now: Millis): void {
    this.now = now;
    if (this.lazyDueAt !== undefined && now >= this.lazyDueAt) this.flushLazy();
    const reoffers = new Map<Neighbour, Announcement[]>();
    for (const { to, item } of this.unacked.due(now, (n) => this.host.neighbour(n.addrKey) === n && n.eager)) {
      this.counters.reoffers++;
      this.queue(reoffers, to, item);
    }
    for (const [n, items] of reoffers) {
      for (let i = 0; i < items.length; i += ids_per_message) this.sendIHave(n, items.slice(i, i + ids_per_message));
    }
    const grafts = new Map<Neighbour, Uint8Array[]>();
    for (const [key, m] of this.missing) {
      if (m.deadline > now) continue;
      if (m.held) {
        // The tree copy is late and we hold the origin's backup copy: no fetch needed. But
        // re-link the tree where a GRAFT would have (cut off from it, or fetching repeatedly).
        this.missing.delete(key);
        this.counters.backups_used++;
        const from = this.host.neighbour(m.held.from);
        const repair = from !== undefined && (this.fetchStreak >= this.limits.repair_streak || !this.anyEager());
        this.accept(now, from, m.held.gossip, m);
        if (repair) {
          from.eager = true;
          this.counters.repairs_sent++;
          this.counters.grafts_sent++;
          this.host.send(from, { t: T.Graft, repair: true, ids: [] });
        }
        continue;
      }
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
    const anyEager = this.anyEager();
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

  private anyEager(): boolean {
    for (const n of this.host.neighbours()) if (n.eager) return true;
    return false;
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
