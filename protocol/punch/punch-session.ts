// One punch attempt with one peer, from the server's "punch" instruction to a direct path or
// the relay: builds the check list from the peer's candidates and the shared plan, runs port
// prediction or birthday probing when the plan says so, confirms the relay circuit, and times
// out. The PunchClient owns the socket-level state (path, keepalive) and calls in here.
import { addrEquals, addrKey, type Addr } from '../core/addr.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TimerTable } from '../core/timers.ts';
import type { Check, CheckKind, CheckList } from './check-list.ts';
import type { NatReport } from './nat-report.ts';
import type { PunchClient } from './punch-client.ts';
import type { Technique } from './punch-events.ts';
import { encodeRendezvous, PROBE_CONTROLLING, PROBE_NOMINATE, PROBE_SYNC, type Candidate, type RendezvousMessage } from './rendezvous-wire.ts';
import { plan, type Plan } from './strategy.ts';
import { Repunch } from './repunch.ts';

type SessionTimer = 'start' | 'birthday' | 'spares' | 'relay' | 'relay-retry' | 'timeout' | 'silent' | 'sync';

/** Relay confirmation probes before giving up on the circuit. */
const RELAY_PROBES_MAX = 8;
/** Attempts at finding a birthday port not yet probed before accepting a repeat. */
const PORT_DRAW_TRIES_MAX = 16;
/** Copies of the relayed "started" signal of the easy birthday side, and their spacing. */
const SYNC_COPIES = 3;
const SYNC_SPACING_MS = 100;
/** Rounds of due timers one handleTimeout runs (a handler may arm a timer at `now`). */
const TIMER_ROUNDS_MAX = 4;
/** Direct source addresses of keyed probes remembered per session (birthday hits are few). */
const HEARD_FROM_MAX = 16;

export class PunchSession {
  readonly id: number;
  readonly key: Uint8Array;
  readonly peer: string;
  readonly controlling: boolean;
  readonly peerNat: NatReport;
  readonly peerCandidates: readonly Candidate[];
  readonly peerObserved: Addr;
  readonly plan: Plan;
  readonly received_at: Millis;
  readonly start_at: Millis;
  readonly sameSite: boolean;
  private readonly checks: CheckList;
  /** Conntrack clash recovery: re-punching from a spare socket (repunch.ts). */
  readonly repunch: Repunch;
  private readonly timers = new TimerTable<SessionTimer>();
  private readonly birthdayTx = new Map<number, Millis>();
  private readonly birthdayPorts = new Set<number>();
  private readonly predicted = new Set<string>();
  private readonly spareTx = new Map<number, Addr>();
  private spareSentAt: Millis = 0;
  probesSent = 0;
  relayTx: number | undefined;
  relaySentAt: Millis = 0;
  private relayProbes = 0;
  private relayUp = false;
  keepaliveSentAt: Millis = 0;
  /** Addresses keyed probes came from directly (bounded): pairs the peer has proved it holds. */
  private readonly heardFrom = new Set<string>();
  private heardFromPeer = false;
  private syncsSent = 0;
  private sparesArmed = false;
  private direct = false;
  private stopped = false;

  constructor(
    private readonly client: PunchClient,
    m: Extract<RendezvousMessage, { type: 'punch' }>,
    now: Millis,
    private readonly rng: Rng,
  ) {
    this.id = m.session;
    this.key = m.key;
    this.peer = m.peer;
    this.controlling = m.controlling;
    this.peerNat = m.nat;
    this.peerCandidates = m.candidates;
    this.peerObserved = m.peer_observed;
    this.plan = plan(client.nat, m.nat);
    this.received_at = now;
    this.start_at = now + m.delay_ms;
    const mine = client.observed ?? client.discovery.mapped;
    this.sameSite = mine !== undefined && mine.ip === m.peer_observed.ip;
    this.checks = client.newCheckList();
    const c = client.config;
    // Hard side of prediction: let the easy side's probes to our predicted ports leave first,
    // for the same conntrack-clash reason as the birthday spares (see start()).
    const hardFirstDelay = this.plan.strategy === 'prediction' && !this.plan.predictPeer ? (c.prediction_window + 2) * c.pace_ms + client.server_rtt_ms / 2 : 0;
    this.timers.set('start', this.start_at + hardFirstDelay);
    // Two hard NATs: no direct technique is worth waiting for, take the relay at once.
    // (Relay-first: the client took the relay when the punch arrived; no timer needed.)
    if (!c.relay_first) this.timers.set('relay', this.plan.strategy === 'relay-only' ? this.start_at : now + c.relay_after_ms);
    this.timers.set('timeout', this.start_at + c.punch_timeout_ms);
    // Silence is expected while the hard side of birthday probing waits for the spray.
    const quiet_ms = this.plan.birthday === 'hard' ? c.birthday_probes_max * c.birthday_pace_ms : hardFirstDelay;
    if (this.controlling) this.timers.set('silent', this.start_at + quiet_ms + c.peer_silent_ms);
    // Only a simultaneous open between EIM NATs can be undone by one poisoned tuple; the other
    // strategies either use the spares already (birthday) or predict ports a spare would shift.
    this.repunch = new Repunch(this, client, rng, this.start_at, this.plan.strategy === 'simultaneous-open');
  }

  /** A re-punch check (repunch.ts): paced and retried like the others. */
  addRepunchCheck(local: Addr, remote: Addr): void {
    if (this.stopped || this.direct) return;
    this.checks.add(local, remote, 'repunch');
  }

  /** Whether a direct pair has been found in this session. */
  get hasDirect(): boolean {
    return this.direct;
  }

  /** Probe flags with our role bit: a probe carrying our own role is our own, looped back. */
  flags(base: number): number {
    return this.controlling ? base | PROBE_CONTROLLING : base;
  }

  /** Whether a probe with these flags was sent by our role (so by us: exactly one side controls). */
  ownRole(flags: number): boolean {
    return ((flags & PROBE_CONTROLLING) !== 0) === this.controlling;
  }

  /** Constant time over equal lengths: the key is the session's secret. */
  keyMatches(key: Uint8Array): boolean {
    return equalBytes(key, this.key);
  }

  /** A keyed probe or ack came from `remote` directly (not through the relay). */
  heardAt(remote: Addr): void {
    if (this.heardFrom.size < HEARD_FROM_MAX) this.heardFrom.add(addrKey(remote));
  }

  /** Whether a keyed probe or ack ever came from `remote` directly. */
  hasHeardFrom(remote: Addr): boolean {
    return this.heardFrom.has(addrKey(remote));
  }

  heard(now: Millis): void {
    this.heardFromPeer = true;
    // Hard birthday side: the easy side is spraying (it told us, or its probes reach us); open
    // our ports once that spray is over, so they meet its outbound state (see start()).
    if (this.plan.birthday === 'hard' && !this.sparesArmed && !this.direct && !this.stopped && this.spareTx.size > 0) {
      this.sparesArmed = true;
      const c = this.client.config;
      this.timers.set('spares', now + c.birthday_probes_max * c.birthday_pace_ms);
    }
  }

  /** The server repeated our punch (the peer may have missed it): tell the peer again we run. */
  resync(now: Millis): void {
    if (this.plan.birthday === 'easy' && !this.direct && !this.stopped) {
      this.syncsSent = 0;
      this.sendSync(now);
    }
  }

  private sendSync(now: Millis): void {
    const probe = encodeRendezvous({ type: 'probe', session: this.id, key: this.key, tx: 0, flags: this.flags(PROBE_SYNC) });
    this.client.transmit({ remote: this.client.config.server, data: encodeRendezvous({ type: 'relay', session: this.id, payload: probe }) });
    if (++this.syncsSent < SYNC_COPIES) this.timers.set('sync', now + SYNC_SPACING_MS);
  }

  rttEstimate(): number {
    return this.client.server_rtt_ms;
  }

  /** Path preference, lower is better: a peer's host (LAN) address beats anything through a NAT. */
  preference(remote: Addr): number {
    return this.peerCandidates.some((c) => c.kind === 'host' && addrEquals(c.addr, remote)) && !addrEquals(remote, this.peerObserved) ? 0 : 1;
  }

  /** How the path to `remote` was found, from the plan both sides share (deterministic per NAT pair). */
  technique(remote: Addr): Technique {
    if (this.preference(remote) === 0) return 'host';
    if (this.sameSite) return 'hairpin';
    if (this.plan.strategy === 'prediction' || this.plan.strategy === 'birthday') return this.plan.strategy;
    return 'simultaneous-open';
  }

  private start(now: Millis): void {
    const local = this.client.config.local;
    const peerHostIsPublic = this.peerCandidates.some((c) => c.kind === 'host' && addrEquals(c.addr, this.peerObserved));
    // Host candidates are only worth a probe on the same site (same public IP) or when public:
    // elsewhere they are someone else's private addresses, and each probe would spend a port
    // of a sequential NAT that prediction is counting on.
    if (this.sameSite || peerHostIsPublic) {
      for (const c of this.peerCandidates) if (c.kind === 'host') this.checks.add(local, c.addr, 'host');
    }
    if (!this.plan.skipPeerReflexive) this.checks.add(local, this.peerObserved, 'reflexive');
    if (this.plan.predictPeer) {
      const base = this.peerCandidates.find((c) => c.kind === 'predicted');
      const delta = this.peerNat.delta;
      if (base && delta !== 0) {
        // Lockstep pairs j-th probe with j-th port on both sides, so no look-back there.
        const back = this.plan.skipPeerReflexive ? 0 : this.client.config.prediction_back;
        for (let j = -back; j < this.client.config.prediction_window - back; j++) {
          const port = base.addr.port + j * delta;
          if (port < 1 || port > 65_535) continue;
          const target = { ...base.addr, port };
          this.predicted.add(`${target.ip}:${port}`);
          this.checks.add(local, target, 'predicted');
        }
      }
    }
    if (this.plan.birthday === 'easy') {
      // Sent now, not through timers set at `now`: start() runs inside handleTimeout(now),
      // after which no deadline may still be due.
      this.birthdayProbe(now);
      this.sendSync(now);
    }
    if (this.plan.birthday === 'hard' && this.client.config.spares.length > 0) {
      for (const spare of this.client.config.spares) {
        let tx = this.rng.nextUint32();
        while (this.spareTx.has(tx)) tx = this.rng.nextUint32();
        this.spareTx.set(tx, spare);
      }
      if (this.heardFromPeer) {
        this.heardFromPeer = false;
        this.heard(now);
        return;
      }
      // The easy side sprays first and the hard side opens its ports once that is done: a
      // probe from the hard side that reached the easy NAT before the easy side had sent to
      // that port would, behind a Linux NAT without a firewall, create a conntrack entry and
      // push the easy side's later probe to another port (the conntrack clash). Arriving
      // after, it matches the easy side's outbound entry (or APDF permit) and is let in.
      // The spray's start is signalled through the relay (heard()); without that signal we
      // open the ports anyway after a grace period (the peer may lack the relay).
      const c = this.client.config;
      this.timers.set('spares', now + 2 * c.birthday_probes_max * c.birthday_pace_ms + c.relay_after_ms);
    }
  }

  triggered(now: Millis, local: Addr, remote: Addr): void {
    if (this.stopped || this.direct) return;
    if (now < this.start_at) this.startNow(now);
    this.checks.add(local, remote, 'triggered');
  }

  /** A peer probe arrived before our own start time: the peer started, so start too. */
  private startNow(now: Millis): void {
    if (!this.timers.has('start')) return;
    this.timers.clear('start');
    this.start(now);
  }

  /** Matches an acknowledgement; returns the round-trip time and check kind, or undefined if not ours. */
  acked(now: Millis, tx: number, from: Addr): { rtt_ms: number; kind: CheckKind } | 'asymmetric' | undefined {
    // As ICE requires (RFC 8445 §7.2.5.2.1), an answer counts only from the address the probe
    // went to: a genuine probe-ack replayed from a stranger's address must not make the
    // stranger our path (found by `peerlab swarm --protocol peer --seeds 2149..2149`).
    const sent = this.checks.byTransaction(tx);
    if (sent) {
      if (!addrEquals(sent.check.remote, from)) return 'asymmetric';
      this.checks.succeeded(sent.check);
      return { rtt_ms: now - sent.at, kind: sent.check.kind };
    }
    const at = this.birthdayTx.get(tx);
    if (at !== undefined) {
      if (from.ip !== this.peerObserved.ip || !this.birthdayPorts.has(from.port)) return 'asymmetric';
      return { rtt_ms: now - at, kind: 'birthday' };
    }
    if (this.spareTx.has(tx)) {
      if (!addrEquals(this.peerObserved, from)) return 'asymmetric';
      return { rtt_ms: now - this.spareSentAt, kind: 'spare' };
    }
    const opener = this.repunch.acked(now, tx, from);
    return opener === undefined || opener === 'asymmetric' ? opener : { rtt_ms: opener.rtt_ms, kind: 'repunch' };
  }

  /**
   * A pair works. Checks that could only find worse pairs stop; better ones (a host pair still
   * in flight when a hairpin pair answered) run on, and the client switches if one succeeds.
   */
  directFound(_now: Millis, local: Addr, remote: Addr): void {
    // Only a LAN pair beats a pair through NATs; once we have one, nothing better is left.
    this.checks.stopExcept(this.preference(remote) === 0 ? ['nominate'] : ['nominate', 'host']);
    // The controlling side tells the other which pair it uses (ICE's USE-CANDIDATE).
    if (this.controlling) this.checks.add(local, remote, 'nominate');
    if (this.direct) return;
    this.direct = true;
    this.timers.clear('birthday');
    this.timers.clear('spares');
    this.timers.clear('silent');
    this.timers.clear('timeout');
  }

  relayConfirmed(): void {
    this.relayUp = true;
    this.timers.clear('relay-retry');
  }

  startRelay(now: Millis): void {
    this.relayProbes = 0;
    this.relayUp = false;
    this.sendRelayProbe(now);
  }

  sendRelayProbe(now: Millis): void {
    const c = this.client.config;
    this.relayTx = this.rng.nextUint32();
    this.relaySentAt = now;
    this.relayProbes++;
    const probe = encodeRendezvous({ type: 'probe', session: this.id, key: this.key, tx: this.relayTx, flags: this.flags(0) });
    this.client.transmit({ remote: c.server, data: encodeRendezvous({ type: 'relay', session: this.id, payload: probe }) });
    if (!this.relayUp && this.relayProbes < RELAY_PROBES_MAX) this.timers.set('relay-retry', now + Math.max(c.request_rto_ms, 2 * this.client.server_rtt_ms));
  }

  private sendCheck(check: Check, copies: number): void {
    const data = encodeRendezvous({ type: 'probe', session: this.id, key: this.key, tx: check.tx, flags: this.flags(check.kind === 'nominate' ? PROBE_NOMINATE : 0) });
    for (let i = 0; i < copies; i++) this.client.transmit({ remote: check.remote, data, local: check.local });
    this.probesSent += copies;
  }

  private birthdayProbe(now: Millis): void {
    const c = this.client.config;
    if (this.birthdayPorts.size >= c.birthday_probes_max) return;
    let port = this.rng.nextInt(c.birthday_port_min, c.birthday_port_max);
    for (let i = 0; i < PORT_DRAW_TRIES_MAX && this.birthdayPorts.has(port); i++) port = this.rng.nextInt(c.birthday_port_min, c.birthday_port_max);
    this.birthdayPorts.add(port);
    let tx = this.rng.nextUint32();
    while (this.birthdayTx.has(tx)) tx = this.rng.nextUint32();
    this.birthdayTx.set(tx, now);
    const data = encodeRendezvous({ type: 'probe', session: this.id, key: this.key, tx, flags: this.flags(0) });
    this.client.transmit({ remote: { ...this.peerObserved, port }, data, local: c.local });
    this.probesSent++;
    if (this.birthdayPorts.size < c.birthday_probes_max) this.timers.set('birthday', now + c.birthday_pace_ms);
  }

  private sendSpares(now: Millis): void {
    this.spareSentAt = now;
    for (const [tx, spare] of this.spareTx) {
      const data = encodeRendezvous({ type: 'probe', session: this.id, key: this.key, tx, flags: this.flags(0) });
      this.client.transmit({ remote: this.peerObserved, data, local: spare });
      this.probesSent++;
    }
    this.timers.set('spares', now + this.client.config.spare_resend_ms);
  }

  handleTimeout(now: Millis): void {
    // A handler may arm another timer at `now`; run rounds until nothing is due (bounded).
    for (let round = 0; round < TIMER_ROUNDS_MAX; round++) {
      const due = this.timers.expire(now);
      if (due.length === 0) break;
      this.runTimers(now, due);
    }
    this.repunch.handleTimeout(now, this.direct);
    if (!this.stopped) this.checks.due(now, (check, copies) => this.sendCheck(check, copies));
  }

  private runTimers(now: Millis, due: readonly SessionTimer[]): void {
    for (const name of due) {
      switch (name) {
        case 'start':
          this.start(now);
          break;
        case 'birthday':
          if (!this.direct) this.birthdayProbe(now);
          break;
        case 'spares':
          if (!this.direct) this.sendSpares(now);
          break;
        case 'sync':
          if (!this.direct) this.sendSync(now);
          break;
        case 'relay':
          if (!this.direct) this.startRelay(now);
          break;
        case 'relay-retry':
          if (!this.relayUp) this.sendRelayProbe(now);
          break;
        case 'timeout':
          this.checks.stop();
          this.timers.clear('birthday');
          this.timers.clear('spares');
          if (!this.direct) this.client.punchFailed(now);
          break;
        case 'silent':
          // The peer may have missed its punch instruction: ask the server to send both again,
          // and again while it stays silent (the client bounds the asks by connects_max): a
          // relay-first session is dialed at once and must not wait for the next re-punch.
          if (!this.heardFromPeer && !this.direct && !this.relayUp) {
            this.client.connect(now);
            if (this.client.config.relay_first) this.timers.set('silent', now + this.client.config.peer_silent_ms);
          }
          break;
      }
    }
  }

  nextDeadline(): Millis | undefined {
    let best = this.timers.earliest();
    for (const at of [this.stopped || this.timers.has('start') ? undefined : this.checks.nextDeadline(), this.repunch.nextDeadline()]) {
      if (at !== undefined && (best === undefined || at < best)) best = at;
    }
    return best;
  }

  stop(): void {
    this.stopped = true;
    this.checks.stop();
    this.repunch.stop();
    for (const name of ['start', 'birthday', 'spares', 'relay', 'relay-retry', 'timeout', 'silent', 'sync'] as const) this.timers.clear(name);
  }
}
