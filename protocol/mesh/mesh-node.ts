// The mesh overlay machine (py2p's MeshSocket, rebuilt): HyParView-style membership (a small
// active view of links, a larger passive view, random-walk joins and shuffles, keepalive
// deadlines) carrying Plumtree or flooding broadcasts, whispers to direct neighbours and
// replies routed straight back to the original sender. Links are addresses; the machine runs
// over plain datagrams as is, or over secure sessions through secure-mesh.ts, which hands in
// the key each session authenticated. Never throws from handle*: refusals are events.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import { protocol_id_bytes_max, resolveLimits, type MeshConfig, type MeshLimits } from './config.ts';
import { MeshError, type MeshDropReason, type MeshErrorCode, type MeshEvent, type MeshFlag } from './events.ts';
import { ExpiringMap } from './expiring-set.ts';
import { toBytes, type MeshHandler, type MeshMessage, type SendResult } from './message.ts';
import type { KnownPeer, Neighbour, PendingRequest } from './neighbour.ts';
import { nodeId } from './node-id.ts';
import { Plumtree, type GossipWire } from './plumtree.ts';
import { bytesEqual, decodeMesh, encodeMesh, hex, MSG_ID_BYTES, T, WIRE_ENTRIES_MAX, type DecodeLimits, type Hello, type MeshWire, type PeerEntry } from './wire.ts';

export type MeshCommand =
  | { readonly type: 'send'; readonly packets: ReadonlyArray<Uint8Array | string>; readonly flag?: 'broadcast' | 'whisper'; readonly msg_type?: string }
  | { readonly type: 'reply'; readonly to: string; readonly packets: ReadonlyArray<Uint8Array | string>; readonly msg_type?: string }
  | { readonly type: 'connect'; readonly addr: Addr }
  /** One neighbour by id, or every link (a graceful leave) without `peer`. */
  | { readonly type: 'disconnect'; readonly peer?: string };

export interface RoutingEntry {
  readonly id: string;
  readonly addr: string;
  readonly advertised: string;
  readonly key_hex: string;
  readonly eager: boolean;
}

interface SenderInfo {
  readonly key: Uint8Array;
  readonly addr: Addr;
}

export class MeshNode implements Machine<MeshCommand, MeshEvent> {
  readonly id: string;
  readonly limits: MeshLimits;
  readonly counters: Record<MeshDropReason | 'handler-error' | 'sent_datagrams' | 'dissemination_datagrams' | 'dissemination_bytes', number> = {
    malformed: 0,
    'not-a-neighbour': 0,
    unsolicited: 0,
    'identity-mismatch': 0,
    duplicate: 0,
    self: 0,
    'inbox-full': 0,
    'missing-full': 0,
    'events-full': 0,
    'transmits-full': 0,
    'unknown-reply': 0,
    'handler-error': 0,
    sent_datagrams: 0,
    /** GOSSIP, IHAVE, GRAFT, PRUNE, ACK: the cost of broadcasting (membership excluded). */
    dissemination_datagrams: 0,
    dissemination_bytes: 0,
  };
  readonly plumtree: Plumtree;
  private readonly config: MeshConfig;
  private readonly hello: Hello;
  private readonly decodeLimits: DecodeLimits;
  private readonly active = new Map<string, Neighbour>();
  private readonly passive = new Map<string, KnownPeer>();
  private readonly rejoin = new Map<string, KnownPeer>();
  private readonly pending = new Map<string, PendingRequest>();
  /** Addresses the application asked us to join through (re-joined when we end up alone). */
  private readonly contacts = new Map<string, Addr>();
  private readonly transmits: Transmit[] = [];
  private transmitsHead = 0;
  private readonly events: MeshEvent[] = [];
  private eventsHead = 0;
  private readonly inbox: MeshMessage[] = [];
  private readonly handlers: MeshHandler[] = [];
  private readonly defaults: MeshHandler[] = [];
  /** Who sent each recent message, so `reply` can find them. */
  private readonly senders: ExpiringMap<SenderInfo>;
  /** Ids of messages we sent: a stranger may answer them with a direct reply. */
  private readonly originated: ExpiringMap<true>;
  private readonly replies: ExpiringMap<true>;
  private tickAt: Millis;
  private shuffleAt: Millis;
  private shuffleUntil: Millis = -1;
  private refillAt: Millis = 0;
  private rejoinAt: Millis = 0;
  private exploreAt: Millis;
  private left = false;
  /** Time handed in by the current (or last) handle* call; reply() from handlers uses it. */
  now: Millis = 0;

  constructor(config: MeshConfig) {
    this.config = config;
    this.limits = resolveLimits(config.limits);
    if (new TextEncoder().encode(config.protocol_id).byteLength > protocol_id_bytes_max) {
      throw new MeshError('type-too-long', `protocol_id over ${protocol_id_bytes_max} bytes`);
    }
    if (config.publicKey.byteLength !== 32) throw new MeshError('unknown-message', 'publicKey must be 32 bytes');
    this.id = nodeId(config.crypto, config.publicKey);
    this.hello = { protocol: config.protocol_id, version: config.protocol_version & 0xffff, key: config.publicKey, addr: config.outward ?? config.local };
    this.decodeLimits = {
      protocol_bytes_max: protocol_id_bytes_max,
      type_bytes_max: this.limits.type_bytes_max,
      packets_max: this.limits.packets_max,
      entries_max: Math.min(WIRE_ENTRIES_MAX, this.limits.shuffle_active + this.limits.shuffle_passive + 1),
    };
    this.senders = new ExpiringMap(this.limits.store_ttl_ms, this.limits.store_max);
    this.originated = new ExpiringMap(this.limits.seen_ttl_ms, this.limits.originated_max);
    this.replies = new ExpiringMap(this.limits.seen_ttl_ms, this.limits.store_max);
    this.plumtree = new Plumtree(config.mode ?? 'plumtree', this.limits, {
      send: (to, wire) => this.sendTo(to.addr, wire, to),
      deliver: (gossip, from, via) => this.deliverGossip(gossip, from, via),
      duplicate: (gossip, from) => this.emit({ type: 'duplicate', id: hex(gossip.id), hops: gossip.hops + 1, from: from.addrKey }),
      neighbours: () => this.active.values(),
      neighbour: (key) => this.active.get(key),
      debug: (what, peer) => this.debug(what, peer),
      dropped: (reason) => this.counters[reason]++,
      random: () => config.rng.nextFloat(),
    });
    this.tickAt = this.limits.tick_ms * config.rng.nextFloat();
    this.shuffleAt = this.limits.shuffle_interval_ms * (0.5 + config.rng.nextFloat());
    this.exploreAt = this.limits.explore_interval_ms * (0.5 + config.rng.nextFloat());
  }

  // ================= Machine =================

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    this.handleMessage(now, remote, data, undefined);
  }

  /**
   * A message from `remote`. `authKey` is the key a secure session proved for that link
   * (secure-mesh.ts); without it (plain datagrams) the keys peers claim are taken as given.
   */
  handleMessage(now: Millis, remote: Addr, data: Uint8Array, authKey: Uint8Array | undefined): void {
    this.now = now;
    let wire: MeshWire;
    try {
      wire = decodeMesh(data, this.decodeLimits);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.counters.malformed++;
      return;
    }
    try {
      this.dispatch(now, remote, wire, authKey);
    } finally {
      this.plumtree.flush();
    }
  }

  handleTimeout(now: Millis): void {
    this.now = now;
    if (now >= this.tickAt) {
      this.tick(now);
      this.tickAt = now + this.limits.tick_ms;
    }
    this.plumtree.onTimeout(now);
    this.plumtree.flush();
  }

  handleCommand(now: Millis, command: MeshCommand): void {
    this.now = now;
    let result: SendResult | undefined;
    switch (command.type) {
      case 'send':
        result = this.send(now, command.packets, { flag: command.flag, type: command.msg_type });
        break;
      case 'reply':
        result = this.replyTo(now, command.to, command.packets, command.msg_type);
        break;
      case 'connect':
        result = this.connect(now, command.addr);
        break;
      case 'disconnect':
        this.disconnect(now, command.peer);
        break;
    }
    if (result && !result.ok) this.emit({ type: 'mesh-error', code: result.code, detail: result.detail });
  }

  pollTransmit(): Transmit | undefined {
    if (this.transmitsHead >= this.transmits.length) {
      this.transmits.length = 0;
      this.transmitsHead = 0;
      return undefined;
    }
    return this.transmits[this.transmitsHead++];
  }

  pollEvent(): MeshEvent | undefined {
    if (this.eventsHead >= this.events.length) {
      this.events.length = 0;
      this.eventsHead = 0;
      return undefined;
    }
    return this.events[this.eventsHead++];
  }

  pollTimeout(): Millis | undefined {
    if (this.left) return undefined;
    const missing = this.plumtree.nextDeadline();
    return missing === undefined || missing > this.tickAt ? this.tickAt : missing;
  }

  // ================= application API =================

  /** py2p send(*packets, flag=, type=): a broadcast reaches every live participant once; a whisper only direct neighbours. */
  send(now: Millis, packets: ReadonlyArray<Uint8Array | string>, options: { flag?: 'broadcast' | 'whisper'; type?: string; id?: Uint8Array } = {}): SendResult {
    this.now = now;
    const bytes = packets.map(toBytes);
    const type = options.type ?? '';
    const check = this.checkPayload(bytes, type);
    if (check) return check;
    // A layer may name the message (sync writes: the id is a hash of the write), so the same
    // content sent by several nodes is deduplicated as one broadcast.
    const id = options.id?.byteLength === MSG_ID_BYTES ? options.id : this.config.rng.nextBytes(MSG_ID_BYTES);
    const idHex = hex(id);
    if (options.id && this.plumtree.seen.has(idHex)) return { ok: true, id: idHex };
    const flag = options.flag ?? 'broadcast';
    if (flag === 'whisper') {
      if (this.active.size === 0) return refuse('no-neighbours', 'whisper with an empty routing table');
      this.originated.set(now, idHex, true);
      for (const n of this.active.values()) this.sendTo(n.addr, { t: T.Whisper, id, type, packets: bytes }, n);
    } else {
      this.originated.set(now, idHex, true);
      this.plumtree.originate(now, { t: T.Gossip, id, hops: 0, retx: false, repaired: false, type, origin: this.entry(), packets: bytes });
      this.plumtree.flush();
    }
    this.emit({ type: 'sent', id: idHex, flag, msg_type: type, size_bytes: bytes.reduce((s, p) => s + p.byteLength, 0) });
    return { ok: true, id: idHex };
  }

  /** Replies to message `to` (hex id): over the link if its sender is a neighbour, else straight to its address. */
  replyTo(now: Millis, to: string, packets: ReadonlyArray<Uint8Array | string>, type = ''): SendResult {
    this.now = now;
    const sender = this.senders.get(to);
    if (sender === undefined || !/^[0-9a-f]{32}$/.test(to)) return refuse('unknown-message', `no recent message ${to}`);
    const bytes = packets.map(toBytes);
    const check = this.checkPayload(bytes, type);
    if (check) return check;
    const id = this.config.rng.nextBytes(MSG_ID_BYTES);
    const inReplyTo = Uint8Array.from(to.match(/../g)!.map((b) => parseInt(b, 16)));
    const wire: MeshWire = { t: T.Direct, id, inReplyTo, type, origin: this.entry(), packets: bytes };
    const link = [...this.active.values()].find((n) => bytesEqual(n.key, sender.key));
    this.originated.set(now, hex(id), true);
    this.sendTo(link?.addr ?? sender.addr, wire, link, link ? undefined : sender.key);
    this.emit({ type: 'sent', id: hex(id), flag: 'reply', msg_type: type, size_bytes: bytes.reduce((s, p) => s + p.byteLength, 0) });
    return { ok: true, id: hex(id) };
  }

  /** Whispers to one neighbour (by id): anti-entropy of layers built on the mesh. */
  whisperTo(now: Millis, peer: string, packets: readonly Uint8Array[], type: string): SendResult {
    this.now = now;
    const check = this.checkPayload(packets, type);
    if (check) return check;
    const n = [...this.active.values()].find((x) => x.id === peer);
    if (n === undefined) return refuse('no-neighbours', `${peer} is not a neighbour`);
    const id = this.config.rng.nextBytes(MSG_ID_BYTES);
    this.sendTo(n.addr, { t: T.Whisper, id, type, packets }, n);
    return { ok: true, id: hex(id) };
  }

  /** py2p connect(addr, port): joins the mesh through the peer at `addr`. */
  connect(now: Millis, to: Addr): SendResult {
    this.now = now;
    this.left = false;
    if (addrEquals(to, this.config.local) || addrEquals(to, this.hello.addr)) return refuse('self-connect', formatAddr(to));
    const key = formatAddr(to);
    if (this.active.has(key)) return refuse('already-connected', key);
    if (this.pending.size >= this.limits.pending_requests_max) return refuse('pending-full', `${this.pending.size} requests pending`);
    this.contacts.delete(key);
    this.contacts.set(key, to);
    while (this.contacts.size > this.limits.contacts_max) this.contacts.delete(this.contacts.keys().next().value!);
    this.pending.set(key, { kind: 'join', addr: to, deadline: now + this.limits.request_timeout_ms, high: true, lazy: false, attempts: 1 });
    this.sendTo(to, { t: T.Join, hello: this.hello });
    this.debug('join', key);
    return { ok: true, id: '' };
  }

  /** Drops one neighbour (told with DISCONNECT), or every link: a graceful leave. */
  disconnect(now: Millis, peer?: string): void {
    this.now = now;
    for (const n of [...this.active.values()]) {
      if (peer !== undefined && n.id !== peer) continue;
      this.sendTo(n.addr, { t: T.Disconnect }, n);
      this.removeNeighbour(n, 'local', false);
    }
    if (peer === undefined) {
      this.left = true;
      this.passive.clear();
      this.rejoin.clear();
      this.pending.clear();
      this.contacts.clear();
    }
  }

  /** Next message no handler consumed (py2p recv()), oldest first. */
  recv(): MeshMessage | undefined {
    return this.inbox.shift();
  }

  /** Drains recv() (the Sans-IO stand-in for py2p's iterator; runtimes wrap it in an async one). */
  *messages(): IterableIterator<MeshMessage> {
    for (let m = this.recv(); m; m = this.recv()) yield m;
  }

  /** py2p register_handler: `fn(message, node)`; runs after the defaults until one returns true. */
  registerHandler(fn: MeshHandler): void {
    if (typeof fn !== 'function' || fn.length !== 2) {
      throw new MeshError('handler-arity', `a handler takes (message, node); this one takes ${typeof fn === 'function' ? fn.length : 'nothing'}`);
    }
    if (this.handlers.length >= this.limits.handlers_max) throw new MeshError('handlers-full', `${this.limits.handlers_max} handlers`);
    this.handlers.push(fn);
  }

  /** For layers built on the mesh (the sync dict): runs before every user handler. */
  registerDefaultHandler(fn: MeshHandler): void {
    this.defaults.push(fn);
  }

  /** py2p routing_table: the active view, id -> link. */
  get routingTable(): ReadonlyMap<string, RoutingEntry> {
    const table = new Map<string, RoutingEntry>();
    for (const n of this.active.values()) {
      table.set(n.id, { id: n.id, addr: formatAddr(n.addr), advertised: formatAddr(n.advertised), key_hex: hex(n.key), eager: n.eager });
    }
    return table;
  }

  get passiveSize(): number {
    return this.passive.size;
  }

  get publicKey(): Uint8Array {
    return this.config.publicKey;
  }

  get outward(): Addr {
    return this.hello.addr;
  }

  /** The key we expect at `addr` (secure-mesh pins sessions with it), when we know one. */
  expectedKey(addrKey: string): Uint8Array | undefined {
    return this.active.get(addrKey)?.key ?? this.passive.get(addrKey)?.key ?? this.rejoin.get(addrKey)?.key ?? this.pinned.get(addrKey);
  }

  private readonly pinned = new Map<string, Uint8Array>();

  // ================= dispatch =================

  private dispatch(now: Millis, remote: Addr, wire: MeshWire, authKey: Uint8Array | undefined): void {
    const remoteKey = formatAddr(remote);
    const n = this.active.get(remoteKey);
    if (n && authKey && !bytesEqual(authKey, n.key)) {
      this.counters['identity-mismatch']++;
      return;
    }
    if (n) n.deadAt = now + this.limits.dead_ms;
    switch (wire.t) {
      case T.Join:
      case T.Neighbor:
        return this.onLinkRequest(now, remote, remoteKey, wire, authKey);
      case T.Welcome:
      case T.NeighborReply:
        return this.onLinkAnswer(now, remote, remoteKey, wire, authKey);
      case T.Mismatch: {
        if (!this.pending.delete(remoteKey)) return void this.counters.unsolicited++;
        // Another mesh: never promote it, retry it or re-join through it.
        this.passive.delete(remoteKey);
        this.rejoin.delete(remoteKey);
        this.contacts.delete(remoteKey);
        this.emit({ type: 'protocol-mismatch', addr: remoteKey, local_id: this.hello.protocol, local_version: this.hello.version, remote_id: wire.mine, remote_version: wire.myVersion });
        return;
      }
      case T.Direct:
        return this.onDirect(now, remote, n, wire, authKey);
      default:
        break;
    }
    if (!n) return void this.counters['not-a-neighbour']++;
    switch (wire.t) {
      case T.ForwardJoin:
        return this.onForwardJoin(now, n, wire.ttl, wire.joiner);
      case T.Disconnect:
        this.removeNeighbour(n, 'disconnect', true);
        return;
      case T.Shuffle:
        return this.onShuffle(now, n, wire.ttl, wire.origin, wire.entries);
      case T.ShuffleReply:
        if (now > this.shuffleUntil) return void this.counters.unsolicited++;
        return this.integrate(wire.entries);
      case T.Ping:
        return;
      case T.Gossip:
        return this.plumtree.onGossip(now, n, wire);
      case T.IHave:
        return this.plumtree.onIHave(now, n, wire.items);
      case T.Graft:
        return this.plumtree.onGraft(n, wire.ids, wire.repair);
      case T.Prune:
        return this.plumtree.onPrune(n);
      case T.Ack:
        return this.plumtree.onAck(n, wire.ids);
      case T.Whisper:
        return this.deliver(now, wire.id, 'whisper', n.key, n.advertised, wire.type, wire.packets, 0, n.addrKey);
    }
  }

  private compatible(h: Hello): boolean {
    return h.protocol === this.hello.protocol && h.version >> 8 === this.hello.version >> 8;
  }

  private onLinkRequest(now: Millis, remote: Addr, remoteKey: string, wire: Extract<MeshWire, { t: T.Join | T.Neighbor }>, authKey: Uint8Array | undefined): void {
    const h = wire.hello;
    if (!this.compatible(h)) {
      // Answer no larger than the request (protocol ids are capped): the joiner learns why at once.
      this.sendTo(remote, { t: T.Mismatch, mine: this.hello.protocol, myVersion: this.hello.version, yours: h.protocol, yourVersion: h.version });
      this.emit({ type: 'protocol-mismatch', addr: remoteKey, local_id: this.hello.protocol, local_version: this.hello.version, remote_id: h.protocol, remote_version: h.version });
      return;
    }
    if (authKey && !bytesEqual(authKey, h.key)) return void this.counters['identity-mismatch']++;
    if (bytesEqual(h.key, this.hello.key)) return void this.counters.self++;
    if (this.left) return void this.counters.unsolicited++;
    if (wire.t === T.Join) {
      const fresh = this.addNeighbour(now, remote, h.key, h.addr);
      this.sendTo(remote, { t: T.Welcome, hello: this.hello });
      if (fresh) {
        for (const other of this.active.values()) {
          if (other !== fresh) this.sendTo(other.addr, { t: T.ForwardJoin, ttl: this.limits.arwl, joiner: { key: h.key, addr: h.addr } }, other);
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
    this.sendTo(remote, { t: T.NeighborReply, hello: this.hello, accepted: accept });
  }

  private onLinkAnswer(now: Millis, remote: Addr, remoteKey: string, wire: Extract<MeshWire, { t: T.Welcome | T.NeighborReply }>, authKey: Uint8Array | undefined): void {
    const request = this.pending.get(remoteKey);
    if (request === undefined || (wire.t === T.Welcome) !== (request.kind === 'join')) return void this.counters.unsolicited++;
    this.pending.delete(remoteKey);
    const h = wire.hello;
    if (!this.compatible(h)) {
      this.emit({ type: 'protocol-mismatch', addr: remoteKey, local_id: this.hello.protocol, local_version: this.hello.version, remote_id: h.protocol, remote_version: h.version });
      return;
    }
    if (authKey && !bytesEqual(authKey, h.key)) return void this.counters['identity-mismatch']++;
    if (bytesEqual(h.key, this.hello.key)) return void this.counters.self++;
    if (wire.t === T.NeighborReply && !wire.accepted) {
      this.addPassive(h.key, h.addr);
      return;
    }
    this.rejoin.delete(remoteKey);
    this.addNeighbour(now, remote, h.key, h.addr, request.lazy);
  }

  private onForwardJoin(now: Millis, from: Neighbour, ttl: number, joiner: PeerEntry): void {
    if (bytesEqual(joiner.key, this.hello.key)) return;
    const joinerKey = formatAddr(joiner.addr);
    if (ttl === 0 || this.active.size <= 1) {
      if (!this.active.has(joinerKey)) this.request(now, joiner.addr, joiner.key, true);
      return;
    }
    if (ttl === this.limits.prwl) this.addPassive(joiner.key, joiner.addr);
    const next = this.randomNeighbour((n) => n !== from && n.addrKey !== joinerKey);
    if (next) this.sendTo(next.addr, { t: T.ForwardJoin, ttl: ttl - 1, joiner }, next);
    else if (!this.active.has(joinerKey)) this.request(now, joiner.addr, joiner.key, true);
    this.debug('forward-join', from.id);
  }

  private onShuffle(now: Millis, from: Neighbour, ttl: number, origin: PeerEntry, entries: readonly PeerEntry[]): void {
    if (bytesEqual(origin.key, this.hello.key)) return;
    if (ttl > 0 && this.active.size > 1) {
      const next = this.randomNeighbour((n) => n !== from);
      if (next) return this.sendTo(next.addr, { t: T.Shuffle, ttl: ttl - 1, origin, entries }, next);
    }
    const reply = this.sample([...this.passive.values()], entries.length).map((p) => ({ key: p.key, addr: p.addr }));
    const originKey = formatAddr(origin.addr);
    const link = this.active.get(originKey);
    // The answer goes to the origin only when it is a neighbour, so we never send to a
    // stranger's claimed address on its behalf; otherwise it goes back along the walk's last hop.
    this.sendTo(link ? link.addr : from.addr, { t: T.ShuffleReply, entries: reply }, link ?? from);
    this.integrate(entries);
    this.debug('shuffle', from.id);
  }

  private onDirect(now: Millis, remote: Addr, n: Neighbour | undefined, wire: Extract<MeshWire, { t: T.Direct }>, authKey: Uint8Array | undefined): void {
    if (n === undefined && !this.originated.has(hex(wire.inReplyTo))) return void this.counters['unknown-reply']++;
    if (authKey && !bytesEqual(authKey, wire.origin.key)) return void this.counters['identity-mismatch']++;
    if (n && !bytesEqual(n.key, wire.origin.key)) return void this.counters['identity-mismatch']++;
    this.deliver(now, wire.id, 'reply', wire.origin.key, wire.origin.addr, wire.type, wire.packets, 0, formatAddr(remote));
  }

  // ================= membership =================

  private request(now: Millis, to: Addr, key: Uint8Array, high: boolean, lazy = false): void {
    const addrKey = formatAddr(to);
    if (this.pending.has(addrKey) || this.pending.size >= this.limits.pending_requests_max) return;
    if (addrEquals(to, this.config.local) || addrEquals(to, this.hello.addr)) return;
    this.pinned.set(addrKey, key);
    if (this.pinned.size > this.limits.pending_requests_max * 4) this.pinned.delete(this.pinned.keys().next().value!);
    this.pending.set(addrKey, { kind: 'neighbor', addr: to, deadline: now + this.limits.request_timeout_ms, high, lazy, attempts: 1 });
    this.sendTo(to, { t: T.Neighbor, hello: this.hello, high, lazy });
  }

  private addNeighbour(now: Millis, addr: Addr, key: Uint8Array, advertised: Addr, lazy = false): Neighbour | undefined {
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
      this.sendTo(victim.addr, { t: T.Disconnect }, victim);
      this.removeNeighbour(victim, 'evicted', true);
    }
    this.passive.delete(addrKey);
    this.rejoin.delete(addrKey);
    const n: Neighbour = { id: nodeId(this.config.crypto, key), key, addr, addrKey, advertised, eager: true, fresh: true, pingAt: now + this.limits.keepalive_ms, deadAt: now + this.limits.dead_ms };
    this.active.set(addrKey, n);
    this.emit({ type: 'neighbor-up', peer: n.id, addr: addrKey });
    this.plumtree.neighbourUp(n, lazy);
    return n;
  }

  private removeNeighbour(n: Neighbour, reason: 'disconnect' | 'dead' | 'evicted' | 'local', keep: boolean): void {
    if (this.active.get(n.addrKey) !== n) return;
    this.active.delete(n.addrKey);
    this.emit({ type: 'neighbor-down', peer: n.id, addr: n.addrKey, reason });
    if (reason === 'dead') {
      this.rejoin.set(n.addrKey, { key: n.key, addr: n.addr, addrKey: n.addrKey, until: this.now + this.limits.rejoin_forget_ms });
      while (this.rejoin.size > this.limits.rejoin_candidates_max) this.rejoin.delete(this.rejoin.keys().next().value!);
    } else if (keep) {
      this.addPassive(n.key, n.addr);
    }
    this.refillAt = this.now;
  }

  private addPassive(key: Uint8Array, addr: Addr): void {
    const addrKey = formatAddr(addr);
    if (bytesEqual(key, this.hello.key) || this.active.has(addrKey) || addrEquals(addr, this.hello.addr)) return;
    this.passive.delete(addrKey);
    this.passive.set(addrKey, { key, addr, addrKey, until: Infinity });
    while (this.passive.size > this.limits.passive_max) {
      const victim = this.sample([...this.passive.keys()], 1)[0]!;
      this.passive.delete(victim);
    }
  }

  private integrate(entries: readonly PeerEntry[]): void {
    for (const e of entries) this.addPassive(e.key, e.addr);
  }

  private tick(now: Millis): void {
    this.plumtree.expire(now);
    this.senders.expire(now);
    this.originated.expire(now);
    this.replies.expire(now);
    for (const [key, p] of this.pending) {
      if (now < p.deadline) continue;
      if (p.attempts < this.limits.request_attempts_max) {
        p.attempts++;
        p.deadline = now + this.limits.request_timeout_ms;
        this.sendTo(p.addr, p.kind === 'join' ? { t: T.Join, hello: this.hello } : { t: T.Neighbor, hello: this.hello, high: p.high, lazy: p.lazy });
        continue;
      }
      this.pending.delete(key);
      if (p.kind === 'neighbor') this.passive.delete(key); // unreachable: forget it
    }
    for (const n of [...this.active.values()]) {
      if (now >= n.deadAt) this.removeNeighbour(n, 'dead', false);
      else if (now >= n.pingAt) this.sendTo(n.addr, { t: T.Ping }, n);
    }
    if (this.left) return;
    if (this.active.size < 2 && this.passive.size === 0 && this.pending.size === 0 && now >= this.refillAt) {
      // Alone with nobody to promote: join again through a contact the application gave us.
      const contact = this.sample([...this.contacts.values()], 1)[0];
      if (contact) {
        this.pending.set(formatAddr(contact), { kind: 'join', addr: contact, deadline: now + this.limits.request_timeout_ms, high: true, lazy: false, attempts: 1 });
        this.sendTo(contact, { t: T.Join, hello: this.hello });
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
        this.debug('promote', candidate.addrKey);
      }
      this.refillAt = now + (this.active.size < 2 ? this.limits.tick_ms : this.limits.request_timeout_ms);
    }
    if (now >= this.exploreAt) {
      // Now and then link to a random passive peer even with a full view (accepted only where
      // there is slack): the overlay keeps mixing, so no group of peers stays cut off.
      this.exploreAt = now + this.limits.explore_interval_ms * (0.5 + this.config.rng.nextFloat());
      if (this.active.size < this.limits.active_max + this.limits.active_slack) {
        const candidate = this.sample([...this.passive.values()].filter((p) => !this.pending.has(p.addrKey)), 1)[0];
        // A lazy link: it adds paths for repair and mixing, not a tree cycle to prune.
        if (candidate) this.request(now, candidate.addr, candidate.key, false, true);
      }
    }
    if (now >= this.rejoinAt && this.rejoin.size > 0) {
      for (const [key, p] of this.rejoin) if (now >= p.until || this.active.has(key)) this.rejoin.delete(key);
      const candidate = this.sample([...this.rejoin.values()], 1)[0];
      if (candidate) {
        // High priority: after a partition heals both sides have full views, and only this
        // re-creates the links that crossed the cut.
        this.request(now, candidate.addr, candidate.key, true);
        this.debug('rejoin', candidate.addrKey);
      }
      this.rejoinAt = now + this.limits.rejoin_interval_ms * (0.5 + this.config.rng.nextFloat());
    }
    if (now >= this.shuffleAt) {
      this.shuffleAt = now + this.limits.shuffle_interval_ms * (0.5 + this.config.rng.nextFloat());
      const target = this.randomNeighbour(() => true);
      if (target) {
        const entries = [
          { key: this.hello.key, addr: this.hello.addr },
          ...this.sample([...this.active.values()].filter((n) => n !== target), this.limits.shuffle_active).map((n) => ({ key: n.key, addr: n.advertised })),
          ...this.sample([...this.passive.values()], this.limits.shuffle_passive).map((p) => ({ key: p.key, addr: p.addr })),
        ];
        this.shuffleUntil = now + this.limits.request_timeout_ms * 4;
        this.sendTo(target.addr, { t: T.Shuffle, ttl: this.limits.arwl, origin: { key: this.hello.key, addr: this.hello.addr }, entries }, target);
      }
    }
  }

  // ================= delivery =================

  private deliverGossip(g: GossipWire, from: Neighbour | undefined, via: 'push' | 'graft' = 'push'): void {
    this.deliver(this.now, g.id, 'broadcast', g.origin.key, g.origin.addr, g.type, g.packets, g.hops + 1, from?.addrKey ?? '', via);
  }

  private deliver(now: Millis, id: Uint8Array, flag: MeshFlag, senderKey: Uint8Array, senderAddr: Addr, type: string, packets: readonly Uint8Array[], hops: number, from: string, via?: 'push' | 'graft'): void {
    const idHex = hex(id);
    if (flag !== 'broadcast') {
      // Whispers and replies are not in the Plumtree dedup cache; they get their own.
      if (!this.replies.set(now, idHex, true)) return void this.counters.duplicate++;
    }
    const sender = nodeId(this.config.crypto, senderKey);
    this.senders.set(now, idHex, { key: senderKey, addr: senderAddr });
    const size_bytes = packets.reduce((s, p) => s + p.byteLength, 0);
    this.emit({ type: 'message', id: idHex, flag, sender, msg_type: type, hops, from, size_bytes, ...(via === undefined ? {} : { via }) });
    const message: MeshMessage = {
      id: idHex,
      flag,
      sender,
      senderKey,
      senderAddr,
      type,
      packets,
      time: now,
      hops,
      reply: (...reply) => this.replyTo(this.now, idHex, reply, type),
    };
    let handled = false;
    try {
      handled = this.defaults.some((h) => h(message, this) === true) || this.handlers.some((h) => h(message, this) === true);
    } catch (error) {
      this.counters['handler-error']++;
      this.emit({ type: 'mesh-error', code: 'unknown-message', detail: `handler threw: ${String(error)}` });
      handled = true;
    }
    if (handled) return;
    if (this.inbox.length >= this.limits.inbox_max) {
      this.inbox.shift();
      this.counters['inbox-full']++;
    }
    this.inbox.push(message);
  }

  // ================= plumbing =================

  private entry(): PeerEntry {
    return { key: this.hello.key, addr: this.hello.addr };
  }

  private checkPayload(packets: readonly Uint8Array[], type: string): SendResult | undefined {
    if (packets.length > this.limits.packets_max) return refuse('too-many-packets', `${packets.length} > ${this.limits.packets_max}`);
    const typeBytes = new TextEncoder().encode(type).byteLength;
    if (typeBytes > this.limits.type_bytes_max) return refuse('type-too-long', `${typeBytes} > ${this.limits.type_bytes_max}`);
    // Gossip is the largest envelope: 2 + 16 + 2 + 1 + type + 32 + 19 + 1 + 2 per packet.
    const size = 75 + typeBytes + packets.reduce((s, p) => s + 2 + p.byteLength, 0);
    if (size > this.limits.message_bytes_max) return refuse('message-too-large', `${size} > ${this.limits.message_bytes_max} bytes`);
    return undefined;
  }

  private sendTo(to: Addr, wire: MeshWire, n?: Neighbour, pin?: Uint8Array): void {
    if (this.transmits.length - this.transmitsHead >= this.limits.transmits_max) return void this.counters['transmits-full']++;
    if (pin) {
      this.pinned.set(formatAddr(to), pin);
      if (this.pinned.size > this.limits.pending_requests_max * 4) this.pinned.delete(this.pinned.keys().next().value!);
    }
    const data = encodeMesh(wire, this.limits.message_bytes_max);
    this.transmits.push({ remote: to, data });
    this.counters.sent_datagrams++;
    if ((wire.t >= T.Gossip && wire.t <= T.Prune) || wire.t === T.Ack) {
      this.counters.dissemination_datagrams++;
      this.counters.dissemination_bytes += data.byteLength;
    }
    if (n) n.pingAt = this.now + this.limits.keepalive_ms;
  }

  private emit(event: MeshEvent): void {
    if (this.events.length - this.eventsHead >= this.limits.events_max) return void this.counters['events-full']++;
    this.events.push(event);
  }

  private debug(what: 'graft' | 'prune' | 'join' | 'forward-join' | 'shuffle' | 'promote' | 'rejoin', peer: string): void {
    if (this.config.debug_events) this.emit({ type: 'mesh-debug', what, peer });
  }

  private hasEager(): boolean {
    for (const n of this.active.values()) if (n.eager) return true;
    return false;
  }

  private randomNeighbour(ok: (n: Neighbour) => boolean): Neighbour | undefined {
    return this.sample([...this.active.values()].filter(ok), 1)[0];
  }

  /** `count` distinct items drawn with the injected Rng (partial Fisher-Yates). */
  private sample<X>(items: X[], count: number): X[] {
    const n = Math.min(count, items.length);
    for (let i = 0; i < n; i++) {
      const j = this.config.rng.nextInt(i, items.length - 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items.slice(0, n);
  }
}

function refuse(code: MeshErrorCode, detail: string): SendResult {
  return { ok: false, code, detail };
}
