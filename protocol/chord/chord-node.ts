// The Chord node (Stoica et al., SIGCOMM 2001 / ToN 2003) as a Sans-IO machine: join through
// any known node, periodic stabilize / notify / fixFingers / checkPredecessor on stored,
// jittered deadlines, iterative lookups (this node drives every hop, so a dead hop is retried
// via the next-best candidate the previous hop named), and r-way replication with refresh,
// hand-over to a new predecessor and on graceful leave. The dict operations (py2p's
// get/set/delete/update) live in dict-client.ts on top of lookup() and request().
// Over plain datagrams the machine talks to addresses; never throws from handle*.
import { formatAddr, type Addr } from '../core/addr.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DecodeError } from '../core/decode-error.ts';
import { EncodeLimitError } from '../core/writer.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import { TimerTable } from '../core/timers.ts';
import { CHORD_VERSION, m_bits_default, resolveLimits, ChordConfigError, type ChordConfig, type ChordLimits } from './config.ts';
import { DictClient, type DictCommand } from './dict-client.ts';
import { identityText, type ChordDropReason, type ChordEvent, type NodeInfo } from './events.ts';
import { fingerStart, hashToId, idText, inHalfOpen, inOpen, type ChordId } from './id.ts';
import { listPad, Lookups, type LookupDone, type LookupFail } from './lookup.ts';
import { RequestTable } from './requests.ts';
import { RoutingTable } from './routing.ts';
import { ChordStore } from './store.ts';
import { decodeChord, encodeChord, refBytes, RING_TAG_BYTES, T, validMBits, type ChordWire, type Identity, type Item, type NodeRef } from './wire.ts';

export type ChordCommand =
  | { readonly type: 'create' }
  | { readonly type: 'join'; readonly via: Addr }
  | { readonly type: 'leave' }
  | DictCommand;

/** Unrefreshed replicas handed back to their primary per replicate period (a bound on lookups). */
const rehome_per_period_max = 32;

type TimerName = 'stabilize' | 'fix-fingers' | 'check-predecessor' | 'check-successor' | 'replicate';

export interface ChordCounters {
  datagrams_sent: number;
  maintenance_sent: number;
  lookup_sent: number;
  data_sent: number;
  lookups_started: number;
  lookups_failed: number;
  hop_timeouts: number;
  replicated_items: number;
  drops: Record<ChordDropReason, number>;
}

export class ChordNode implements Machine<ChordCommand, ChordEvent> {
  readonly limits: ChordLimits;
  readonly m_bits: number;
  readonly identity: Identity;
  readonly self: NodeRef;
  readonly routing: RoutingTable;
  readonly store: ChordStore;
  readonly counters: ChordCounters = {
    datagrams_sent: 0,
    maintenance_sent: 0,
    lookup_sent: 0,
    data_sent: 0,
    lookups_started: 0,
    lookups_failed: 0,
    hop_timeouts: 0,
    replicated_items: 0,
    drops: { malformed: 0, mismatch: 0, unsolicited: 0, 'stale-reply': 0, 'events-full': 0, 'transmits-full': 0, 'store-full': 0, 'too-large': 0 },
  };
  readonly requests: RequestTable;
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<ChordEvent, 'drop-newest'>;
  private readonly timers = new TimerTable<TimerName>();
  private readonly dict: DictClient;
  private readonly lookups: Lookups;
  private joinedFlag = false;
  private closed = false;
  private nextFinger = 1;
  private fixing = false;
  private stabilizing = false;
  private pinging = false;

  constructor(readonly config: ChordConfig) {
    this.limits = resolveLimits(config.limits);
    this.m_bits = config.m_bits ?? m_bits_default;
    if (!validMBits(this.m_bits)) throw new ChordConfigError(`m_bits ${this.m_bits} not in 3..256`);
    const tag = config.crypto.sha256(new TextEncoder().encode(config.ring)).subarray(0, RING_TAG_BYTES);
    this.identity = { version: CHORD_VERSION, m_bits: this.m_bits, ring_tag: tag.slice() };
    this.self = { id: hashToId(config.crypto, config.publicKey, this.m_bits), addr: config.local };
    this.routing = new RoutingTable(this.self, this.m_bits, this.limits.successors, config.route_via_successors ?? true);
    this.store = new ChordStore(this.limits.store_keys_max);
    this.requests = new RequestTable(config.rng, this.limits.pending_max * 2 + 16);
    this.transmits = BoundedQueue.dropNewest(this.limits.transmits_max);
    this.events = BoundedQueue.dropNewest(this.limits.events_max);
    this.dict = new DictClient(this);
    this.lookups = new Lookups(this);
  }

  get joined(): boolean {
    return this.joinedFlag;
  }

  get idText(): string {
    return idText(this.self.id, this.m_bits);
  }

  keyId(key: Uint8Array): ChordId {
    return hashToId(this.config.crypto, key, this.m_bits);
  }

  info(ref: NodeRef): NodeInfo {
    return { id: idText(ref.id, this.m_bits), addr: formatAddr(ref.addr) };
  }

  // ---- the contract ----

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    if (this.closed) return;
    let decoded;
    try {
      decoded = decodeChord(data, this.identity, this.limits);
    } catch (error) {
      if (error instanceof DecodeError) {
        this.counters.drops.malformed++;
        return;
      }
      throw error;
    }
    const message = decoded.message;
    if (message === undefined) {
      this.onForeign(remote, decoded.identity, decoded.rid, data.byteLength);
      return;
    }
    this.onMessage(now, remote, message);
  }

  handleTimeout(now: Millis): void {
    if (this.closed) return;
    for (const request of this.requests.expire(now)) request.onTimeout(now);
    for (const name of this.timers.expire(now)) {
      if (name === 'stabilize') this.stabilize(now);
      else if (name === 'fix-fingers') this.fixFingers(now);
      else if (name === 'check-predecessor') this.checkPredecessor(now);
      else if (name === 'check-successor') {
        this.timers.set('check-successor', this.jittered(now, this.limits.check_successor_ms));
        this.checkSuccessor(now);
      }
      else this.replicate(now);
    }
  }

  handleCommand(now: Millis, command: ChordCommand): void {
    if (this.closed) return;
    switch (command.type) {
      case 'create':
        if (!this.joinedFlag) this.becomeJoined(now);
        return;
      case 'join':
        this.join(now, command.via);
        return;
      case 'leave':
        this.leave(now);
        return;
      default:
        this.dict.handle(now, command);
    }
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): ChordEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    if (this.closed) return undefined;
    const a = this.timers.earliest();
    const b = this.requests.earliest();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return a < b ? a : b;
  }

  isClosed(): boolean {
    return this.closed && this.transmits.length === 0 && this.events.length === 0;
  }

  // ---- output ----

  emit(event: ChordEvent): void {
    if (this.events.length >= this.events.capacity) this.counters.drops['events-full']++;
    this.events.push(event);
  }

  send(to: Addr, message: ChordWire, kind: 'maintenance' | 'lookup' | 'data'): void {
    if (this.transmits.length >= this.transmits.capacity) {
      this.counters.drops['transmits-full']++;
      return;
    }
    let data: Uint8Array;
    try {
      data = encodeChord(this.identity, message, this.limits.datagram_bytes_max);
    } catch (error) {
      // Only a list longer than a datagram gets here (m = 256 with a long successor list).
      if (error instanceof EncodeLimitError) {
        this.counters.drops['too-large']++;
        return;
      }
      throw error;
    }
    this.transmits.push({ remote: to, data });
    this.counters.datagrams_sent++;
    if (kind === 'maintenance') this.counters.maintenance_sent++;
    else if (kind === 'lookup') this.counters.lookup_sent++;
    else this.counters.data_sent++;
  }

  /** Sends a request and arms its per-hop deadline. False when the request table is full. */
  request(
    now: Millis,
    to: Addr,
    build: (rid: number) => ChordWire,
    kind: 'maintenance' | 'lookup' | 'data',
    onReply: (now: Millis, message: ChordWire) => void,
    onTimeout: (now: Millis) => void,
  ): boolean {
    if (this.requests.full) return false;
    const rid = this.requests.freshId();
    this.requests.add({ rid, to, deadline: now + this.limits.hop_timeout_ms, onReply, onTimeout });
    this.send(to, build(rid), kind);
    return true;
  }

  // ---- lookups (iterative, lookup.ts) ----

  /** Finds successor(target): `done` gets the responsible node's successor list, first = successor(target). */
  lookup(now: Millis, target: ChordId, done: LookupDone, fail: LookupFail, bootstrap?: Addr, from?: NodeRef, want = 1): void {
    this.lookups.start(now, target, done, fail, bootstrap, from, want);
  }

  // ---- join, leave ----

  private join(now: Millis, via: Addr): void {
    if (this.joinedFlag) return;
    this.lookup(
      now,
      this.self.id,
      (at, result) => {
        this.routing.setSuccessors(result.nodes);
        if (result.nodes.some((n) => n.id === this.self.id && formatAddr(n.addr) !== formatAddr(this.self.addr))) {
          this.emit({ type: 'error', op: 0, operation: 'join', code: 'mismatch', detail: 'another node holds our id' });
        }
        this.becomeJoined(at);
      },
      (at, code, detail) => this.emit({ type: 'error', op: 0, operation: 'join', code, detail }),
      via,
      undefined,
      this.limits.successors,
    );
  }

  private becomeJoined(now: Millis): void {
    this.joinedFlag = true;
    this.emit({ type: 'joined', id: this.idText, successor: this.info(this.routing.successor) });
    // The first stabilize soon, so the successor learns of us at once.
    this.timers.set('stabilize', now + 1);
    this.timers.set('fix-fingers', this.jittered(now, this.limits.fix_fingers_ms));
    this.timers.set('check-predecessor', this.jittered(now, this.limits.check_predecessor_ms));
    this.timers.set('check-successor', this.jittered(now, this.limits.check_successor_ms));
    this.timers.set('replicate', this.jittered(now, this.limits.replicate_ms));
  }

  /** Graceful leave: hand every primary key to the successor, tell both neighbours, stop. */
  private leave(now: Millis): void {
    if (!this.joinedFlag) {
      this.closed = true;
      return;
    }
    const succ = this.routing.successor;
    const pred = this.routing.predecessor;
    if (succ.id !== this.self.id) {
      const items: Item[] = [];
      for (const entry of this.store.values()) if (this.routing.isPrimary(entry.keyId)) items.push(this.store.toItem(entry));
      this.pushItems(succ.addr, items);
      const leave: ChordWire = { t: T.Leave, rid: 0, self: this.self, pred, successors: this.routing.successors.slice(0, this.limits.successors) };
      this.send(succ.addr, leave, 'maintenance');
      if (pred && pred.id !== succ.id) this.send(pred.addr, leave, 'maintenance');
    }
    this.emit({ type: 'left' });
    this.closed = true;
    this.requests.clear();
    for (const name of ['stabilize', 'fix-fingers', 'check-predecessor', 'check-successor', 'replicate'] as const) this.timers.clear(name);
  }

  // ---- maintenance ----

  jittered(now: Millis, period_ms: number): Millis {
    const j = this.limits.jitter_fraction;
    return now + period_ms * (1 - j + 2 * j * this.config.rng.nextFloat());
  }

  private stabilize(now: Millis): void {
    this.timers.set('stabilize', this.jittered(now, this.limits.stabilize_ms));
    const succ = this.routing.successor;
    if (succ.id === this.self.id) {
      const pred = this.routing.predecessor;
      if (pred) this.setSuccessors([pred]);
      return;
    }
    if (this.stabilizing) return;
    this.stabilizing = true;
    const sent = this.request(
      now,
      succ.addr,
      (rid) => ({ t: T.GetPred, rid, pad: listPad(this.m_bits, this.limits.successors) }),
      'maintenance',
      (at, reply) => {
        this.stabilizing = false;
        if (reply.t !== T.GetPredReply) return;
        const x = reply.pred;
        const closer = x !== undefined && x.id !== this.self.id && inOpen(x.id, this.self.id, succ.id);
        this.setSuccessors(closer ? [x, succ, ...reply.successors] : [succ, ...reply.successors]);
        this.send(this.routing.successor.addr, { t: T.Notify, rid: 0, self: this.self }, 'maintenance');
        // A closer successor appeared (joins): walk on to it now rather than a period later,
        // so a run of concurrent joins resolves in round trips, not in stabilize periods.
        if (closer) this.timers.setEarlier('stabilize', at + this.limits.stabilize_fast_ms);
      },
      (at) => {
        this.stabilizing = false;
        this.routing.remove(succ.id);
        this.successorMaybeChanged(succ);
        // Try the next successor at once rather than a whole period later.
        this.timers.set('stabilize', at + 1);
      },
    );
    if (!sent) this.stabilizing = false;
  }

  private setSuccessors(list: readonly NodeRef[]): void {
    const before = this.routing.successor;
    this.routing.setSuccessors(list);
    this.successorMaybeChanged(before);
  }

  private successorMaybeChanged(before: NodeRef): void {
    const after = this.routing.successor;
    if (after.id !== before.id) this.emit({ type: 'successor-changed', successor: this.info(after) });
  }

  private fixFingers(now: Millis): void {
    this.timers.set('fix-fingers', this.jittered(now, this.limits.fix_fingers_ms));
    if (this.fixing) return;
    // Fingers resolved locally cost nothing: walk on until one needs a lookup (at most m steps).
    for (let steps = 0; steps < this.m_bits; steps++) {
      const i = this.nextFinger;
      const start = fingerStart(this.self.id, i, this.m_bits);
      if (this.routing.successorOwns(start)) {
        this.nextFinger = this.routing.setFinger(i, this.routing.successor);
        if (this.nextFinger === 0) this.nextFinger = 1;
        if (this.nextFinger <= i) return; // wrapped: every finger visited this round
        continue;
      }
      this.fixing = true;
      this.lookup(
        now,
        start,
        (at, result) => {
          this.fixing = false;
          const node = result.nodes[0]!;
          const changed = this.routing.fingers[i]?.id !== node.id;
          this.adoptCloser(result.nodes);
          this.nextFinger = this.routing.setFinger(i, node);
          if (this.nextFinger === 0) this.nextFinger = 1;
          if (changed) this.emitFingers();
          // While fingers are still moving (a join, a failure), fix the next one soon.
          if (changed) this.timers.setEarlier('fix-fingers', at + this.limits.fix_fingers_fast_ms);
        },
        () => {
          this.fixing = false;
          this.nextFinger = (i + 1) % this.m_bits || 1;
        },
      );
      return;
    }
  }

  private lastFingers = '';

  /** A `fingers` event when the set of distinct finger nodes changed (the viewer draws them). */
  private emitFingers(): void {
    const ids: string[] = [];
    for (const f of this.routing.fingers) if (f && (ids.length === 0 || ids[ids.length - 1] !== idText(f.id, this.m_bits))) ids.push(idText(f.id, this.m_bits));
    const key = ids.join(',');
    if (key === this.lastFingers) return;
    this.lastFingers = key;
    this.emit({ type: 'fingers', fingers: [...new Set(ids)] });
  }

  /**
   * Looks our own successor up starting from our farthest finger, so the answer comes from the
   * node before us as the rest of the ring sees it. Concurrent joins can leave a "loopy" ring
   * (every node's successor skips one node: two interleaved cycles, each consistent, which
   * stabilize alone never repairs; Liben-Nowell, Balakrishnan, Karger, PODC 2002); this check
   * finds the skipped node.
   */
  private checkSuccessor(now: Millis): void {
    if (this.fixing) return;
    let far: NodeRef | undefined;
    for (let i = this.m_bits - 1; i >= 1 && far === undefined; i--) far = this.routing.fingers[i];
    if (far === undefined || far.id === this.routing.successor.id) return;
    this.fixing = true;
    const target = (this.self.id + 1n) & ((1n << BigInt(this.m_bits)) - 1n);
    this.lookup(
      now,
      target,
      (at, result) => {
        this.fixing = false;
        // Found a skipped node: look again soon, the loop may skip more than one.
        if (this.adoptCloser(result.nodes)) this.timers.setEarlier('check-successor', at + this.limits.stabilize_fast_ms);
      },
      () => {
        this.fixing = false;
      },
      undefined,
      far,
    );
  }

  /** A node a lookup named that lies between us and our successor becomes our successor. */
  private adoptCloser(nodes: readonly NodeRef[]): boolean {
    const succ = this.routing.successor;
    let best: NodeRef | undefined;
    for (const n of nodes) {
      if (n.id === this.self.id) continue;
      if (succ.id === this.self.id || inOpen(n.id, this.self.id, best?.id ?? succ.id)) best = n;
    }
    if (best === undefined || best.id === succ.id) return false;
    this.setSuccessors([best, ...this.routing.successors]);
    return true;
  }

  private checkPredecessor(now: Millis): void {
    this.timers.set('check-predecessor', this.jittered(now, this.limits.check_predecessor_ms));
    const pred = this.routing.predecessor;
    if (!pred || this.pinging) return;
    this.pinging = true;
    const sent = this.request(
      now,
      pred.addr,
      (rid) => ({ t: T.Ping, rid }),
      'maintenance',
      () => {
        this.pinging = false;
      },
      () => {
        this.pinging = false;
        if (this.routing.predecessor?.id === pred.id) {
          this.routing.predecessor = undefined;
          this.emit({ type: 'predecessor-changed', predecessor: undefined });
        }
      },
    );
    if (!sent) this.pinging = false;
  }

  /** Re-replication: every key this node is primary for goes to its r-1 successors. */
  private replicate(now: Millis): void {
    this.timers.set('replicate', this.jittered(now, this.limits.replicate_ms));
    this.store.expire(now, (id) => this.routing.isPrimary(id), this.limits.replica_ttl_ms, this.limits.tombstone_ttl_ms);
    const items: Item[] = [];
    let rehome = 0;
    for (const entry of this.store.values()) {
      if (this.routing.isPrimary(entry.keyId)) items.push(this.store.toItem(entry));
      else if (entry.value !== undefined && now >= entry.refreshedAt + this.limits.replica_ttl_ms / 2 && rehome < rehome_per_period_max) {
        // No primary refreshes this copy (a write reached the wrong node during churn, or the
        // primary lost it): before it expires, hand it to successor(key) as the ring sees it now.
        rehome++;
        const item = this.store.toItem(entry);
        this.lookup(
          now,
          entry.keyId,
          (_at, result) => {
            const home = result.nodes[0];
            if (home !== undefined && home.id !== this.self.id) this.pushItems(home.addr, [item]);
          },
          () => undefined,
        );
      }
    }
    if (items.length === 0) return;
    for (const succ of this.routing.successors.slice(0, this.limits.successors - 1)) this.pushItems(succ.addr, items);
  }

  /** Sends items in REPLICATE datagrams, as many per datagram as fit. */
  pushItems(to: Addr, items: readonly Item[]): void {
    let batch: Item[] = [];
    let size = 13;
    const flush = (): void => {
      if (batch.length === 0) return;
      this.send(to, { t: T.Replicate, rid: 0, items: batch }, 'data');
      this.counters.replicated_items += batch.length;
      batch = [];
      size = 13;
    };
    for (const item of items) {
      const bytes = 1 + 4 + 2 + item.key.byteLength + (item.value ? 2 + item.value.byteLength : 0);
      if (size + bytes > this.limits.datagram_bytes_max || batch.length >= 64) flush();
      batch.push(item);
      size += bytes;
    }
    flush();
  }

  // ---- input ----

  private onForeign(remote: Addr, theirs: Identity, rid: number, size_bytes: number): void {
    this.counters.drops.mismatch++;
    this.emit({ type: 'mismatch', side: 'inbound', remote: formatAddr(remote), ours: identityText(this.identity), theirs: identityText(theirs) });
    // Tell the sender, in a reply no larger than what it sent (it carries our identity).
    if (size_bytes >= 19) this.send(remote, { t: T.Mismatch, rid, theirs }, 'maintenance');
  }

  private onMessage(now: Millis, remote: Addr, m: ChordWire): void {
    switch (m.t) {
      case T.FindSuccReply:
      case T.GetPredReply:
      case T.Pong:
      case T.GetReply:
      case T.PutReply: {
        const request = this.requests.take(m.rid, remote);
        if (request === undefined) {
          this.counters.drops['stale-reply']++;
          return;
        }
        request.onReply(now, m);
        return;
      }
      case T.Mismatch: {
        // Our request reached another ring: fail it with a typed error (outbound side).
        this.emit({ type: 'mismatch', side: 'outbound', remote: formatAddr(remote), ours: identityText(this.identity), theirs: identityText(m.theirs) });
        this.counters.drops.mismatch++;
        this.requests.take(m.rid, remote)?.onReply(now, m);
        return;
      }
      case T.FindSucc:
        this.lookups.serve(remote, m.rid, m.target, m.pad);
        return;
      case T.GetPred: {
        const max = Math.floor((m.pad - 12 - 2 - refBytes(this.m_bits)) / refBytes(this.m_bits));
        this.send(remote, { t: T.GetPredReply, rid: m.rid, pred: this.routing.predecessor, successors: this.routing.successors.slice(0, Math.max(0, Math.min(max, this.limits.successors))) }, 'maintenance');
        return;
      }
      case T.Notify:
        this.onNotify(m.self);
        return;
      case T.Ping:
        this.send(remote, { t: T.Pong, rid: m.rid }, 'maintenance');
        return;
      case T.Get:
        this.dict.onGet(remote, m.rid, m.key, m.pad);
        return;
      case T.Put:
        this.dict.onPut(now, remote, m.rid, m.item);
        return;
      case T.Replicate:
        for (const item of m.items) {
          if (this.store.apply(now, item, this.keyId(item.key)) === 'full') this.counters.drops['store-full']++;
        }
        return;
      case T.Leave:
        this.onLeave(m.self, m.pred, m.successors);
        return;
    }
  }

  private onNotify(n: NodeRef): void {
    if (!this.joinedFlag || n.id === this.self.id) return;
    const old = this.routing.predecessor;
    if (old !== undefined && old.id !== n.id && !inOpen(n.id, old.id, this.self.id)) return;
    if (old?.id === n.id) return;
    this.routing.predecessor = n;
    this.emit({ type: 'predecessor-changed', predecessor: this.info(n) });
    // A node alone takes its first partner as successor too (the two-node ring forms at once).
    if (this.routing.successor.id === this.self.id) this.setSuccessors([n]);
    // Hand-over: keys now in the new predecessor's range go to it (we keep a replica).
    const items: Item[] = [];
    for (const entry of this.store.values()) {
      if (inHalfOpen(entry.keyId, n.id, this.self.id)) continue;
      if (old === undefined || inHalfOpen(entry.keyId, old.id, n.id)) items.push(this.store.toItem(entry));
    }
    if (items.length > 0) this.pushItems(n.addr, items);
  }

  private onLeave(leaver: NodeRef, pred: NodeRef | undefined, successors: readonly NodeRef[]): void {
    if (this.routing.predecessor?.id === leaver.id) {
      this.routing.predecessor = pred && pred.id !== this.self.id ? pred : undefined;
      this.emit({ type: 'predecessor-changed', predecessor: this.routing.predecessor ? this.info(this.routing.predecessor) : undefined });
    }
    if (this.routing.successor.id === leaver.id) {
      const before = this.routing.successor;
      const rest = successors.filter((s) => s.id !== leaver.id && s.id !== this.self.id);
      if (rest.length > 0) this.routing.setSuccessors(rest);
      else this.routing.remove(leaver.id);
      this.routing.forgetFinger(leaver.id);
      this.successorMaybeChanged(before);
    } else {
      this.routing.forgetFinger(leaver.id);
    }
  }
}
