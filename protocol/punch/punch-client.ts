// The punch client machine: discovers its reflexive address and NAT type (RFC 5780 via the
// rendezvous server's STUN), registers (echoing the server's return-routability cookie), names
// the one peer it dials or accepts (the server punches only when both sides named each other),
// then runs the punch the server times for both sides: paced, prioritised checks (host >
// reflexive > predicted ports), birthday probing across a hard NAT, relay fallback, relay ->
// direct upgrade and keepalives. A punch is taken only for that peer and only when it carries
// the nonce of one of our own connects (an off-path forger cannot guess it).
// A composing machine (e.g. the secure transport) shares the socket: it demuxes by first byte,
// hands 0x00-0x03 and 0xD0-0xDF datagrams here, reads `path` and sends with `sendData`.
// The path itself (direct pair choice, validation of changes, relay fallback, keepalives) is
// kept by path-keeper.ts; what the peer sends (probes, acks, relayed data, re-punch notices)
// is read by peer-inbox.ts.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE, isStun } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TimerTable } from '../core/timers.ts';
import { CheckList } from './check-list.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DropCounter } from './drop-counter.ts';
import { DEFAULT_DISCOVERY, NatDiscovery } from './nat-discovery.ts';
import { natSummary, type NatReport } from './nat-report.ts';
import { PUNCH_DEFAULTS, type PunchClientConfig } from './punch-config.ts';
import { PathKeeper, type PathState } from './path-keeper.ts';
import type { NatPair, PunchEvent } from './punch-events.ts';
import { ID_BYTES_MAX, idProblem, TOKEN_BYTES, type Candidate, type RendezvousMessage } from './rendezvous-wire.ts';
import { PeerInbox } from './peer-inbox.ts';
import { PunchSession } from './punch-session.ts';
import { RendezvousLink } from './rendezvous-link.ts';
import { decodeStun } from './stun-codec.ts';

export type PunchCommand =
  | { readonly type: 'connect'; readonly peer: string }
  /** Send a datagram of the composing protocol along the current path (see sendData). */
  | { readonly type: 'send'; readonly data: Uint8Array }
  /** The secure session validated the proposed pair to `remote` (formatAddr): switch to it. */
  | { readonly type: 'path-validated'; readonly remote: string }
  /** The proposed pair to `remote` failed validation: forget it, keep the current path. */
  | { readonly type: 'path-rejected'; readonly remote: string }
  /** The composing session never opened over the direct pair: carry it over the relay instead. */
  | { readonly type: 'relay-fallback' }
  | { readonly type: 'close' };

export type { PathState } from './path-keeper.ts';

type TimerName = 'start' | 'refresh' | 'keepalive' | 'upgrade' | 'pending';

export class PunchClient implements Machine<PunchCommand, PunchEvent> {
  readonly config: PunchClientConfig;
  readonly discovery: NatDiscovery;
  private readonly timers = new TimerTable<TimerName>();
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<PunchEvent, 'drop-newest'>;
  readonly drops: DropCounter;
  phase: 'idle' | 'discovering' | 'registering' | 'registered' | 'failed' = 'idle';
  observed: Addr | undefined;
  server_rtt_ms = 0;
  /** Registration, consent and their requests (rendezvous-link.ts). */
  private readonly link: RendezvousLink;
  private upgrades = 0;
  /** Re-punch leads so far (rotates the spare sockets). */
  private repunchLeads = 0;
  session: PunchSession | undefined;
  private readonly paths: PathKeeper;
  /** What the peer sends us, directly or through the relay (peer-inbox.ts). */
  private readonly inbox: PeerInbox;
  /** New destinations sent from the primary socket since discovery (shifts sequential prediction). */
  private destinations = new Set<string>();

  constructor(config: Partial<PunchClientConfig> & Pick<PunchClientConfig, 'id' | 'token' | 'server' | 'local'>, private readonly rng: Rng) {
    this.config = { ...PUNCH_DEFAULTS, ...config };
    this.transmits = BoundedQueue.dropNewest(this.config.transmits_max);
    this.events = BoundedQueue.dropNewest(this.config.events_max);
    this.drops = new DropCounter((e) => this.events.push(e));
    this.discovery = new NatDiscovery({ ...DEFAULT_DISCOVERY, ...this.config.discovery, server: this.config.server }, rng, (t) => this.transmit(t), (e) => this.events.push(e));
    this.paths = new PathKeeper(this, this.timers, rng);
    this.link = new RendezvousLink(this, rng);
    this.inbox = new PeerInbox(this, this.paths, this.link);
    // Ids that cannot travel are reported as typed events at once (the server would drop them silently).
    for (const field of ['id', 'connect_to', 'accept_from'] as const) {
      const value = this.config[field];
      const reason = value === undefined ? undefined : idProblem(value);
      if (reason) {
        this.emit({ type: 'id-invalid', field, reason, bytes_max: ID_BYTES_MAX });
        this.phase = 'failed';
      }
    }
    if (this.config.token.byteLength !== TOKEN_BYTES) {
      this.emit({ type: 'machine-error', where: 'config', message: `token must be ${TOKEN_BYTES} bytes` });
      this.phase = 'failed';
    }
    if (this.phase !== 'failed') this.timers.set('start', 0);
  }

  /** The current path to the peer (direct pair or relay), if any. */
  get path(): PathState | undefined {
    return this.paths.current;
  }

  get nat(): NatReport {
    return this.discovery.report;
  }

  get counters(): Record<string, number> {
    return { ...this.drops.counters, probes: this.session?.probesSent ?? 0 };
  }

  /** The peer we dial or accept, if any. */
  get peer(): string | undefined {
    return this.link.peer;
  }

  get hasSession(): boolean {
    return this.session !== undefined;
  }

  /** The spare socket the next re-punch leads from (repunch.ts): they take turns. */
  nextSpare(): Addr | undefined {
    const spares = this.config.spares;
    return spares.length === 0 ? undefined : spares[this.repunchLeads++ % spares.length];
  }

  /** Clash recovery: register again now (the reply re-learns our mapping; the server rebinds our relay end). */
  relearn(now: Millis): void {
    if (this.phase === 'registered') this.link.register(now);
  }

  setTimer(name: 'refresh' | 'pending', at: Millis): void {
    this.timers.set(name, at);
  }

  /** Sends a datagram of the composing protocol along the current path; false when there is none. */
  sendData(data: Uint8Array): boolean {
    return this.paths.send(data);
  }

  /**
   * No late session (issue 15): with no path yet, an answer may go back to where the peer
   * reached us from, when keyed probes of this punch came from that address (the peer has
   * proved it holds it). False otherwise.
   */
  sendToHeard(data: Uint8Array, remote: Addr, local: Addr): boolean {
    const s = this.session;
    if (this.paths.current || !s || !s.hasHeardFrom(remote)) return false;
    this.transmit({ remote, data, local });
    return true;
  }

  /** Sends a datagram along the proposed (not yet validated) direct pair; false when there is none. */
  sendProposed(data: Uint8Array): boolean {
    return this.paths.sendProposed(data);
  }

  /** Every transmit goes through here so sequential-port prediction can count new destinations. */
  transmit(t: Transmit): void {
    if (!t.local || addrEquals(t.local, this.config.local)) this.destinations.add(formatAddr(t.remote));
    this.transmits.push(t);
  }

  emit(event: PunchEvent): void {
    this.events.push(event);
  }

  /** Nothing may throw out of the machine: a bug becomes a typed event and a counted drop. */
  private guard(where: string, body: () => void): void {
    try {
      body();
    } catch (e) {
      this.emit({ type: 'machine-error', where, message: e instanceof Error ? e.message : String(e) });
      this.drops.drop('machine-error', this.config.server, where);
    }
  }

  handleCommand(now: Millis, command: PunchCommand): void {
    this.guard('handleCommand', () => this.onCommand(now, command));
  }

  private onCommand(now: Millis, command: PunchCommand): void {
    switch (command.type) {
      case 'send':
        if (!this.sendData(command.data)) this.drops.drop('no-path', this.config.server);
        return;
      case 'connect': {
        const reason = idProblem(command.peer);
        if (reason) return this.emit({ type: 'id-invalid', field: 'peer', reason, bytes_max: ID_BYTES_MAX });
        return this.link.dial(now, command.peer);
      }
      case 'path-validated':
        return this.paths.validated(now, command.remote);
      case 'path-rejected':
        this.paths.rejected(command.remote);
        // Relay first: a direct pair that failed validation (lost challenges) is punched again
        // later, as after a failed punch, instead of leaving the session relayed for good.
        if (this.path?.kind === 'relay' && this.session?.controlling && this.upgrades < this.config.upgrades_max) this.timers.set('upgrade', now + this.config.upgrade_interval_ms);
        return;
      case 'relay-fallback':
        if (!this.paths.fallBackToRelay(now)) this.drops.drop('relay-fallback-no-direct', this.config.server);
        return;
      case 'close':
        this.session?.stop();
        this.session = undefined;
        this.paths.clear();
        return;
    }
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.guard('handleDatagram', () => this.onDatagram(now, remote, data, local));
  }

  private onDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    const first = data[0];
    if (first === undefined) return this.drops.drop('empty', remote);
    if (first < 4) {
      if (!isStun(data)) return this.drops.drop('stun-invalid', remote, 'not STUN');
      try {
        const message = decodeStun(data);
        if (message.cls !== 'success' && message.cls !== 'error') return this.drops.drop('stun-unexpected-class', remote);
        const s = this.session;
        if (!this.discovery.handleResponse(now, message) && !s?.repunch.stunResponse(now, message, remote, s.hasDirect)) return this.drops.drop('stun-unknown-transaction', remote);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        return this.drops.drop(`stun-${e.reason}`, remote, e.field);
      }
      return this.afterDiscovery(now);
    }
    if (first < FIRST_BYTE.punchMin || first > FIRST_BYTE.punchMax) return this.drops.drop('foreign-protocol', remote);
    const m = this.inbox.decode(data, remote, '');
    if (!m) return;
    if (m.type === 'probe' || m.type === 'probe-ack') return this.inbox.onPeerMessage(now, m, remote, local, false);
    if (!addrEquals(remote, this.config.server)) return this.drops.drop('not-from-server', remote, m.type);
    switch (m.type) {
      case 'registered':
        return this.link.onRegistered(now, m);
      case 'cookie':
        return this.link.onCookie(now, m);
      case 'error':
        return this.link.onError(now, m);
      case 'punch':
        return this.onPunch(now, m);
      case 'relay':
        return this.inbox.onRelay(now, m, remote, local);
      case 'relay-limit':
        return this.inbox.onRelayLimit(m, remote);
      default:
        return this.drops.drop('unexpected-message', remote, m.type);
    }
  }

  handleTimeout(now: Millis): void {
    this.guard('handleTimeout', () => this.onTimeout(now));
  }

  private onTimeout(now: Millis): void {
    for (const name of this.timers.expire(now)) {
      if (name === 'start') {
        this.phase = 'discovering';
        this.discovery.start(now, this.config.local);
      } else if (name === 'refresh') this.link.register(now);
      else if (name === 'keepalive') this.paths.keepalive(now);
      else if (name === 'upgrade') this.upgrade(now);
      else if (name === 'pending') this.link.pendingDue(now);
    }
    this.link.retry(now);
    if (this.phase === 'discovering') {
      this.discovery.handleTimeout(now);
      this.afterDiscovery(now);
    }
    this.session?.handleTimeout(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): PunchEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    let best = this.timers.earliest();
    const consider = (at: Millis | undefined): void => {
      if (at !== undefined && (best === undefined || at < best)) best = at;
    };
    if (this.phase === 'discovering') consider(this.discovery.nextDeadline());
    consider(this.link.nextDeadline());
    consider(this.session?.nextDeadline());
    return best;
  }

  // --- registration -------------------------------------------------------------------

  private afterDiscovery(now: Millis): void {
    if (this.phase !== 'discovering') return;
    const state = this.discovery.state;
    if (state !== 'done' && state !== 'failed') return;
    this.phase = 'registering';
    this.server_rtt_ms = this.discovery.rtt_ms ?? 0;
    this.destinations.clear();
    // The connect follows once the server has our cookie-checked registration (rendezvous-link.ts).
    this.link.register(now);
  }

  /** Candidates: the host address, the reflexive one, and the predicted next port of a sequential NAT. */
  candidates(): Candidate[] {
    const out: Candidate[] = [{ kind: 'host', addr: this.config.local }];
    const mapped = this.observed ?? this.discovery.mapped;
    if (mapped && !addrEquals(mapped, this.config.local)) out.push({ kind: 'reflexive', addr: mapped });
    const nat = this.nat;
    if (mapped && nat.allocation === 'sequential' && nat.delta !== 0) {
      // The next mapping gets last + delta; every new destination since then consumed one more.
      const server = formatAddr(this.config.server);
      let fresh = 0;
      for (const d of this.destinations) if (d !== server) fresh++;
      const port = this.discovery.lastMappedPort + nat.delta * (1 + fresh);
      if (port > 0 && port < 65_536) out.push({ kind: 'predicted', addr: { ...mapped, port } });
    }
    return out;
  }

  // --- punch ----------------------------------------------------------------------------

  private onPunch(now: Millis, m: Extract<RendezvousMessage, { type: 'punch' }>): void {
    // Consent on our side too: only the peer we named, and only in answer to our own connect.
    const verdict = this.link.checkPunch(m);
    if (verdict !== 'ok') return this.drops.drop(verdict, this.config.server, m.peer);
    if (this.session?.id === m.session) {
      this.session.resync(now); // a repeat of the punch we are running: the peer may have missed it
      return;
    }
    this.session?.stop();
    this.session = new PunchSession(this, m, now, this.rng);
    this.emit({ type: 'punch-start', peer: m.peer, session: m.session, controlling: m.controlling, strategy: this.session.plan.strategy, delay_ms: m.delay_ms, nat: this.natPair() });
    if (this.config.relay_first) this.paths.relayFirst(now, this.server_rtt_ms);
  }

  natPair(): NatPair {
    return { local: natSummary(this.nat), peer: this.session ? natSummary(this.session.peerNat) : '?' };
  }

  /** The session gave up on a direct path: stay relayed and let the initiator try again later. */
  punchFailed(now: Millis): void {
    const s = this.session!;
    this.emit({ type: 'punch-failed', peer: s.peer, attempts: s.probesSent });
    if (s.controlling && this.upgrades < this.config.upgrades_max) this.timers.set('upgrade', now + this.config.upgrade_interval_ms);
  }

  private upgrade(now: Millis): void {
    if (this.path?.kind === 'direct') return;
    this.upgrades++;
    // Re-register first so the server hands the peer our current prediction, then ask again.
    this.link.upgrade(now);
  }

  /** The session heard nothing from the peer: ask the server to send both punches again. */
  connect(now: Millis): void {
    this.link.connect(now);
  }

  /** Exposed for the session: the check list of a fresh attempt. */
  newCheckList(): CheckList {
    const c = this.config;
    return new CheckList({ pace_ms: c.pace_ms, rto_ms: c.check_rto_ms, retries_max: c.check_retries_max, checks_max: c.checks_max, first_burst: c.first_burst }, this.rng);
  }
}
