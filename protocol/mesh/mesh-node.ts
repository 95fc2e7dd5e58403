// The mesh overlay machine (py2p's MeshSocket, rebuilt): HyParView-style membership (a small
// active view of links, a larger passive view, random-walk joins and shuffles, keepalive
// deadlines) carrying Plumtree or flooding broadcasts, whispers to direct neighbours and
// replies routed straight back to the original sender. Links are addresses; the machine runs
// over plain datagrams as is, or over secure sessions through secure-mesh.ts, which hands in
// the key each session authenticated. Never throws from handle*: refusals are events.
import { formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import { protocol_id_bytes_max, resolveLimits, type MeshConfig, type MeshLimits } from './config.ts';
import { meshCounters, MeshError, type MeshCounters, type MeshEvent, type MeshFlag } from './events.ts';
import { Inbox } from './inbox.ts';
import { linkHeard } from './keepalive.ts';
import { Membership } from './membership.ts';
import { checkPayload, refuse, toBytes, type MeshCommand, type MeshHandler, type MeshMessage, type RoutingEntry, type SendResult } from './message.ts';
import { ReplyRoutes } from './reply-routes.ts';
import type { Neighbour } from './neighbour.ts';
import { nodeId } from './node-id.ts';
import { Plumtree, type GossipWire } from './plumtree.ts';
import { bytesEqual, decodeMesh, encodeMesh, hex, MSG_ID_BYTES, T, WIRE_ENTRIES_MAX, type DecodeLimits, type Hello, type MeshWire, type PeerEntry } from './wire.ts';
import { utf8 } from '../core/bytes.ts';

export type { MeshCommand, RoutingEntry } from './message.ts';

export class MeshNode implements Machine<MeshCommand, MeshEvent> {
  readonly id: string;
  readonly limits: MeshLimits;
  readonly counters: MeshCounters = meshCounters();
  readonly plumtree: Plumtree;
  private readonly config: MeshConfig;
  private readonly hello: Hello;
  private readonly decodeLimits: DecodeLimits;
  private readonly membership: Membership;
  private readonly active: Map<string, Neighbour>;
  private readonly transmits: Transmit[] = [];
  private transmitsHead = 0;
  private readonly events: MeshEvent[] = [];
  private eventsHead = 0;
  private readonly inbox: Inbox;
  private readonly routes: ReplyRoutes;
  /** The last message encoded (datagrams are never written to after they are queued). */
  private lastWire: MeshWire | undefined;
  private lastData: Uint8Array = new Uint8Array(0);
  /** Next sweep of the expiring caches. */
  private sweepAt: Millis;
  /** Time handed in by the current (or last) handle* call; reply() from handlers uses it. */
  now: Millis = 0;

  constructor(config: MeshConfig) {
    this.config = config;
    this.limits = resolveLimits(config.limits);
    if (utf8(config.protocol_id).byteLength > protocol_id_bytes_max) {
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
    this.routes = new ReplyRoutes(this.limits);
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
    this.sweepAt = this.limits.sweep_ms * config.rng.nextFloat();
    const shuffleAt = this.limits.shuffle_interval_ms * (0.5 + config.rng.nextFloat());
    const exploreAt = this.limits.explore_interval_ms * (0.5 + config.rng.nextFloat());
    const node = this;
    this.membership = new Membership(
      {
        config,
        counters: this.counters,
        get now() {
          return node.now;
        },
        sendTo: (to, wire, n) => this.sendTo(to, wire, n),
        emit: (event) => this.emit(event),
        debug: (what, peer) => this.debug(what, peer),
        neighbourUp: (n, lazy) => this.plumtree.neighbourUp(n, lazy),
        neighbourRelinked: (n) => this.plumtree.reannounce(n),
      },
      this.limits,
      this.hello,
      shuffleAt,
      exploreAt,
    );
    this.active = this.membership.active;
    this.inbox = new Inbox(this.limits);
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
    if (now >= this.sweepAt) {
      this.sweep(now);
      this.sweepAt = now + this.limits.sweep_ms;
    }
    if (now >= this.membership.nextDue()) this.membership.tick(now);
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
    if (this.membership.left) return undefined;
    // Stored deadlines only: an idle node sleeps until its next probe, request or shuffle.
    const missing = this.plumtree.nextDeadline();
    const due = Math.min(this.sweepAt, this.membership.nextDue());
    return missing === undefined || missing > due ? due : missing;
  }

  // ================= application API =================

  /** py2p send(*packets, flag=, type=): a broadcast reaches every live participant once; a whisper only direct neighbours. */
  send(now: Millis, packets: ReadonlyArray<Uint8Array | string>, options: { flag?: 'broadcast' | 'whisper'; type?: string; id?: Uint8Array } = {}): SendResult {
    this.now = now;
    const bytes = packets.map(toBytes);
    const type = options.type ?? '';
    const check = checkPayload(this.limits, bytes, type);
    if (check) return check;
    // A layer may name the message (sync writes: the id is a hash of the write), so the same
    // content sent by several nodes is deduplicated as one broadcast.
    const id = options.id?.byteLength === MSG_ID_BYTES ? options.id : this.config.rng.nextBytes(MSG_ID_BYTES);
    const idHex = hex(id);
    if (options.id && this.plumtree.seen.has(idHex)) return { ok: true, id: idHex };
    const flag = options.flag ?? 'broadcast';
    if (flag === 'whisper') {
      if (this.active.size === 0) return refuse('no-neighbours', 'whisper with an empty routing table');
      this.routes.originate(now, idHex);
      for (const n of this.active.values()) this.sendTo(n.addr, { t: T.Whisper, id, type, packets: bytes }, n);
    } else {
      this.routes.originate(now, idHex);
      this.plumtree.originate(now, { t: T.Gossip, id, hops: 0, retx: false, repaired: false, backup: false, type, origin: this.entry(), packets: bytes });
      this.plumtree.flush();
    }
    this.emit({ type: 'sent', id: idHex, flag, msg_type: type, size_bytes: bytes.reduce((s, p) => s + p.byteLength, 0) });
    return { ok: true, id: idHex };
  }

  /** Replies to message `to` (hex id): over the link if its sender is a neighbour, else straight to its address. */
  replyTo(now: Millis, to: string, packets: ReadonlyArray<Uint8Array | string>, type = ''): SendResult {
    this.now = now;
    const sender = this.routes.senderOf(to);
    if (sender === undefined || !/^[0-9a-f]{32}$/.test(to)) return refuse('unknown-message', `no recent message ${to}`);
    const bytes = packets.map(toBytes);
    const check = checkPayload(this.limits, bytes, type);
    if (check) return check;
    const id = this.config.rng.nextBytes(MSG_ID_BYTES);
    const inReplyTo = Uint8Array.from(to.match(/../g)!.map((b) => parseInt(b, 16)));
    const wire: MeshWire = { t: T.Direct, id, inReplyTo, type, origin: this.entry(), packets: bytes };
    const link = [...this.active.values()].find((n) => bytesEqual(n.key, sender.key));
    this.routes.originate(now, hex(id));
    this.sendTo(link?.addr ?? sender.addr, wire, link, link ? undefined : sender.key);
    this.emit({ type: 'sent', id: hex(id), flag: 'reply', msg_type: type, size_bytes: bytes.reduce((s, p) => s + p.byteLength, 0) });
    return { ok: true, id: hex(id) };
  }

  /** Whispers to one neighbour (by id): anti-entropy of layers built on the mesh. */
  whisperTo(now: Millis, peer: string, packets: readonly Uint8Array[], type: string): SendResult {
    this.now = now;
    const check = checkPayload(this.limits, packets, type);
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
    return this.membership.connect(now, to);
  }

  /** Drops one neighbour (told with DISCONNECT), or every link: a graceful leave. */
  disconnect(now: Millis, peer?: string): void {
    this.now = now;
    this.membership.disconnect(now, peer);
  }

  /** Next message no handler consumed (py2p recv()), oldest first. */
  recv(): MeshMessage | undefined {
    return this.inbox.recv();
  }

  /** Drains recv() (the Sans-IO stand-in for py2p's iterator; runtimes wrap it in an async one). */
  *messages(): IterableIterator<MeshMessage> {
    for (let m = this.recv(); m; m = this.recv()) yield m;
  }

  /** py2p register_handler: `fn(message, node)`; runs after the defaults until one returns true. */
  registerHandler(fn: MeshHandler): void {
    this.inbox.register(fn);
  }

  /** For layers built on the mesh (the sync dict): runs before every user handler. */
  registerDefaultHandler(fn: MeshHandler): void {
    this.inbox.registerDefault(fn);
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
    return this.membership.passive.size;
  }

  get publicKey(): Uint8Array {
    return this.config.publicKey;
  }

  get outward(): Addr {
    return this.hello.addr;
  }

  /** The key we expect at `addr` (secure-mesh pins sessions with it), when we know one. */
  expectedKey(addrKey: string): Uint8Array | undefined {
    return this.membership.expectedKey(addrKey);
  }

  // ================= dispatch =================

  private dispatch(now: Millis, remote: Addr, wire: MeshWire, authKey: Uint8Array | undefined): void {
    const remoteKey = formatAddr(remote);
    const n = this.active.get(remoteKey);
    if (n && authKey && !bytesEqual(authKey, n.key)) {
      this.counters['identity-mismatch']++;
      return;
    }
    if (n) linkHeard(n, now, this.limits);
    switch (wire.t) {
      case T.Join:
      case T.Neighbor:
        return this.membership.onLinkRequest(now, remote, remoteKey, wire, authKey);
      case T.Welcome:
      case T.NeighborReply:
        return this.membership.onLinkAnswer(now, remote, remoteKey, wire, authKey);
      case T.Mismatch:
        return this.membership.onMismatch(remoteKey, wire);
      case T.Direct:
        return this.onDirect(now, remote, n, wire, authKey);
      default:
        break;
    }
    if (!n) return void this.counters['not-a-neighbour']++;
    switch (wire.t) {
      case T.ForwardJoin:
        return this.membership.onForwardJoin(now, n, wire.ttl, wire.joiner);
      case T.Disconnect:
        this.membership.removeNeighbour(n, 'disconnect', true);
        return;
      case T.Shuffle:
        return this.membership.onShuffle(now, n, wire.ttl, wire.origin, wire.entries);
      case T.ShuffleReply:
        return this.membership.onShuffleReply(now, wire.origin, wire.entries);
      case T.Ping:
        // The pinging end needs to hear back (hearing its PING was enough for us).
        return this.sendTo(n.addr, { t: T.Pong }, n);
      case T.Pong:
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

  private onDirect(now: Millis, remote: Addr, n: Neighbour | undefined, wire: Extract<MeshWire, { t: T.Direct }>, authKey: Uint8Array | undefined): void {
    if (n === undefined && !this.routes.isOurs(hex(wire.inReplyTo))) return void this.counters['unknown-reply']++;
    if (authKey && !bytesEqual(authKey, wire.origin.key)) return void this.counters['identity-mismatch']++;
    if (n && !bytesEqual(n.key, wire.origin.key)) return void this.counters['identity-mismatch']++;
    this.deliver(now, wire.id, 'reply', wire.origin.key, wire.origin.addr, wire.type, wire.packets, 0, formatAddr(remote));
  }

  // ================= upkeep =================

  private sweep(now: Millis): void {
    this.plumtree.expire(now);
    this.routes.expire(now);
  }

  // ================= delivery =================

  private deliverGossip(g: GossipWire, from: Neighbour | undefined, via: 'push' | 'graft' = 'push'): void {
    this.deliver(this.now, g.id, 'broadcast', g.origin.key, g.origin.addr, g.type, g.packets, g.hops + 1, from?.addrKey ?? '', via);
  }

  private deliver(now: Millis, id: Uint8Array, flag: MeshFlag, senderKey: Uint8Array, senderAddr: Addr, type: string, packets: readonly Uint8Array[], hops: number, from: string, via?: 'push' | 'graft'): void {
    const idHex = hex(id);
    if (flag !== 'broadcast') {
      // Whispers and replies are not in the Plumtree dedup cache; they get their own.
      if (!this.routes.firstDelivery(now, idHex)) return void this.counters.duplicate++;
    }
    const sender = nodeId(this.config.crypto, senderKey);
    this.routes.noteSender(now, idHex, { key: senderKey, addr: senderAddr });
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
    const outcome = this.inbox.offer(message, this);
    if (outcome === 'full') this.counters['inbox-full']++;
    else if (outcome !== undefined) {
      this.counters['handler-error']++;
      this.emit({ type: 'mesh-error', code: 'unknown-message', detail: `handler threw: ${String(outcome.threw)}` });
    }
  }

  // ================= plumbing =================

  private entry(): PeerEntry {
    return { key: this.hello.key, addr: this.hello.addr };
  }


  private sendTo(to: Addr, wire: MeshWire, n?: Neighbour, pin?: Uint8Array): void {
    if (this.transmits.length - this.transmitsHead >= this.limits.transmits_max) return void this.counters['transmits-full']++;
    if (pin) this.membership.pin(formatAddr(to), pin);
    // One forward sends the same message object to several links: encode it once.
    const data = wire === this.lastWire ? this.lastData : encodeMesh(wire, this.limits.message_bytes_max);
    this.lastWire = wire;
    this.lastData = data;
    this.transmits.push({ remote: to, data });
    this.counters.sent_datagrams++;
    if ((wire.t >= T.Gossip && wire.t <= T.Prune) || wire.t === T.Ack) {
      this.counters.dissemination_datagrams++;
      this.counters.dissemination_bytes += data.byteLength;
    }
  }

  private emit(event: MeshEvent): void {
    if (this.events.length - this.eventsHead >= this.limits.events_max) return void this.counters['events-full']++;
    this.events.push(event);
  }

  private debug(what: 'graft' | 'prune' | 'join' | 'forward-join' | 'shuffle' | 'promote' | 'rejoin', peer: string): void {
    if (this.config.debug_events) this.emit({ type: 'mesh-debug', what, peer });
  }

}
