// The Chord node (Stoica et al., SIGCOMM 2001 / ToN 2003) as a Sans-IO machine: the facade
// that holds the contract (handle*/poll*), the output queues, requests in flight, join and
// leave, and dispatches what arrives. The parts live beside it, one noun each: ring upkeep in
// maintenance.ts (stabilize / notify / fixFingers / checkPredecessor, adaptive periods),
// iterative lookups in lookup.ts, r-way replication and hand-over in replication.ts, py2p's
// dict operations (get/set/delete/update) in dict-client.ts. Over plain datagrams the machine
// talks to addresses; nothing a peer sends throws out of handle*.
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
import { hashToId, idText, type ChordId } from './id.ts';
import { Lookups, type LookupDone, type LookupFail } from './lookup.ts';
import { Maintenance, type ChordTimer } from './maintenance.ts';
import { Replication } from './replication.ts';
import { RequestTable } from './requests.ts';
import { RoutingTable } from './routing.ts';
import { ChordStore } from './store.ts';
import { decodeChord, encodeChord, refBytes, RING_TAG_BYTES, T, validMBits, type ChordWire, type Identity, type NodeRef } from './wire.ts';
import { utf8 } from '../core/bytes.ts';

export type ChordCommand =
  | { readonly type: 'create' }
  | { readonly type: 'join'; readonly via: Addr }
  | { readonly type: 'leave' }
  | DictCommand;

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
  private readonly timers = new TimerTable<ChordTimer>();
  private readonly dict: DictClient;
  private readonly lookups: Lookups;
  readonly maintenance: Maintenance;
  readonly replication: Replication;
  private joinedFlag = false;
  private closed = false;

  constructor(readonly config: ChordConfig) {
    this.limits = resolveLimits(config.limits);
    this.m_bits = config.m_bits ?? m_bits_default;
    if (!validMBits(this.m_bits)) throw new ChordConfigError(`m_bits ${this.m_bits} not in 3..256`);
    const tag = config.crypto.sha256(utf8(config.ring)).subarray(0, RING_TAG_BYTES);
    this.identity = { version: CHORD_VERSION, m_bits: this.m_bits, ring_tag: tag.slice() };
    this.self = { id: hashToId(config.crypto, config.publicKey, this.m_bits), addr: config.local };
    this.routing = new RoutingTable(this.self, this.m_bits, this.limits.successors, config.route_via_successors ?? true);
    this.store = new ChordStore(this.limits.store_keys_max);
    this.requests = new RequestTable(config.rng, this.limits.pending_max * 2 + 16);
    this.transmits = BoundedQueue.dropNewest(this.limits.transmits_max);
    this.events = BoundedQueue.dropNewest(this.limits.events_max);
    this.dict = new DictClient(this);
    this.lookups = new Lookups(this);
    this.maintenance = new Maintenance(this, this.timers);
    this.replication = new Replication(this, this.timers);
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
      if (name === 'replicate') this.replication.onTimer(now);
      else this.maintenance.onTimer(now, name);
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
    this.maintenance.start(now);
    if (this.store.size > 0) this.replication.arm(now);
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
      this.replication.push(succ.addr, this.replication.primaryItems());
      const leave: ChordWire = { t: T.Leave, rid: 0, self: this.self, pred, successors: this.routing.successors.slice(0, this.limits.successors) };
      this.send(succ.addr, leave, 'maintenance');
      if (pred && pred.id !== succ.id) this.send(pred.addr, leave, 'maintenance');
    }
    this.emit({ type: 'left' });
    this.closed = true;
    this.requests.clear();
    this.maintenance.stop();
    this.replication.stop();
  }

  jittered(now: Millis, period_ms: number): Millis {
    const j = this.limits.jitter_fraction;
    return now + period_ms * (1 - j + 2 * j * this.config.rng.nextFloat());
  }

  /** A dead node showed up (a lookup hop went silent): ring upkeep back to its base periods. */
  noteFailure(now: Millis): void {
    this.maintenance.disturbed(now);
  }

  /** Sends items in REPLICATE datagrams (replication.ts). */
  pushItems(to: Addr, items: Parameters<Replication['push']>[1]): void {
    this.replication.push(to, items);
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
        this.maintenance.onNotify(now, remote, m.self);
        return;
      case T.Hint:
        this.maintenance.onHint(now, m.self);
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
        this.replication.onReplicate(now, m.items);
        return;
      case T.Leave:
        this.maintenance.onLeave(now, m.self, m.pred, m.successors);
        return;
    }
  }
}
