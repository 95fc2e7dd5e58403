// The Peer machine: one UDP port carrying the punch client (STUN + rendezvous + probes +
// relay, first bytes 0x00-0x03 and 0xD0-0xDF) and the secure transport (0xC0-0xCF), composed
// through the same Machine contract. The punch client finds a path (direct or relayed); the
// secure session runs over whatever path is current, so a relay -> direct upgrade moves the
// session without it noticing. The transport talks to virtual peer addresses; the peer maps
// them onto the path, which keeps the session's identity independent of the route.
//
// Path changes are validated inside the secure session (issue 9 #2): the punch client runs with
// `validate_path_changes`, so a new direct pair arrives as `path-proposed` while traffic stays
// on the current path. The peer maps the proposal to a second virtual address and asks the
// transport to `probe-path` it: a PATH_CHALLENGE goes out along the proposed pair (punch
// `sendProposed`), and only the peer's PATH_RESPONSE, authenticated by the session keys, makes
// the transport move (`path-changed`), whereupon the punch client is told `path-validated`
// and switches too; a candidate that never answers is `path-rejected`. The session's peer
// identity is fixed at `connected` and asserted on every later report.
//
// Fast paths (issue 15):
//   - relay first, upgrade later (`relay_first`, on by default): the punch client takes the
//     server's relay circuit as the path the moment the punch instruction arrives, so the
//     initiator dials the Noise session over the relay at once while the checks run; a direct
//     pair found before the session opens is adopted at once (the handshake still running over
//     it authenticates the peer, as for any first path), one found after is validated in the
//     session as above. The application sees the switch only as `path-changed` / `path` events.
//   - no late session: with no path yet, the transport's handshake answer goes back where the
//     peer reached us from, if keyed probes of this punch came from there (`answer_on_arrival`).
//   - a handshake that does not complete over a direct pair within `handshake_fallback_ms`
//     falls back to the relay (its retransmissions go there) instead of failing.
import { addr, addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Crypto } from '../core/crypto.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { PunchClient, type PunchCommand } from '../punch/punch-client.ts';
import type { PunchClientConfig } from '../punch/punch-config.ts';
import type { PathEvent, PunchEvent } from '../punch/punch-events.ts';
import type { RudpConfig } from '../rudp/config.ts';
import { RudpEndpoint } from '../rudp/endpoint.ts';
import type { RudpEvent, StatsSample } from '../rudp/events.ts';

/**
 * The address the transport believes its peer has (RFC 6666 discard-only prefix, so it can
 * never be a real destination); the peer machine translates it to the current path.
 */
export const VIRTUAL_PEER: Addr = addr('100::1', 1);
/** The second virtual address: a proposed path under validation (the two swap on each move). */
export const VIRTUAL_PROPOSED: Addr = addr('100::2', 1);

export interface PeerConfig {
  readonly id: string;
  /** 16 random bytes proving ownership of `id` at the rendezvous. */
  readonly token: Uint8Array;
  readonly server: Addr;
  readonly local: Addr;
  /** Set on the initiating side: ask the rendezvous for this peer, then open the session. */
  readonly connect_to?: string;
  readonly staticSecret: Uint8Array;
  /** Pinned identity of the other side; a different key ends the session with identity-mismatch. */
  readonly expectedPeer?: Uint8Array;
  readonly crypto: Crypto;
  readonly rng: Rng;
  readonly punch?: Partial<PunchClientConfig>;
  readonly rudp?: Partial<RudpConfig>;
  /** Peer events kept for the application before the oldest is discarded. */
  readonly events_max?: number;
  /** Start the session over the relay at once and upgrade later (default true; see the header). */
  readonly relay_first?: boolean;
  /** Answer a handshake on the pair it arrived on while we have no path yet (default true). */
  readonly answer_on_arrival?: boolean;
  /** A handshake still not done this long after its path became direct moves to the relay. */
  readonly handshake_fallback_ms?: number;
}

/** Two handshake retransmissions (500 ms, then 1 s later) unanswered on the direct pair. */
export const HANDSHAKE_FALLBACK_MS = 1_200;

export type PeerCommand =
  | { readonly type: 'connect'; readonly peer: string }
  /** Queues bytes on the session; an `accepted` event says how many (a `writable` event follows a partial one). */
  | { readonly type: 'write'; readonly data: Uint8Array }
  /** Finish our stream after everything written so far. */
  | { readonly type: 'end' }
  | { readonly type: 'abort'; readonly reason?: string };

export type PeerEvent =
  | PunchEvent
  | RudpEvent
  /** The secure session is open over `path` (emitted once, on the transport's `connected`). */
  | { readonly type: 'session-open'; readonly path: 'direct' | 'relay'; readonly technique: string; readonly remote: string; readonly peer_key_hex: string }
  | { readonly type: 'peer-drop'; readonly reason: 'no-path' | 'foreign-protocol' | 'events-full'; readonly count: number };

const default_events_max = 4096;
/** settle() rounds per handle*: each round moves events between the two children. */
const settle_rounds_max = 64;

export class Peer implements Machine<PeerCommand, PeerEvent> {
  readonly punch: PunchClient;
  readonly rudp: RudpEndpoint;
  private readonly events: PeerEvent[] = [];
  private readonly events_max: number;
  private readonly initiator: boolean;
  /** The transport connection, once there is one (initiated or accepted). */
  conn: number | undefined;
  path: PathEvent | undefined;
  sessionOpen = false;
  peerKeyHex = '';
  /** The virtual address the session currently sends to (the current path). */
  private current: Addr = VIRTUAL_PEER;
  /** The punch client's proposed pair (its `remote`, as named in `path-proposed`), if any. */
  private proposed: string | undefined;
  /** The proposal the transport is validating (a PATH_CHALLENGE is out), if any. */
  private probing: string | undefined;
  /** The initiator asked the transport to connect (once). */
  private dialing = false;
  /** Where the last transport datagram came from directly, while no session is open. */
  private arrival: { readonly remote: Addr; readonly local: Addr } | undefined;
  /** A session has opened on this peer (pre-session adoption of direct pairs is over for good). */
  private hadSession = false;
  /** When a handshake stuck on a direct pair moves to the relay, if armed. */
  private fallbackAt: Millis | undefined;
  /** Acceptor: from when a handshake over the relay means the dialer gave up on our direct pair. */
  private followRelayAt: Millis | undefined;
  readonly counters = { no_path: 0, foreign: 0, events_dropped: 0, relay_in: 0, answered_on_arrival: 0, relay_fallbacks: 0 };

  constructor(private readonly config: PeerConfig) {
    this.initiator = config.connect_to !== undefined;
    this.events_max = config.events_max ?? default_events_max;
    this.punch = new PunchClient(
      {
        ...config.punch, id: config.id, token: config.token, server: config.server, local: config.local, connect_to: config.connect_to, validate_path_changes: true,
        relay_first: config.relay_first ?? true,
      },
      config.rng,
    );
    const expected = config.expectedPeer;
    this.rudp = new RudpEndpoint({
      crypto: config.crypto,
      rng: config.rng,
      staticSecret: config.staticSecret,
      config: config.rudp,
      // Only the initiator dials; the other side accepts one session at a time (a refused
      // identity never takes the slot: the transport checks it before reporting `connected`).
      accept: !this.initiator,
      acceptPeer: (key) => (expected ? equalBytes(key, expected) : true) && (this.initiator || this.conn === undefined),
    });
  }

  // ---------------- Machine ----------------

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    const first = data[0];
    if (first !== undefined && first >= FIRST_BYTE.rudpMin && first <= FIRST_BYTE.rudpMax) {
      // Any source: the Noise handshake and the session keys authenticate the peer, and a direct
      // datagram may arrive before our own punch client has nominated that path. Handed in as
      // from the current path: only our own validation (probe-path) ever moves the session.
      if (!this.sessionOpen) this.arrival = { remote, local };
      this.rudp.handleDatagram(now, this.current, data);
    } else if (first !== undefined && (first < 4 || (first >= FIRST_BYTE.punchMin && first <= FIRST_BYTE.punchMax))) {
      this.punch.handleDatagram(now, remote, data, local);
    } else {
      this.counters.foreign++;
    }
    this.settle(now);
  }

  handleTimeout(now: Millis): void {
    const punchAt = this.punch.pollTimeout();
    if (punchAt !== undefined && punchAt <= now) this.punch.handleTimeout(now);
    if (this.fallbackAt !== undefined && now >= this.fallbackAt) {
      this.fallbackAt = undefined;
      if (!this.sessionOpen && this.punch.path?.kind === 'direct') {
        this.counters.relay_fallbacks++;
        this.punch.handleCommand(now, { type: 'relay-fallback' });
      }
    }
    // Path news first: a move during the handshake re-arms the initiation at `now`, which the
    // transport's timeout below then sends (nothing may stay due after handleTimeout).
    this.settle(now);
    const rudpAt = this.rudp.pollTimeout();
    if (rudpAt !== undefined && rudpAt <= now) this.rudp.handleTimeout(now);
    this.settle(now);
  }

  handleCommand(now: Millis, command: PeerCommand): void {
    switch (command.type) {
      case 'connect':
        this.punch.handleCommand(now, command satisfies PunchCommand);
        break;
      case 'write':
        // Through the transport's command, so the result (accepted bytes) comes back as an event.
        if (this.conn !== undefined) this.rudp.handleCommand(now, { type: 'write', conn: this.conn, data: command.data });
        else this.push({ type: 'command-failed', command: 'write', conn: 0, error: 'unknown-connection', message: 'no session yet' });
        break;
      case 'end':
        if (this.conn !== undefined) this.rudp.close(now, this.conn);
        break;
      case 'abort':
        if (this.conn !== undefined) this.rudp.abort(now, this.conn, command.reason);
        // The transport's CLOSE must leave along the path before the punch client drops it,
        // or the other side learns of the abort only at its idle timeout.
        this.forwardTransport();
        this.punch.handleCommand(now, { type: 'close' });
        break;
    }
    this.settle(now);
  }

  pollTransmit(): Transmit | undefined {
    this.forwardTransport();
    return this.punch.pollTransmit();
  }

  /** Hands the transport's datagrams to the punch client, along the current path (direct, or wrapped for the relay). */
  private forwardTransport(): void {
    for (let t = this.rudp.pollTransmit(); t; t = this.rudp.pollTransmit()) {
      // The proposed pair carries only the transport's path challenges until it is validated.
      let sent = addrEquals(t.remote, this.current) ? this.punch.sendData(t.data) : this.punch.sendProposed(t.data);
      if (!sent && !this.sessionOpen && this.arrival && (this.config.answer_on_arrival ?? true)) {
        sent = this.punch.sendToHeard(t.data, this.arrival.remote, this.arrival.local);
        if (sent) this.counters.answered_on_arrival++;
      }
      if (!sent) this.counters.no_path++;
    }
  }

  pollEvent(): PeerEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    let best: Millis | undefined;
    for (const at of [this.punch.pollTimeout(), this.rudp.pollTimeout(), this.fallbackAt]) if (at !== undefined && (best === undefined || at < best)) best = at;
    return best;
  }

  // ---------------- application API (call through the driver, then it drains) ----------------

  /** Bytes accepted into the send buffer (0 when full or no session yet). */
  write(now: Millis, data: Uint8Array): number {
    if (this.conn === undefined) return 0;
    const accepted = this.rudp.write(now, this.conn, data);
    this.settle(now);
    return accepted;
  }

  writableBytes(): number {
    return this.conn === undefined ? 0 : this.rudp.writableBytes(this.conn);
  }

  read(max_bytes?: number): Uint8Array | undefined {
    return this.conn === undefined ? undefined : this.rudp.read(this.conn, max_bytes);
  }

  stats(): StatsSample | undefined {
    return this.conn === undefined ? undefined : this.rudp.stats(this.conn);
  }

  // ---------------- composition ----------------

  private push(event: PeerEvent): void {
    if (this.events.length >= this.events_max) {
      this.counters.events_dropped++;
      this.events.shift();
    }
    this.events.push(event);
  }

  /** Moves events between the children until nothing changes, surfacing them in order. */
  private settle(now: Millis): void {
    for (let round = 0; round < settle_rounds_max; round++) {
      let moved = false;
      for (let e = this.punch.pollEvent(); e; e = this.punch.pollEvent()) {
        moved = true;
        this.onPunchEvent(now, e);
      }
      for (let e = this.rudp.pollEvent(); e; e = this.rudp.pollEvent()) {
        moved = true;
        this.onRudpEvent(now, e);
      }
      if (!moved) return;
    }
  }

  private onPunchEvent(now: Millis, event: PunchEvent): void {
    if (event.type === 'relay-data') {
      this.counters.relay_in++;
      // The dialer fell back to the relay before any session: answer there too.
      // (Not a handshake that merely raced our own direct pair: only once the dialer could have given up on it.)
      if (!this.initiator && !this.sessionOpen && this.punch.path?.kind === 'direct' && this.followRelayAt !== undefined && now >= this.followRelayAt) {
        this.counters.relay_fallbacks++;
        this.punch.handleCommand(now, { type: 'relay-fallback' });
      }
      this.rudp.handleDatagram(now, this.current, event.data);
      return;
    }
    if (event.type === 'path-proposed') {
      this.push(event);
      if (!this.sessionOpen && !this.hadSession) {
        // No session yet: the handshake, still running, authenticates the peer on whatever
        // pair it completes over (as for any first path), so a direct pair is taken at once.
        // Never after a session: a pair proposed then waits for the next session to validate it
        // (a stranger's nomination after a close must not move the path unchecked).
        this.punch.handleCommand(now, { type: 'path-validated', remote: event.remote });
        return;
      }
      this.proposed = event.remote;
      this.probeProposed(now);
      return;
    }
    if (event.type === 'path') {
      // The path moved under a running handshake: send the initiation along the new one now
      // rather than at the next back-off (seconds, after a few losses).
      if (this.path && this.path.path !== event.path && this.initiator && !this.sessionOpen && this.conn !== undefined) this.rudp.retryHandshake(now, this.conn);
      this.path = event;
      // Only the dialer knows a handshake is running; the acceptor follows it (relay-data below).
      const fallback_ms = this.config.handshake_fallback_ms ?? HANDSHAKE_FALLBACK_MS;
      if (event.path === 'direct' && !this.sessionOpen) {
        if (this.initiator) this.fallbackAt = now + fallback_ms;
        else this.followRelayAt = now + fallback_ms / 2;
      }
      if (this.initiator && this.conn === undefined && !this.dialing) {
        // The command never throws: the connection id (or why not) comes back as an event.
        this.dialing = true;
        this.rudp.handleCommand(now, { type: 'connect', remote: this.current, ...(this.config.expectedPeer ? { expectedPeer: this.config.expectedPeer } : {}) });
      }
    }
    this.push(event);
  }

  /** Asks the transport to validate the proposed pair (once a session exists to do it in). */
  private probeProposed(now: Millis): void {
    if (!this.sessionOpen || this.conn === undefined || this.proposed === undefined) return;
    this.probing = this.proposed;
    this.rudp.handleCommand(now, { type: 'probe-path', conn: this.conn, remote: this.other() });
  }

  private other(): Addr {
    return addrEquals(this.current, VIRTUAL_PEER) ? VIRTUAL_PROPOSED : VIRTUAL_PEER;
  }

  private onPathOutcome(now: Millis, event: RudpEvent): void {
    if (this.probing === undefined) return;
    const remote = this.probing;
    if (event.type === 'path-changed' && event.to === formatAddr(this.other())) {
      // The peer answered our challenge sent along the proposed pair: it is the new path.
      this.current = this.other();
      this.probing = undefined;
      if (this.proposed === remote) this.proposed = undefined;
      this.punch.handleCommand(now, { type: 'path-validated', remote });
    } else if (event.type === 'path-failed' || (event.type === 'command-failed' && event.command === 'probe-path')) {
      this.probing = undefined;
      if (this.proposed === remote) this.proposed = undefined;
      this.punch.handleCommand(now, { type: 'path-rejected', remote });
    }
  }

  private onRudpEvent(now: Millis, event: RudpEvent): void {
    if (event.type === 'connecting' && this.dialing && this.conn === undefined) this.conn = event.conn;
    if (event.conn === this.conn && (event.type === 'path-changed' || event.type === 'path-failed' || event.type === 'command-failed')) this.onPathOutcome(now, event);
    if (event.type === 'closed' && event.conn === this.conn && !this.initiator) {
      // The responder accepts one session at a time: once it ends, the right peer may come back.
      this.conn = undefined;
      this.sessionOpen = false;
      this.current = VIRTUAL_PEER;
      this.probing = undefined;
    }
    if (event.type === 'connected') {
      if (this.conn === undefined) this.conn = event.conn;
      // A session never changes its peer's identity.
      if (event.conn === this.conn && this.sessionOpen && event.peer !== this.peerKeyHex) {
        throw new Error(`invariant: session ${event.conn} changed peer from ${this.peerKeyHex} to ${event.peer}`);
      }
      if (event.conn === this.conn && !this.sessionOpen) {
        this.sessionOpen = true;
        this.hadSession = true;
        this.fallbackAt = undefined;
        this.arrival = undefined;
        this.peerKeyHex = event.peer;
        this.push(event);
        this.push({
          type: 'session-open',
          path: this.path?.path ?? 'direct',
          technique: this.path?.technique ?? 'unknown',
          remote: this.path?.remote ?? formatAddr(VIRTUAL_PEER),
          peer_key_hex: event.peer,
        });
        this.probeProposed(now);
        return;
      }
    }
    this.push(event);
  }
}
