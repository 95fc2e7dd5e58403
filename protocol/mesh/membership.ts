// HyParView membership (Leitão, Pereira, Rodrigues, DSN 2007) for the mesh node: the active
// view (the links messages travel on), the passive view (known peers to repair it from),
// rejoin candidates (peers lost to failure, retried so a healed partition re-links), pending
// JOIN/NEIGHBOR requests with retries, join contacts, random-walk joins and shuffles, and the
// periodic upkeep that refills, explores and rejoins. It sends through the node (MembershipHost)
// and never sees payloads; link liveness rules are in keepalive.ts.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { MeshConfig, MeshLimits } from './config.ts';
import type { MeshDropReason, MeshErrorCode, MeshEvent } from './events.ts';
import { linkDeadline, linkDue, linkHeard, linkPinged } from './keepalive.ts';
import type { SendResult } from './message.ts';
import type { KnownPeer, Neighbour, PendingRequest } from './neighbour.ts';
import { nodeId } from './node-id.ts';
import { bytesEqual, T, type Hello, type MeshWire, type PeerEntry } from './wire.ts';

/** What membership needs from the node around it. */
export interface MembershipHost {
  readonly config: MeshConfig;
  readonly counters: Record<MeshDropReason, number>;
  /** Time handed in by the current handle* call. */
  readonly now: Millis;
  sendTo(to: Addr, wire: MeshWire, n?: Neighbour): void;
  emit(event: MeshEvent): void;
  debug(what: 'join' | 'forward-join' | 'shuffle' | 'promote' | 'rejoin', peer: string): void;
  /** A new link: dissemination decides whether it starts eager. */
  neighbourUp(n: Neighbour, lazy: boolean): void;
  /** A neighbour asked to link again: it had dropped us, and missed what we sent meanwhile. */
  neighbourRelinked(n: Neighbour): void;
}

/** Forwarded shuffles whose way back we remember (about one per neighbour per shuffle round). */
const shuffle_routes_max = 32;

export class Membership {
  readonly active = new Map<string, Neighbour>();
  readonly passive = new Map<string, KnownPeer>();
  private readonly rejoin = new Map<string, KnownPeer>();
  /** Shuffles we forwarded: origin address -> the neighbour it came from, for the answer. */
  private readonly shuffleRoutes = new Map<string, { readonly via: string; readonly until: Millis }>();
  private readonly pending = new Map<string, PendingRequest>();
  /** Addresses the application asked us to join through (re-joined when we end up alone). */
  private readonly contacts = new Map<string, Addr>();
  /** Contacts that answered a JOIN once (a contact that never did is retried, see tick). */
  private readonly joined = new Set<string>();
  /** Keys we expect at addresses we are about to contact (secure-mesh pins sessions with them). */
  private readonly pinned = new Map<string, Uint8Array>();
  private shuffleAt: Millis;
  private shuffleUntil: Millis = -1;
  private refillAt: Millis = 0;
  private rejoinAt: Millis = 0;
  private exploreAt: Millis;
  /** We left the mesh (disconnect without a peer): no upkeep, no new links. */
  left = false;

  constructor(
    private readonly host: MembershipHost,
    private readonly limits: MeshLimits,
    private readonly hello: Hello,
    /** Drawn by the node in its constructor (the order of Rng draws is part of the trace). */
    shuffleAt: Millis,
    exploreAt: Millis,
  ) {
    this.shuffleAt = shuffleAt;
    this.exploreAt = exploreAt;
  }

  /** The key we expect at `addr`, when we know one. */
  expectedKey(addrKey: string): Uint8Array | undefined {
    return this.active.get(addrKey)?.key ?? this.passive.get(addrKey)?.key ?? this.rejoin.get(addrKey)?.key ?? this.pinned.get(addrKey);
  }

  pin(addrKey: string, key: Uint8Array): void {
    this.pinned.set(addrKey, key);
    if (this.pinned.size > this.limits.pending_requests_max * 4) this.pinned.delete(this.pinned.keys().next().value!);
  }

  /** A MISMATCH answer to one of our requests: another mesh, never promoted, retried or joined through. */
  onMismatch(remoteKey: string, wire: Extract<MeshWire, { t: T.Mismatch }>): void {
    if (!this.pending.delete(remoteKey)) return void this.host.counters.unsolicited++;
    this.passive.delete(remoteKey);
    this.rejoin.delete(remoteKey);
    this.contacts.delete(remoteKey);
    this.joined.delete(remoteKey);
    this.host.emit({ type: 'protocol-mismatch', addr: remoteKey, local_id: this.hello.protocol, local_version: this.hello.version, remote_id: wire.mine, remote_version: wire.myVersion });
  }

  /**
   * A shuffle's answer travels back along the walk it came by: each hop that forwarded the
   * shuffle remembered which neighbour it came from. (Answering the origin straight at its
   * claimed address would make us send to an address a neighbour named, on its say-so; and
   * answering only the last hop, as we once did, left most shuffles unanswered, so passive
   * views stayed empty and a peer whose few links died had nobody to promote.)
   */
  onShuffleReply(now: Millis, origin: PeerEntry, entries: readonly PeerEntry[]): void {
    if (bytesEqual(origin.key, this.hello.key)) {
      if (now > this.shuffleUntil) return void this.host.counters.unsolicited++;
      return this.integrate(entries);
    }
    const originKey = formatAddr(origin.addr);
    const route = this.shuffleRoutes.get(originKey);
    this.shuffleRoutes.delete(originKey);
    const via = route !== undefined && now < route.until ? this.active.get(route.via) : undefined;
    if (via === undefined) return void this.host.counters.unsolicited++;
    this.host.sendTo(via.addr, { t: T.ShuffleReply, origin, entries }, via);
  }

  /** py2p connect(addr, port): joins the mesh through the peer at `addr`. */
  connect(now: Millis, to: Addr): SendResult {
    this.left = false;
    if (addrEquals(to, this.host.config.local) || addrEquals(to, this.hello.addr)) return refuse('self-connect', formatAddr(to));
    const key = formatAddr(to);
    if (this.active.has(key)) return refuse('already-connected', key);
    if (this.pending.size >= this.limits.pending_requests_max) return refuse('pending-full', `${this.pending.size} requests pending`);
    this.contacts.delete(key);
    this.contacts.set(key, to);
    while (this.contacts.size > this.limits.contacts_max) {
      const oldest = this.contacts.keys().next().value!;
      this.contacts.delete(oldest);
      this.joined.delete(oldest);
    }
    this.pending.set(key, { kind: 'join', addr: to, deadline: now + this.limits.request_timeout_ms, high: true, lazy: false, attempts: 1 });
    this.host.sendTo(to, { t: T.Join, hello: this.hello });
    this.host.debug('join', key);
    return { ok: true, id: '' };
  }

  /** Drops one neighbour (told with DISCONNECT), or every link: a graceful leave. */
  disconnect(now: Millis, peer?: string): void {
    for (const n of [...this.active.values()]) {
      if (peer !== undefined && n.id !== peer) continue;
      this.host.sendTo(n.addr, { t: T.Disconnect }, n);
      this.removeNeighbour(n, 'local', false);
    }
    if (peer === undefined) {
      this.left = true;
      this.passive.clear();
      this.rejoin.clear();
      this.pending.clear();
      this.contacts.clear();
      this.joined.clear();
    }
  }

  compatible(h: Hello): boolean {
    return h.protocol === this.hello.protocol && h.version >> 8 === this.hello.version >> 8;
  }

  onLinkRequest(now: Millis, remote: Addr, remoteKey: string, wire: Extract<MeshWire, { t: T.Join | T.Neighbor }>, authKey: Uint8Array | undefined): void {
    const h = wire.hello;
    if (!this.compatible(h)) {
      // Answer no larger than the request (protocol ids are capped): the joiner learns why at once.
      this.host.sendTo(remote, { t: T.Mismatch, mine: this.hello.protocol, myVersion: this.hello.version, yours: h.protocol, yourVersion: h.version });
      this.host.emit({ type: 'protocol-mismatch', addr: remoteKey, local_id: this.hello.protocol, local_version: this.hello.version, remote_id: h.protocol, remote_version: h.version });
      return;
    }
    if (authKey && !bytesEqual(authKey, h.key)) return void this.host.counters['identity-mismatch']++;
    if (bytesEqual(h.key, this.hello.key)) return void this.host.counters.self++;
    if (this.left) return void this.host.counters.unsolicited++;
    // A neighbour asks for a link only after it dropped ours (a one-way cut longer than
    // dead_ms: we kept hearing it, it heard nothing): what we pushed meanwhile was refused as
    // from a stranger, so re-announce it (swarm mesh seed 224).
    const known = this.active.get(remoteKey);
    if (known !== undefined && bytesEqual(known.key, h.key)) this.host.neighbourRelinked(known);
    if (wire.t === T.Join) {
      const fresh = this.addNeighbour(now, remote, h.key, h.addr);
      this.host.sendTo(remote, { t: T.Welcome, hello: this.hello });
      if (fresh) {
        for (const other of this.active.values()) {
          if (other !== fresh) this.host.sendTo(other.addr, { t: T.ForwardJoin, ttl: this.limits.arwl, joiner: { key: h.key, addr: h.addr } }, other);
        }
      }
      return;
    }
    // Low priority is accepted up to active_max + active_slack: a node below its target (or a
    // small component cut off from the rest) can still link to full nodes, and views stay
    // bounded. High priority (a node with at most one link) is always accepted.
    const accept = wire.high || this.active.size < this.limits.active_max + this.limits.active_slack || this.active.has(remoteKey);
    if (accept) this.addNeighbour(now, remote, h.key, h.addr, wire.lazy);
    else this.addPassive(h.key, h.addr);
    this.host.sendTo(remote, { t: T.NeighborReply, hello: this.hello, accepted: accept });
  }

  onLinkAnswer(now: Millis, remote: Addr, remoteKey: string, wire: Extract<MeshWire, { t: T.Welcome | T.NeighborReply }>, authKey: Uint8Array | undefined): void {
    const request = this.pending.get(remoteKey);
    if (request === undefined || (wire.t === T.Welcome) !== (request.kind === 'join')) return void this.host.counters.unsolicited++;
    this.pending.delete(remoteKey);
    const h = wire.hello;
    if (!this.compatible(h)) {
      this.host.emit({ type: 'protocol-mismatch', addr: remoteKey, local_id: this.hello.protocol, local_version: this.hello.version, remote_id: h.protocol, remote_version: h.version });
      return;
    }
    if (authKey && !bytesEqual(authKey, h.key)) return void this.host.counters['identity-mismatch']++;
    if (bytesEqual(h.key, this.hello.key)) return void this.host.counters.self++;
    if (wire.t === T.NeighborReply && !wire.accepted) {
      this.addPassive(h.key, h.addr);
      return;
    }
    this.rejoin.delete(remoteKey);
    if (request.kind === 'join' && this.contacts.has(remoteKey)) this.joined.add(remoteKey);
    this.addNeighbour(now, remote, h.key, h.addr, request.lazy);
  }

  onForwardJoin(now: Millis, from: Neighbour, ttl: number, joiner: PeerEntry): void {
    if (bytesEqual(joiner.key, this.hello.key)) return;
    const joinerKey = formatAddr(joiner.addr);
    if (ttl === 0 || this.active.size <= 1) {
      if (!this.active.has(joinerKey)) this.request(now, joiner.addr, joiner.key, true);
      return;
    }
    if (ttl === this.limits.prwl) this.addPassive(joiner.key, joiner.addr);
    const next = this.randomNeighbour((n) => n !== from && n.addrKey !== joinerKey);
    if (next) this.host.sendTo(next.addr, { t: T.ForwardJoin, ttl: ttl - 1, joiner }, next);
    else if (!this.active.has(joinerKey)) this.request(now, joiner.addr, joiner.key, true);
    this.host.debug('forward-join', from.id);
  }

  onShuffle(now: Millis, from: Neighbour, ttl: number, origin: PeerEntry, entries: readonly PeerEntry[]): void {
    if (bytesEqual(origin.key, this.hello.key)) return;
    if (ttl > 0 && this.active.size > 1) {
      const next = this.randomNeighbour((n) => n !== from);
      if (next) {
        // Remember the way back for the answer (bounded; the oldest route is forgotten first).
        const originKey = formatAddr(origin.addr);
        this.shuffleRoutes.delete(originKey);
        this.shuffleRoutes.set(originKey, { via: from.addrKey, until: now + this.limits.request_timeout_ms * 4 });
        while (this.shuffleRoutes.size > shuffle_routes_max) this.shuffleRoutes.delete(this.shuffleRoutes.keys().next().value!);
        return this.host.sendTo(next.addr, { t: T.Shuffle, ttl: ttl - 1, origin, entries }, next);
      }
    }
    const reply = this.sample([...this.passive.values()], entries.length).map((p) => ({ key: p.key, addr: p.addr }));
    const originKey = formatAddr(origin.addr);
    const link = this.active.get(originKey);
    // The answer goes to the origin only when it is a neighbour, so we never send to a
    // stranger's claimed address on its behalf; otherwise it goes back along the walk's last hop.
    this.host.sendTo(link ? link.addr : from.addr, { t: T.ShuffleReply, origin, entries: reply }, link ?? from);
    this.integrate(entries);
    this.host.debug('shuffle', from.id);
  }


  request(now: Millis, to: Addr, key: Uint8Array, high: boolean, lazy = false): void {
    const addrKey = formatAddr(to);
    if (this.pending.has(addrKey) || this.pending.size >= this.limits.pending_requests_max) return;
    if (addrEquals(to, this.host.config.local) || addrEquals(to, this.hello.addr)) return;
    this.pin(addrKey, key);
    this.pending.set(addrKey, { kind: 'neighbor', addr: to, deadline: now + this.limits.request_timeout_ms, high, lazy, attempts: 1 });
    this.host.sendTo(to, { t: T.Neighbor, hello: this.hello, high, lazy });
  }

  addNeighbour(now: Millis, addr: Addr, key: Uint8Array, advertised: Addr, lazy = false): Neighbour | undefined {
    const addrKey = formatAddr(addr);
    const existing = this.active.get(addrKey);
    if (existing) {
      if (bytesEqual(existing.key, key)) return undefined;
      this.removeNeighbour(existing, 'evicted', false);
    }
    for (const other of this.active.values()) {
      if (bytesEqual(other.key, key)) this.removeNeighbour(other, 'evicted', false); // same node, new address
    }
    if (this.active.size >= this.limits.active_max + this.limits.active_slack) {
      const victim = this.randomNeighbour(() => true)!;
      this.host.sendTo(victim.addr, { t: T.Disconnect }, victim);
      this.removeNeighbour(victim, 'evicted', true);
    }
    this.passive.delete(addrKey);
    this.rejoin.delete(addrKey);
    const pinger = keyBefore(this.hello.key, key);
    const n: Neighbour = { id: nodeId(this.host.config.crypto, key), key, addr, addrKey, advertised, eager: true, fresh: true, pinger, pingAt: now, deadAt: now };
    linkHeard(n, now, this.limits);
    this.active.set(addrKey, n);
    this.host.emit({ type: 'neighbor-up', peer: n.id, addr: addrKey });
    this.host.neighbourUp(n, lazy);
    return n;
  }

  removeNeighbour(n: Neighbour, reason: 'disconnect' | 'dead' | 'evicted' | 'local', keep: boolean): void {
    if (this.active.get(n.addrKey) !== n) return;
    this.active.delete(n.addrKey);
    this.host.emit({ type: 'neighbor-down', peer: n.id, addr: n.addrKey, reason });
    if (reason === 'dead') {
      this.rejoin.set(n.addrKey, { key: n.key, addr: n.addr, addrKey: n.addrKey, until: this.host.now + this.limits.rejoin_forget_ms });
      while (this.rejoin.size > this.limits.rejoin_candidates_max) this.rejoin.delete(this.rejoin.keys().next().value!);
    } else if (keep) {
      this.addPassive(n.key, n.addr);
    }
    // Refill a little later, not at once: the peer that just left us is in the passive view.
    this.refillAt = this.host.now + this.limits.tick_ms;
  }

  addPassive(key: Uint8Array, addr: Addr): void {
    const addrKey = formatAddr(addr);
    if (bytesEqual(key, this.hello.key) || this.active.has(addrKey) || addrEquals(addr, this.hello.addr)) return;
    this.passive.delete(addrKey);
    this.passive.set(addrKey, { key, addr, addrKey, until: Infinity });
    while (this.passive.size > this.limits.passive_max) {
      const victim = this.sample([...this.passive.keys()], 1)[0]!;
      this.passive.delete(victim);
    }
  }

  integrate(entries: readonly PeerEntry[]): void {
    for (const e of entries) this.addPassive(e.key, e.addr);
  }


  tick(now: Millis): void {
    for (const [key, p] of this.pending) {
      if (now < p.deadline) continue;
      if (p.attempts < this.limits.request_attempts_max) {
        p.attempts++;
        p.deadline = now + this.limits.request_timeout_ms;
        this.host.sendTo(p.addr, p.kind === 'join' ? { t: T.Join, hello: this.hello } : { t: T.Neighbor, hello: this.hello, high: p.high, lazy: p.lazy });
        continue;
      }
      this.pending.delete(key);
      if (p.kind === 'neighbor') this.passive.delete(key); // unreachable: forget it
    }
    for (const n of [...this.active.values()]) {
      const due = linkDue(n, now);
      if (due === 'dead') this.removeNeighbour(n, 'dead', false);
      else if (due === 'ping') {
        this.host.sendTo(n.addr, { t: T.Ping }, n);
        linkPinged(n, now, this.limits);
      }
    }
    if (this.left) return;
    if (this.active.size < 2 && this.passive.size === 0 && this.pending.size === 0 && now >= this.refillAt) {
      // Alone with nobody to promote: join again through a contact the application gave us.
      const contact = this.sample([...this.contacts.values()], 1)[0];
      if (contact) {
        this.pending.set(formatAddr(contact), { kind: 'join', addr: contact, deadline: now + this.limits.request_timeout_ms, high: true, lazy: false, attempts: 1 });
        this.host.sendTo(contact, { t: T.Join, hello: this.hello });
      }
      this.refillAt = now + this.limits.request_timeout_ms * this.limits.request_attempts_max;
    }
    if (this.active.size < this.limits.active_max && now >= this.refillAt && this.passive.size > 0) {
      const candidate = this.sample([...this.passive.values()].filter((p) => !this.pending.has(p.addrKey)), 1)[0];
      if (candidate) {
        // High priority (the target evicts someone) only with at most one link: a wider rule
        // (under half a view) set off eviction cascades that cut a 1,000-peer mesh apart.
        // Eager like every new link (making refills lazy left the tree too sparse: more
        // fetches, later deliveries, more duplicates in our runs).
        this.request(now, candidate.addr, candidate.key, this.active.size <= 1);
        this.host.debug('promote', candidate.addrKey);
      }
      this.refillAt = now + (this.active.size < 2 ? this.limits.tick_ms : this.limits.request_timeout_ms);
    }
    if (now >= this.exploreAt) {
      // Now and then link to a random passive peer even with a full view (accepted only where
      // there is slack): the overlay keeps mixing, so no group of peers stays cut off.
      this.exploreAt = now + this.limits.explore_interval_ms * (0.5 + this.host.config.rng.nextFloat());
      if (this.active.size < this.limits.active_max + this.limits.active_slack) {
        const candidate = this.sample([...this.passive.values()].filter((p) => !this.pending.has(p.addrKey)), 1)[0];
        // A lazy link: it adds paths for repair and mixing, not a tree cycle to prune.
        if (candidate) this.request(now, candidate.addr, candidate.key, false, true);
      }
      // A contact that never answered our JOIN (say a partition cut us off while we joined,
      // and we linked to others on our side only) is tried again: without it the two sides
      // can stay apart for ever, neither knowing the other (the swarm tester found this).
      for (const [key, contact] of this.contacts) {
        if (this.joined.has(key) || this.active.has(key) || this.pending.has(key) || this.pending.size >= this.limits.pending_requests_max) continue;
        this.pending.set(key, { kind: 'join', addr: contact, deadline: now + this.limits.request_timeout_ms, high: true, lazy: false, attempts: 1 });
        this.host.sendTo(contact, { t: T.Join, hello: this.hello });
        break;
      }
    }
    if (now >= this.rejoinAt && this.rejoin.size > 0) {
      for (const [key, p] of this.rejoin) if (now >= p.until || this.active.has(key)) this.rejoin.delete(key);
      const candidate = this.sample([...this.rejoin.values()], 1)[0];
      if (candidate) {
        // High priority: after a partition heals both sides have full views, and only this
        // re-creates the links that crossed the cut.
        this.request(now, candidate.addr, candidate.key, true);
        this.host.debug('rejoin', candidate.addrKey);
      }
      this.rejoinAt = now + this.limits.rejoin_interval_ms * (0.5 + this.host.config.rng.nextFloat());
    }
    if (now >= this.shuffleAt) {
      this.shuffleAt = now + this.limits.shuffle_interval_ms * (0.5 + this.host.config.rng.nextFloat());
      const target = this.randomNeighbour(() => true);
      if (target) {
        const entries = [
          { key: this.hello.key, addr: this.hello.addr },
          ...this.sample([...this.active.values()].filter((n) => n !== target), this.limits.shuffle_active).map((n) => ({ key: n.key, addr: n.advertised })),
          ...this.sample([...this.passive.values()], this.limits.shuffle_passive).map((p) => ({ key: p.key, addr: p.addr })),
        ];
        this.shuffleUntil = now + this.limits.request_timeout_ms * 4;
        this.host.sendTo(target.addr, { t: T.Shuffle, ttl: this.limits.arwl, origin: { key: this.hello.key, addr: this.hello.addr }, entries }, target);
      }
    }
  }


  /**
   * The earliest stored deadline of the upkeep (requests, links, shuffle, exploration,
   * rejoin, refill): the node wakes for it instead of ticking on a fixed period.
   */
  nextDue(): Millis {
    let due = Infinity;
    for (const p of this.pending.values()) if (p.deadline < due) due = p.deadline;
    for (const n of this.active.values()) {
      const at = linkDeadline(n);
      if (at < due) due = at;
    }
    if (this.left) return due;
    due = Math.min(due, this.shuffleAt, this.exploreAt);
    if (this.rejoin.size > 0 && this.rejoinAt < due) due = this.rejoinAt;
    const refill = (this.active.size < this.limits.active_max && this.passive.size > 0) || (this.active.size < 2 && this.passive.size === 0 && this.pending.size === 0 && this.contacts.size > 0);
    if (refill && this.refillAt < due) due = this.refillAt;
    return due;
  }

  randomNeighbour(ok: (n: Neighbour) => boolean): Neighbour | undefined {
    return this.sample([...this.active.values()].filter(ok), 1)[0];
  }

  /** `count` distinct items drawn with the injected Rng (partial Fisher-Yates). */
  private sample<X>(items: X[], count: number): X[] {
    const n = Math.min(count, items.length);
    for (let i = 0; i < n; i++) {
      const j = this.host.config.rng.nextInt(i, items.length - 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items.slice(0, n);
  }
}

/** Bytewise order of two keys: the smaller key's end of a link pings first. */
function keyBefore(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.byteLength && i < b.byteLength; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return a.byteLength < b.byteLength;
}

function refuse(code: MeshErrorCode, detail: string): SendResult {
  return { ok: false, code, detail };
}
