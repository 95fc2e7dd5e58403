// The overlay host: runs an overlay machine (MeshNode, ChordNode: unchanged, they speak Addr
// datagrams) on one UDP port behind a NAT. The overlay addresses peers by identity
// (identity-addr.ts); the host turns a datagram to an identity address into a secure session:
//   - no link yet: it opens one (overlay-link.ts: a Peer registered under the link's own
//     rendezvous id, dialing the mirror id) and rings the peer through the introducer
//     (introducer.ts), which makes the peer consent to exactly that link; the rendezvous then
//     punches both sides, relaying where punching cannot; the Noise handshake runs over the path;
//   - meanwhile the message waits in the link's bounded queue; once the session is open and its
//     proven key hashes to the address' digest, the queue goes out and later messages directly;
//   - inbound session messages reach the overlay as datagrams from the sender's identity
//     address, so the overlay's node-id claims rest on the session key.
// Consent policy: a ring arrives only over our own authenticated introducer session, names the
// caller by the key its session proved, and is answered by consenting to one link, with that
// key pinned, under our namespace (our overlay's protocol id): a caller can make us open a
// session to itself and nothing else, within links_max. Events for session open/close/path;
// drops are counted and typed; nothing is thrown.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { equalBytes, fromHex, hex } from '../core/bytes.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import type { Machine, NamedEvent, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import type { PeerEvent } from '../peer/peer.ts';
import { MSG } from '../punch/rendezvous-wire.ts';
import { addrOfDigest, digestOfAddr, digestOfKey, identityOfKey, identityOfSecret, namespaceProblem, type Identity } from './identity-addr.ts';
import { IntroducerSession } from './introducer-session.ts';
import type { IntroducerFrame } from './introducer-wire.ts';
import { OVERLAY_LIMITS, type OverlayDropReason, type OverlayHostConfig, type OverlayHostEvent, type OverlayLimits } from './overlay-config.ts';
import { OverlayLink } from './overlay-link.ts';

/** Hands one authenticated message to the overlay (MeshNode takes the key too). */
export type Deliver = (now: Millis, from: Addr, data: Uint8Array, key: Uint8Array) => void;

const settle_rounds_max = 64;
/** Rendezvous messages that carry a punch session number in bytes 1..4. */
const SESSION_MESSAGES: ReadonlySet<number> = new Set([MSG.probe, MSG.probeAck, MSG.relay, MSG.relayLimit]);

function due(at: Millis | undefined, now: Millis): boolean {
  return at !== undefined && at <= now;
}

function earlier(a: Millis | undefined, b: Millis | undefined): Millis | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

export class OverlayHost<C, E extends NamedEvent> implements Machine<C, E | OverlayHostEvent> {
  readonly self: Identity;
  readonly limits: OverlayLimits;
  readonly counters: Record<OverlayDropReason, number> & { links_opened: number; rungs: number } = {
    'not-identity': 0, self: 0, 'links-full': 0, 'accepts-full': 0, 'queue-full': 0, 'send-refused': 0, 'rudp-unroutable': 0, 'punch-unknown-session': 0,
    'foreign-protocol': 0, 'introducer-frame': 0, 'rings-full': 0, 'events-full': 0, 'transmits-full': 0, links_opened: 0, rungs: 0,
  };
  private readonly introducer: IntroducerSession;
  private readonly links = new Map<string, OverlayLink>();
  private readonly bySession = new Map<number, OverlayLink>();
  /** Links handed anything since the last settle: only these can have output or a new deadline. */
  private readonly touched = new Set<OverlayLink>();
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<E | OverlayHostEvent, 'drop-newest'>;
  private readonly deliver: Deliver;

  constructor(
    private readonly config: OverlayHostConfig,
    readonly overlay: Machine<C, E>,
    deliver?: Deliver,
  ) {
    this.limits = { ...OVERLAY_LIMITS, ...config.limits };
    this.transmits = BoundedQueue.dropNewest(this.limits.transmits_max);
    this.events = BoundedQueue.dropNewest(this.limits.events_max);
    this.self = identityOfSecret(config.crypto, config.staticSecret);
    const problem = namespaceProblem(config.namespace);
    if (problem) throw new RangeError(`overlay namespace ${JSON.stringify(config.namespace)}: ${problem}`);
    this.deliver = deliver ?? ((now, from, data) => overlay.handleDatagram(now, from, data, this.self.addr));
    this.introducer = new IntroducerSession(config, this.limits, {
      onFrame: (now, frame) => this.onFrame(now, frame),
      onOpen: (open) => this.emit({ type: 'overlay-introducer', open }),
      drop: (reason) => this.drop(reason),
    });
  }

  // ---------------- Machine ----------------

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    const first = data[0];
    if (first === undefined) this.drop('foreign-protocol');
    else if (first >= FIRST_BYTE.rudpMin && first <= FIRST_BYTE.rudpMax) this.onRudp(now, remote, data, local, first);
    else if (first < 4 || (first >= FIRST_BYTE.punchMin && first <= FIRST_BYTE.punchMax)) this.onPunch(now, remote, data, local, first);
    else this.drop('foreign-protocol');
    this.settle(now);
  }

  handleTimeout(now: Millis): void {
    for (let round = 0; round < settle_rounds_max; round++) {
      let any = false;
      if (due(this.overlay.pollTimeout(), now)) ((any = true), this.overlay.handleTimeout(now));
      if (this.introducer.handleTimeout(now)) any = true;
      for (const link of [...this.links.values()]) {
        if (due(link.due, now)) {
          any = true;
          this.touched.add(link);
          link.peer.handleTimeout(now);
        }
        if (now >= link.deadline) ((any = true), this.expire(now, link));
      }
      this.settle(now);
      if (!any) return;
    }
  }

  handleCommand(now: Millis, command: C): void {
    this.overlay.handleCommand(now, command);
    this.settle(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): E | OverlayHostEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    let best = earlier(this.overlay.pollTimeout(), this.introducer.pollTimeout());
    for (const link of this.links.values()) best = earlier(earlier(best, link.due), link.deadline);
    return best;
  }

  // ---------------- introspection ----------------

  /** Links by peer identity name: state, role and current path. */
  linkTable(): Array<{ readonly peer: string; readonly state: string; readonly role: string; readonly path: string | undefined }> {
    return [...this.links.values()].map((l) => ({ peer: l.remote.name, state: l.state, role: l.role, path: l.path }));
  }

  get introducerReady(): boolean {
    return this.introducer.open;
  }

  // ---------------- inbound ----------------

  private onRudp(now: Millis, remote: Addr, data: Uint8Array, local: Addr, first: number): void {
    if (addrEquals(remote, this.introducer.address)) return this.introducer.handleDatagram(now, remote, data);
    if (first === FIRST_BYTE.rudpMin) {
      // An initiation names no connection: it belongs to an accepting link still waiting for
      // its session, preferably the one whose punched path it came along. Each such link pins
      // the key it expects, so a wrong guess is refused by the handshake.
      const waiting = [...this.links.values()].filter((l) => l.role === 'accept' && l.peer.conn === undefined);
      const onPath = waiting.find((l) => l.peer.path?.remote === formatAddr(remote));
      const targets = onPath ? [onPath] : waiting;
      if (targets.length === 0) return this.drop('rudp-unroutable');
      for (const link of targets) this.feed(now, link, remote, data, local);
      return;
    }
    // Every other packet names its receiver connection (bytes 1..4; a response after its sender).
    const at = first === FIRST_BYTE.rudpMin + 1 ? 5 : 1;
    if (data.byteLength < at + 4) return this.drop('rudp-unroutable');
    const receiver = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
    for (const link of this.links.values()) {
      if (link.peer.rudp.connection(receiver) !== undefined) return this.feed(now, link, remote, data, local);
    }
    this.drop('rudp-unroutable');
  }

  private onPunch(now: Millis, remote: Addr, data: Uint8Array, local: Addr, first: number): void {
    if (SESSION_MESSAGES.has(first)) {
      if (data.byteLength < 5) return this.drop('punch-unknown-session');
      const session = ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!) >>> 0;
      const link = this.bySession.get(session);
      if (!link) return this.drop('punch-unknown-session');
      return this.feed(now, link, remote, data, local);
    }
    // STUN answers and rendezvous replies carry the nonce or transaction of one link's request:
    // every link's punch client checks its own and counts the rest as stale.
    for (const link of [...this.links.values()]) this.feed(now, link, remote, data, local);
  }

  private feed(now: Millis, link: OverlayLink, remote: Addr, data: Uint8Array, local: Addr): void {
    this.touched.add(link);
    link.peer.handleDatagram(now, remote, data, local);
  }

  // ---------------- composition ----------------

  private settle(now: Millis): void {
    for (let round = 0; round < settle_rounds_max; round++) {
      let moved = false;
      for (let t = this.overlay.pollTransmit(); t; t = this.overlay.pollTransmit()) {
        moved = true;
        this.toPeer(now, t.remote, t.data);
      }
      for (let e = this.overlay.pollEvent(); e; e = this.overlay.pollEvent()) {
        moved = true;
        this.emit(e);
      }
      if (this.introducer.settle(now)) moved = true;
      for (const link of [...this.touched]) {
        if (this.links.get(link.remote.name) !== link) continue;
        for (let e = link.peer.pollEvent(); e; e = link.peer.pollEvent()) {
          moved = true;
          this.onLinkEvent(now, link, e);
          if (this.links.get(link.remote.name) !== link) break;
        }
      }
      this.collect();
      if (!moved) break;
    }
    // Only a link we handed something can have a new deadline: cache it (pollTimeout is hot).
    for (const link of this.touched) link.due = link.peer.pollTimeout();
    this.touched.clear();
  }

  /** Pulls the datagrams of the introducer session and of every touched link into our queue. */
  private collect(): void {
    for (let t = this.introducer.pollTransmit(); t; t = this.introducer.pollTransmit()) this.out(t);
    for (const link of this.touched) for (let t = link.peer.pollTransmit(); t; t = link.peer.pollTransmit()) this.out(t);
  }

  private out(t: Transmit): void {
    if (this.transmits.length >= this.limits.transmits_max) return this.drop('transmits-full');
    this.transmits.push(t);
  }

  private emit(e: E | OverlayHostEvent): void {
    if (this.events.length >= this.limits.events_max) {
      this.counters['events-full']++;
      return;
    }
    this.events.push(e);
  }

  private drop(reason: OverlayDropReason): void {
    const n = ++this.counters[reason];
    // The first of each kind and then every 1,000th: a flood cannot fill the event log.
    if (n === 1 || n % 1_000 === 0) this.emit({ type: 'overlay-drop', reason, count: n });
  }

  /** The overlay sends `data` to an identity address. */
  private toPeer(now: Millis, remote: Addr, data: Uint8Array): void {
    const digest = digestOfAddr(remote);
    if (!digest) return this.drop('not-identity');
    if (equalBytes(digest, this.self.digest)) return this.drop('self');
    const name = hex(digest);
    let link = this.links.get(name);
    if (!link) {
      link = this.open(now, { digest, name, addr: addrOfDigest(digest) }, 'dial');
      if (!link) return this.drop('links-full');
      this.introducer.ring(now, digest);
    }
    this.send(now, link, data);
  }

  private send(now: Millis, link: OverlayLink, data: Uint8Array): void {
    if (link.state !== 'open' || link.peer.conn === undefined) {
      if (!link.enqueue(data, this.limits.queue_max)) this.drop('queue-full');
      return;
    }
    link.deadline = now + this.limits.idle_ms;
    this.touched.add(link);
    if (!link.peer.rudp.sendMessage(now, link.peer.conn, data)) this.drop('send-refused');
  }

  private open(now: Millis, remote: OverlayLink['remote'], role: 'dial' | 'accept'): OverlayLink | undefined {
    if (this.links.size >= this.limits.links_max) return undefined;
    const link = new OverlayLink(remote, role, this.self, this.config, this.limits, now);
    this.links.set(remote.name, link);
    this.touched.add(link);
    this.counters.links_opened++;
    return link;
  }

  /** Ends a link: a graceful CLOSE goes out along its path before the link is forgotten. */
  private remove(now: Millis, link: OverlayLink, reason: Extract<OverlayHostEvent, { type: 'overlay-session-close' }>['reason'], detail?: string): void {
    if (this.links.get(link.remote.name) !== link) return;
    link.peer.handleCommand(now, { type: 'abort', reason });
    for (let t = link.peer.pollTransmit(); t; t = link.peer.pollTransmit()) this.out(t);
    this.links.delete(link.remote.name);
    this.touched.delete(link);
    for (const s of link.punchSessions) if (this.bySession.get(s) === link) this.bySession.delete(s);
    this.emit({ type: 'overlay-session-close', peer: link.remote.name, reason, dropped: link.queue.length, ...(detail ? { detail } : {}) });
  }

  private expire(now: Millis, link: OverlayLink): void {
    this.remove(now, link, link.state === 'open' ? 'idle' : 'setup-timeout');
  }

  private onLinkEvent(now: Millis, link: OverlayLink, e: PeerEvent): void {
    switch (e.type) {
      case 'punch-start':
        link.punchSessions.add(e.session);
        this.bySession.set(e.session, link);
        return;
      case 'session-open': {
        const key = fromHex(e.peer_key_hex);
        // The session proved a key: it must be the one the identity address names.
        if (!equalBytes(digestOfKey(this.config.crypto, key), link.remote.digest)) return this.remove(now, link, 'identity-mismatch', hex(digestOfKey(this.config.crypto, key)));
        link.state = 'open';
        link.key = key;
        link.path = e.path;
        link.technique = e.technique;
        link.deadline = now + this.limits.idle_ms;
        this.emit({ type: 'overlay-session-open', peer: link.remote.name, role: link.role, path: e.path, technique: e.technique, setup_ms: now - link.opened_at });
        for (const data of link.queue.splice(0)) this.send(now, link, data);
        // Anything that arrived with the handshake (its readable event came first) is read now.
        return this.onReadable(now, link);
      }
      case 'path':
        if (link.state === 'open' && (e.path !== link.path || e.upgrade)) {
          link.path = e.path;
          link.technique = e.technique;
          this.emit({ type: 'overlay-path', peer: link.remote.name, path: e.path, technique: e.technique });
        } else if (link.state !== 'open') {
          link.path = e.path;
          link.technique = e.technique;
        }
        return;
      case 'readable':
        return this.onReadable(now, link);
      case 'closed':
        // An accepting Peer forgets its connection before it reports the close; a refused
        // handshake on a link still opening is not the link's end (its setup deadline is).
        if (e.conn === link.peer.conn || (link.role === 'accept' && link.state === 'open' && link.peer.conn === undefined)) this.remove(now, link, 'closed', e.error);
        return;
      case 'register-conflict':
      case 'id-invalid':
      case 'machine-error':
        return this.remove(now, link, 'rendezvous', e.type);
      default:
        return;
    }
  }

  private onReadable(now: Millis, link: OverlayLink): void {
    const conn = link.peer.conn;
    if (conn === undefined || link.state !== 'open' || !link.key) return;
    link.deadline = now + this.limits.idle_ms;
    this.touched.add(link);
    for (let m = link.peer.rudp.readMessage(conn); m; m = link.peer.rudp.readMessage(conn)) {
      this.deliver(now, link.remote.addr, m, link.key);
      if (this.links.get(link.remote.name) !== link) return;
    }
  }

  // ---------------- introducer ----------------

  private onFrame(now: Millis, frame: Exclude<IntroducerFrame, { type: 'ring' }>): void {
    if (frame.type === 'absent') {
      const link = this.links.get(hex(frame.to));
      if (link && link.state === 'opening' && link.role === 'dial') this.remove(now, link, 'unreachable');
      return;
    }
    this.counters.rungs++;
    const remote = identityOfKey(this.config.crypto, frame.from);
    if (equalBytes(remote.digest, this.self.digest)) return this.drop('self');
    const existing = this.links.get(remote.name);
    if (existing?.role === 'accept' && existing.state === 'opening') return; // a repeated ring
    // Both rang each other at once: the smaller digest keeps dialing, the other accepts.
    if (existing?.role === 'dial' && existing.state === 'opening' && hex(this.self.digest) < remote.name) return;
    let opening = 0;
    for (const l of this.links.values()) if (l.role === 'accept' && l.state === 'opening') opening++;
    if (opening >= this.limits.accepts_opening_max) return this.drop('accepts-full');
    let queued: Uint8Array[] = [];
    if (existing) {
      // An open link the peer rings about again is gone on its side: start afresh.
      queued = existing.queue.splice(0);
      this.remove(now, existing, 'replaced');
    }
    const link = this.open(now, remote, 'accept');
    if (!link) return this.drop('links-full');
    for (const q of queued) link.enqueue(q, this.limits.queue_max);
  }
}
