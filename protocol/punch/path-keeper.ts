// The punch client's path to its peer and what keeps it alive: which direct pair wins (a
// successful check that is better than the current one, or the controlling peer's
// nomination), the switch to the relay when no direct pair works, and the keepalives that
// notice a dead direct pair and fall back to the relay. The client owns the rendezvous side
// (registration, connect requests, relay -> direct upgrades) and calls in here on path news.
// With `validate_path_changes`, an established path is replaced only after the composing
// machine validated the new pair inside the secure session (`path-proposed` ->
// `path-validated`): a probe or NOMINATE, however well keyed, never moves traffic by itself.
// Conntrack clash recovery (issue 15): after a silence a NAT may have forgotten our flows and
// moved the next one to another port (the post-idle clash), killing the direct pair and maybe
// the relay flow. So the first unanswered keepalive re-validates both at once: it re-registers
// (re-learning our mapping; the server rebinds our relay circuit end to it) and probes the
// relay, so when the direct pair is declared lost the relay is known to work. Relayed data
// from the peer while we send direct means the peer already gave up on the pair: one more
// probe decides at once. With spare sockets the controlling side punches again soon after
// the loss, and the new punch re-punches from a fresh port if the old tuple is still poisoned.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import type { Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import type { CheckKind } from './check-list.ts';
import type { PunchClientConfig } from './punch-config.ts';
import type { NatPair, PunchEvent, Technique } from './punch-events.ts';
import type { PunchSession } from './punch-session.ts';
import { encodeRendezvous, PROBE_KEEPALIVE } from './rendezvous-wire.ts';

/**
 * Spacing of the checks that relayed data from the peer provokes while we send direct, and the
 * grace after a switch to a direct pair during which relayed data is just the move in flight.
 */
const PEER_LEFT_CHECK_MS = 2_000;
/** Unanswered keepalives that end the direct pair once the peer is seen on the relay. */
const PEER_LEFT_MISSES_MAX = 3;

export type PathState =
  | { readonly kind: 'direct'; readonly local: Addr; readonly remote: Addr; rtt_ms: number; readonly technique: Technique; readonly nominated: boolean }
  | { readonly kind: 'relay'; readonly server: Addr; rtt_ms: number };

/** The client's timers this file arms (they live in the client's one timer table). */
export interface PathTimers {
  set(name: 'keepalive' | 'upgrade', at: Millis): void;
  clear(name: 'keepalive' | 'upgrade'): void;
}

/** What the keeper needs from the client that owns it. */
export interface PathHost {
  readonly config: PunchClientConfig;
  readonly server_rtt_ms: number;
  readonly session: PunchSession | undefined;
  transmit(t: Transmit): void;
  emit(event: PunchEvent): void;
  natPair(): NatPair;
  /** Re-register now: re-learn our mapping and rebind our end of the relay circuit. */
  relearn(now: Millis): void;
}

interface Proposal {
  readonly local: Addr;
  readonly remote: Addr;
  readonly rtt_ms: number;
  readonly technique: Technique;
  readonly nominated: boolean;
}

export class PathKeeper {
  current: PathState | undefined;
  /** A better direct pair waiting for the secure session's validation. */
  proposal: Proposal | undefined;
  /** Proposals the composing machine rejected. */
  rejections = 0;
  /** The transaction id of the keepalive probe awaiting its ack, if any. */
  private keepaliveTx: number | undefined;
  private keepaliveMisses = 0;
  /** The peer sends through the relay while we send direct: the next unanswered keepalive ends the pair. */
  private peerLeft = false;
  private peerLeftCheckAt: Millis = 0;
  /** When the current direct pair was taken. */
  private directSince: Millis = 0;
  /** Re-validations of both flows started by a missed keepalive (clash recovery). */
  revalidations = 0;

  constructor(
    private readonly host: PathHost,
    private readonly timers: PathTimers,
    private readonly rng: Rng,
  ) {}

  /** Sends a datagram of the composing protocol along the current path; false when there is none. */
  send(data: Uint8Array): boolean {
    const path = this.current;
    const session = this.host.session;
    if (!path) return false;
    if (path.kind === 'direct') this.host.transmit({ remote: path.remote, data, local: path.local });
    else if (session) this.host.transmit({ remote: this.host.config.server, data: encodeRendezvous({ type: 'relay', session: session.id, payload: data }) });
    else return false;
    return true;
  }

  /** Sends along the proposed pair (for the session's path challenge); false when there is none. */
  sendProposed(data: Uint8Array): boolean {
    const p = this.proposal;
    if (!p) return false;
    this.host.transmit({ remote: p.remote, data, local: p.local });
    return true;
  }

  /** The secure session validated the proposed pair to `remote`: move to it. */
  validated(now: Millis, remote: string): void {
    const p = this.proposal;
    if (!p || formatAddr(p.remote) !== remote || !this.host.session) return;
    this.proposal = undefined;
    this.switchTo(now, p);
  }

  rejected(remote: string): void {
    if (!this.proposal || formatAddr(this.proposal.remote) !== remote) return;
    this.proposal = undefined;
    this.rejections++;
  }

  /** The server ended the relay circuit: a relay path is gone (a direct one is untouched). */
  relayEnded(): void {
    if (this.current?.kind !== 'relay') return;
    this.current = undefined;
    this.timers.clear('keepalive');
    this.timers.clear('upgrade');
  }

  /** Forgets the path (the application closed); a later punch starts from nothing. */
  clear(): void {
    this.current = undefined;
    this.proposal = undefined;
    this.timers.clear('keepalive');
    this.timers.clear('upgrade');
  }

  /** A check succeeded (rtt known) or the controlling peer nominated a pair (rtt unknown). */
  setDirect(now: Millis, local: Addr, remote: Addr, rtt_ms: number | undefined, kind: CheckKind = 'nominate'): void {
    const s = this.host.session!;
    const previous = this.current;
    if (previous?.kind === 'direct' && addrEquals(previous.local, local) && addrEquals(previous.remote, remote)) return;
    // Keep the pair we have unless this one is better (the controller's nomination always wins).
    const nominated = kind === 'nominate';
    if (previous?.kind === 'direct' && (previous.nominated || (!nominated && s.preference(remote) >= s.preference(previous.remote)))) {
      if (!nominated) return;
    }
    const rtt = rtt_ms ?? (previous?.kind === 'direct' ? previous.rtt_ms : s.rttEstimate());
    const proposal: Proposal = { local, remote, rtt_ms: rtt, technique: s.technique(remote), nominated: nominated && !s.controlling };
    if (previous && this.host.config.validate_path_changes) {
      // Keep the established path; the checks that found this pair may stop (it answers), but
      // traffic moves only when the secure session has validated it.
      s.directFound(now, local, remote);
      const same = this.proposal && addrEquals(this.proposal.local, local) && addrEquals(this.proposal.remote, remote);
      this.proposal = proposal;
      if (!same) {
        this.host.emit({
          type: 'path-proposed', peer: s.peer, remote: formatAddr(remote), local: formatAddr(local), rtt_ms: rtt, technique: proposal.technique, upgrade: previous.kind === 'relay',
        });
      }
      return;
    }
    this.switchTo(now, proposal);
  }

  private switchTo(now: Millis, p: Proposal): void {
    const s = this.host.session!;
    const previous = this.current;
    const path: PathState = { kind: 'direct', local: p.local, remote: p.remote, rtt_ms: p.rtt_ms, technique: p.technique, nominated: p.nominated };
    this.current = path;
    this.directSince = now;
    if (this.proposal && addrEquals(this.proposal.remote, p.remote) && addrEquals(this.proposal.local, p.local)) this.proposal = undefined;
    // Emitted for the first direct pair and again when a better or nominated pair replaces it.
    this.host.emit({
      type: 'path', path: 'direct', peer: s.peer, remote: formatAddr(p.remote), local: formatAddr(p.local), rtt_ms: p.rtt_ms, attempts: s.probesSent,
      elapsed_ms: now - s.received_at, nat: this.host.natPair(), technique: path.technique, upgrade: previous?.kind === 'relay',
    });
    s.directFound(now, p.local, p.remote);
    this.timers.clear('upgrade');
    this.keepaliveMisses = 0;
    this.keepaliveTx = undefined;
    this.timers.set('keepalive', now + this.host.config.keepalive_ms);
  }

  /**
   * Relay first (issue 15): the circuit the server opened with this punch carries traffic at
   * once; a relay probe confirms it and measures its RTT (setRelay). Until then the RTT is
   * estimated as two server round trips (peer -> server -> peer and back).
   */
  relayFirst(now: Millis, server_rtt_ms: number): void {
    if (this.current) return;
    const s = this.host.session!;
    const c = this.host.config;
    this.current = { kind: 'relay', server: c.server, rtt_ms: 2 * server_rtt_ms };
    this.host.emit({
      type: 'path', path: 'relay', peer: s.peer, remote: formatAddr(c.server), local: formatAddr(c.local), rtt_ms: 2 * server_rtt_ms,
      attempts: s.probesSent, elapsed_ms: now - s.received_at, nat: this.host.natPair(), technique: 'relay', upgrade: false,
    });
    s.startRelay(now);
    this.timers.set('keepalive', now + c.keepalive_ms);
  }

  /**
   * The secure handshake never completed over the direct pair (a pair that answers probes but
   * not the session, e.g. our own socket behind an overlapping LAN): fall back to the relay
   * rather than fail. The controlling side re-punches later (relay -> direct upgrade).
   */
  fallBackToRelay(now: Millis): boolean {
    const s = this.host.session;
    const c = this.host.config;
    if (!s || this.current?.kind !== 'direct') return false;
    this.host.emit({ type: 'path-lost', peer: s.peer, remote: formatAddr(this.current.remote) });
    this.current = undefined;
    this.proposal = undefined;
    this.keepaliveTx = undefined;
    this.keepaliveMisses = 0;
    this.relayFirst(now, this.host.server_rtt_ms);
    if (s.controlling) this.timers.set('upgrade', now + c.upgrade_interval_ms);
    return true;
  }

  setRelay(now: Millis, rtt_ms: number): void {
    const s = this.host.session!;
    const c = this.host.config;
    s.relayConfirmed();
    if (this.current) {
      if (this.current.kind === 'relay') this.current.rtt_ms = rtt_ms;
      return;
    }
    this.current = { kind: 'relay', server: c.server, rtt_ms };
    this.host.emit({
      type: 'path', path: 'relay', peer: s.peer, remote: formatAddr(c.server), local: formatAddr(c.local), rtt_ms,
      attempts: s.probesSent, elapsed_ms: now - s.received_at, nat: this.host.natPair(), technique: 'relay', upgrade: false,
    });
    this.timers.set('keepalive', now + c.keepalive_ms);
  }

  /** A probe-ack for the outstanding keepalive: the direct pair lives. False when `tx` is another probe's. */
  keepaliveAcked(now: Millis, tx: number): boolean {
    if (tx !== this.keepaliveTx) return false;
    const s = this.host.session!;
    this.keepaliveTx = undefined;
    this.keepaliveMisses = 0;
    this.peerLeft = false;
    if (this.current?.kind === 'direct') this.current.rtt_ms = now - s.keepaliveSentAt;
    this.timers.set('keepalive', s.keepaliveSentAt + this.host.config.keepalive_ms);
    return true;
  }

  /**
   * Relayed data from the peer while our path is direct: the peer declared the pair lost (its
   * keepalives went unanswered). Probe it now; a few unanswered probes (not six) end it.
   */
  peerUsesRelay(now: Millis): void {
    if (this.current?.kind !== 'direct' || this.peerLeft || now < this.peerLeftCheckAt || now < this.directSince + PEER_LEFT_CHECK_MS) return;
    // At most one such check per interval: a peer that stays relayed on purpose costs a probe now and then.
    this.peerLeftCheckAt = now + PEER_LEFT_CHECK_MS;
    this.peerLeft = true;
    if (this.keepaliveTx === undefined) this.keepalive(now);
  }

  /** The keepalive timer fired: probe the direct pair (or declare it lost), or probe via the relay. */
  keepalive(now: Millis): void {
    const s = this.host.session;
    const path = this.current;
    const c = this.host.config;
    if (!s || !path) return;
    if (path.kind === 'direct') {
      // An unanswered keepalive is retried a few times, one RTO apart, before the path is
      // declared lost: one lost datagram must not cost a working path.
      if (this.keepaliveTx !== undefined && ++this.keepaliveMisses >= (this.peerLeft ? Math.min(PEER_LEFT_MISSES_MAX, c.keepalive_misses_max) : c.keepalive_misses_max)) {
        this.host.emit({ type: 'path-lost', peer: s.peer, remote: formatAddr(path.remote) });
        this.current = undefined;
        this.keepaliveTx = undefined;
        this.keepaliveMisses = 0;
        this.peerLeft = false;
        // The relay was re-validated since the first miss. Relay first: it carries the session
        // from now on; otherwise it becomes the path when its probe is answered (setRelay).
        if (c.relay_first) this.relayFirst(now, this.host.server_rtt_ms);
        else s.startRelay(now);
        // With a spare socket the next punch can dodge a clash on the dead pair's tuple (it
        // re-punches from another port, repunch.ts), so it need not wait for conntrack to forget.
        const soon = c.spares.length > 0 && c.repunch_attempts_max > 0;
        if (s.controlling) this.timers.set('upgrade', now + (soon ? c.repunch_after_ms : c.upgrade_interval_ms));
        return;
      }
      if (this.keepaliveMisses === 1) {
        // The first miss after a silence: re-learn our mapping and check the relay in parallel.
        this.revalidations++;
        this.host.relearn(now);
        s.startRelay(now);
      }
      this.keepaliveTx = this.rng.nextUint32();
      s.keepaliveSentAt = now;
      this.host.transmit({ remote: path.remote, local: path.local, data: encodeRendezvous({ type: 'probe', session: s.id, key: s.key, tx: this.keepaliveTx, flags: s.flags(PROBE_KEEPALIVE) }) });
      this.timers.set('keepalive', now + Math.max(c.check_rto_ms, 3 * path.rtt_ms) * 2 ** this.keepaliveMisses);
      return;
    }
    s.sendRelayProbe(now);
    this.timers.set('keepalive', now + c.keepalive_ms);
  }
}
