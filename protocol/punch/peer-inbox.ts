// The punch client's inbox: what the peer sends us, directly or wrapped in the rendezvous
// server's relay: probes and their acks (answered, and turned into a direct pair or a relay
// RTT), the peer's relayed data, its re-punch notices (repunch.ts) and the server's notice that
// our relay circuit ended. Every message is checked against the current punch session's id and
// key before anything acts on it; a bad one is a typed drop. The client (punch-client.ts) owns
// the socket and the registration side and hands these messages here.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import type { DropCounter } from './drop-counter.ts';
import type { PathKeeper } from './path-keeper.ts';
import type { PunchClientConfig } from './punch-config.ts';
import type { PunchEvent } from './punch-events.ts';
import type { PunchSession } from './punch-session.ts';
import type { RendezvousLink } from './rendezvous-link.ts';
import {
  decodeRendezvous, encodeRendezvous, MSG, PROBE_KEEPALIVE, PROBE_NOMINATE, PROBE_SYNC,
  type RendezvousMessage,
} from './rendezvous-wire.ts';

/** What the inbox needs from the client that owns it. */
export interface InboxHost {
  readonly config: PunchClientConfig;
  readonly drops: DropCounter;
  readonly session: PunchSession | undefined;
  /** Our reflexive address as the server last reported it, if any. */
  readonly observed: Addr | undefined;
  readonly discovery: { readonly mapped: Addr | undefined };
  transmit(t: Transmit): void;
  emit(event: PunchEvent): void;
}

export class PeerInbox {
  constructor(
    private readonly host: InboxHost,
    private readonly paths: PathKeeper,
    private readonly link: Pick<RendezvousLink, 'peerAhead'>,
  ) {}

  onRelay(now: Millis, m: Extract<RendezvousMessage, { type: 'relay' }>, remote: Addr, local: Addr): void {
    const s = this.host.session;
    if (!s || m.session !== s.id) {
      if (!s) this.link.peerAhead(now);
      return this.host.drops.drop('relay-unknown-session', remote);
    }
    const first = m.payload[0];
    if (first === MSG.probe || first === MSG.probeAck || first === MSG.repunch) {
      const inner = this.decode(m.payload, remote, 'relay.');
      if (!inner) return;
      if (inner.type === 'probe' || inner.type === 'probe-ack') return this.onPeerMessage(now, inner, remote, local, true);
      if (inner.type === 'repunch') return this.onRepunch(now, inner, remote);
    }
    s.heard(now);
    this.paths.peerUsesRelay(now);
    this.host.emit({ type: 'relay-data', data: m.payload });
  }

  /** The peer re-punches from a fresh port (repunch.ts): keyed, relayed, and about its own public IP only. */
  private onRepunch(now: Millis, m: Extract<RendezvousMessage, { type: 'repunch' }>, remote: Addr): void {
    const s = this.host.session!;
    if (m.session !== s.id || !s.keyMatches(m.key)) return this.host.drops.drop('repunch-forged', remote);
    s.heard(now);
    const verdict = s.repunch.onNotice(m.candidate, s.hasDirect);
    if (verdict !== 'ok' && verdict !== 'duplicate') this.host.drops.drop(verdict, remote, formatAddr(m.candidate));
  }

  /** The server ended our relay circuit (budget or duration): say so, and stop using it. */
  onRelayLimit(m: Extract<RendezvousMessage, { type: 'relay-limit' }>, remote: Addr): void {
    const s = this.host.session;
    if (!s || m.session !== s.id) return this.host.drops.drop('relay-unknown-session', remote, 'relay-limit');
    if (!s.keyMatches(m.key)) return this.host.drops.drop('relay-limit-forged', remote);
    this.host.emit({ type: 'relay-limit', peer: s.peer, reason: m.reason });
    this.paths.relayEnded();
  }

  /** Decodes a rendezvous datagram; a DecodeError is counted as a typed drop (undefined). */
  decode(data: Uint8Array, remote: Addr, fieldPrefix: string): RendezvousMessage | undefined {
    try {
      return decodeRendezvous(data);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.host.drops.drop(`rendezvous-${e.reason}`, remote, `${fieldPrefix}${e.field}`);
      return undefined;
    }
  }

  onPeerMessage(now: Millis, m: Extract<RendezvousMessage, { type: 'probe' | 'probe-ack' }>, remote: Addr, local: Addr, relayed: boolean): void {
    // A probe "from" one of our own addresses is our own probe reflected back (an on-path
    // attacker replaying it with our source): never the peer, and answering it would make us
    // our own path (found by `peerlab swarm --protocol punch --seeds 33..33`).
    if (!relayed && this.isOwnAddress(remote)) return this.host.drops.drop('probe-reflected', remote);
    const s = this.host.session;
    if (!s || m.session !== s.id) return this.host.drops.drop('probe-unknown-session', remote);
    if (!s.keyMatches(m.key)) return this.host.drops.drop('probe-forged', remote);
    // Our own probe, looped back with a source we do not know as ours (equal LAN addresses in
    // two homes, a NAT that rewrote it): the role bit says it is not the peer's.
    if (m.type === 'probe' && s.ownRole(m.flags)) return this.host.drops.drop('probe-own', remote);
    s.heard(now);
    if (!relayed) s.heardAt(remote);
    if (m.type === 'probe' && m.flags & PROBE_SYNC) return; // heard() above is all it is for
    if (m.type === 'probe') {
      const ack = encodeRendezvous({ type: 'probe-ack', session: s.id, key: s.key, tx: m.tx, observed: remote });
      if (relayed) this.host.transmit({ remote: this.host.config.server, data: encodeRendezvous({ type: 'relay', session: s.id, payload: ack }) });
      else this.host.transmit({ remote, data: ack, local });
      if (relayed || m.flags & PROBE_KEEPALIVE) return;
      if (m.flags & PROBE_NOMINATE && !s.controlling) return this.paths.setDirect(now, local, remote, undefined);
      s.triggered(now, local, remote);
      return;
    }
    if (relayed) {
      if (s.relayTx === m.tx) this.paths.setRelay(now, now - s.relaySentAt);
      return;
    }
    if (this.paths.keepaliveAcked(now, m.tx)) return;
    const result = s.acked(now, m.tx, remote);
    if (result === undefined) return this.host.drops.drop('probe-ack-unknown', remote);
    if (result === 'asymmetric') return this.host.drops.drop('probe-ack-asymmetric', remote);
    this.paths.setDirect(now, local, remote, result.rtt_ms, result.kind);
  }

  private isOwnAddress(a: Addr): boolean {
    const c = this.host.config;
    if (addrEquals(a, c.local) || c.spares.some((spare) => addrEquals(a, spare))) return true;
    const mapped = this.host.observed ?? this.host.discovery.mapped;
    return mapped !== undefined && addrEquals(a, mapped);
  }
}
