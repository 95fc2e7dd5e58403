// Conntrack clash recovery by re-punching from a fresh port (issue 15). A Linux router that
// masquerades without an inbound firewall lets an unsolicited datagram from the peer create a
// conntrack entry on our public port (the peer's early probe, a stale keepalive); our own flow
// to that peer then clashes with the entry's tuple and leaves from another, random port, which
// the peer's filter drops, while the peer's probes keep hitting the stale entry. Neither side
// hears the other, and only that one tuple is poisoned: the NAT still maps every other flow of
// ours endpoint-independently.
//
// So when a simultaneous open found no pair `repunch_after_ms` after its start, one side (the
// leader) learns the public address of a spare socket (one STUN Binding from it), sends a probe
// from it to the peer's reflexive address FIRST, so its own NAT holds the outbound state of the
// new tuple, and only then tells the peer through the relay ("repunch", wire D C). The peer (the
// follower) probes that address from its usual socket; its probes now arrive as replies to the
// leader's outbound flow, and the leader's probes reach it once its own probe opened its filter.
// The side lacking the firewall must be the one that sends first, and neither can tell which
// side that is, so attempts alternate: the controlling side leads attempt 0, the other attempt 1.
// The found pair is validated and adopted like any other (path-keeper.ts), with the spare as
// its local end.
//
// Limits: at most `repunch_attempts_max` leads and distinct notices per punch session; a notice
// must name the peer's own public IP (a forged one cannot aim our probes at a third party); it
// is keyed with the session key like every probe, and only accepted inside a relay frame.
import { addrEquals, addrKey, formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import type { PunchClientConfig } from './punch-config.ts';
import type { PunchEvent } from './punch-events.ts';
import { encodeRendezvous } from './rendezvous-wire.ts';
import { decodeAddressValue, decodeXorAddressValue } from './stun-attributes.ts';
import { encodeStun, findAttribute } from './stun-codec.ts';
import { StunTransactions, type RetransmitPolicy } from './stun-transactions.ts';
import { STUN_ATTR, STUN_METHOD, type DecodedStun } from './stun-types.ts';

/** The spare's Binding request: the peer waits on it, so retry fast and give up within ~2 s. */
const SPARE_STUN_POLICY: RetransmitPolicy = { rto_ms: 200, requests_max: 4, last_wait_rto: 4 };
/** Spare Binding requests outstanding at once (one per lead; leads are repunch_attempts_max). */
const SPARE_STUN_MAX = 4;
/** Copies of the first probe and of the relayed notice: one lost datagram must not cost the attempt. */
const COPIES = 2;

/** What the re-punch needs from its punch session. */
export interface RepunchSession {
  readonly id: number;
  readonly key: Uint8Array;
  readonly peer: string;
  readonly controlling: boolean;
  readonly peerObserved: Addr;
  flags(base: number): number;
  /** Adds a paced, retried check of this pair to the session's check list. */
  addRepunchCheck(local: Addr, remote: Addr): void;
}

/** What the re-punch needs from the punch client. */
export interface RepunchClient {
  readonly config: PunchClientConfig;
  transmit(t: Transmit): void;
  emit(event: PunchEvent): void;
  /**
   * The spare socket for the next lead: they rotate across leads and punch sessions, so a
   * re-punch after a post-idle clash on the spare a previous re-punch moved to uses another one.
   */
  nextSpare(): Addr | undefined;
}

interface Planned {
  readonly at: Millis;
  readonly attempt: number;
}

interface StunTag {
  readonly attempt: number;
  readonly spare: Addr;
}

/** What became of a notice: acted on, a copy of one we act on already, or why not (a counted drop). */
export type NoticeVerdict = 'ok' | 'duplicate' | 'repunch-late' | 'repunch-foreign-address' | 'repunch-limit';

export class Repunch {
  private readonly stun = new StunTransactions<StunTag>(SPARE_STUN_MAX);
  /** The attempts this side leads, in time order. */
  private readonly planned: Planned[] = [];
  private nextPlanned = 0;
  /** The first probe of each lead (sent before the notice, outside the check list) -> send time. */
  private readonly openers = new Map<number, Millis>();
  /** Candidates the peer announced that we probe (distinct, bounded by the attempt count). */
  private readonly followed = new Set<string>();
  private stopped = false;
  leads = 0;

  constructor(
    private readonly session: RepunchSession,
    private readonly client: RepunchClient,
    private readonly rng: Rng,
    start_at: Millis,
    enabled: boolean,
  ) {
    const c = client.config;
    if (!enabled || c.spares.length === 0) return;
    for (let attempt = 0; attempt < c.repunch_attempts_max; attempt++) {
      const leader = attempt % 2 === 0 ? session.controlling : !session.controlling;
      if (leader) this.planned.push({ at: start_at + (attempt + 1) * c.repunch_after_ms, attempt });
    }
  }

  nextDeadline(): Millis | undefined {
    if (this.stopped) return undefined;
    const planned = this.planned[this.nextPlanned]?.at;
    const stun = this.stun.nextDeadline();
    if (planned === undefined) return stun;
    return stun === undefined ? planned : Math.min(planned, stun);
  }

  /** Runs due leads (unless a direct pair was found meanwhile) and retransmits the spare's request. */
  handleTimeout(now: Millis, direct: boolean): void {
    if (this.stopped) return;
    this.stun.expire(now, (t) => this.client.transmit(t));
    for (let p = this.planned[this.nextPlanned]; p !== undefined && now >= p.at; p = this.planned[this.nextPlanned]) {
      this.nextPlanned++;
      if (!direct) this.lead(now, p);
    }
  }

  private lead(now: Millis, p: Planned): void {
    const c = this.client.config;
    const spare = this.client.nextSpare();
    if (!spare || this.stun.size >= SPARE_STUN_MAX) return;
    const transactionId = this.rng.nextBytes(12);
    const data = encodeStun({ method: STUN_METHOD.binding, cls: 'request', transactionId, attributes: [] }, { fingerprint: true });
    this.client.transmit(this.stun.start(now, transactionId, data, c.server, { attempt: p.attempt, spare }, SPARE_STUN_POLICY, spare));
  }

  /** A STUN response: true when it answered our spare's request (consumed), false when not ours. */
  stunResponse(now: Millis, message: DecodedStun, from: Addr, direct: boolean): boolean {
    if (this.stopped || !addrEquals(from, this.client.config.server)) return false;
    const matched = this.stun.match(now, message);
    if (!matched) return false;
    if (message.cls !== 'success' || direct) return true;
    let mapped: Addr | undefined;
    try {
      const xor = findAttribute(message, STUN_ATTR.xorMappedAddress);
      const plain = findAttribute(message, STUN_ATTR.mappedAddress);
      mapped = xor ? decodeXorAddressValue(xor, message.transactionId) : plain ? decodeAddressValue(plain) : undefined;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    if (mapped) this.punchFrom(now, matched.tag, mapped);
    return true;
  }

  /** Our probe leaves first (our NAT now holds the new tuple's outbound state), then the notice. */
  private punchFrom(now: Millis, tag: StunTag, mapped: Addr): void {
    const s = this.session;
    const c = this.client.config;
    let tx = this.rng.nextUint32();
    while (this.openers.has(tx)) tx = this.rng.nextUint32();
    this.openers.set(tx, now);
    const probe = encodeRendezvous({ type: 'probe', session: s.id, key: s.key, tx, flags: s.flags(0) });
    for (let i = 0; i < COPIES; i++) this.client.transmit({ remote: s.peerObserved, data: probe, local: tag.spare });
    const notice = encodeRendezvous({ type: 'relay', session: s.id, payload: encodeRendezvous({ type: 'repunch', session: s.id, key: s.key, candidate: mapped }) });
    for (let i = 0; i < COPIES; i++) this.client.transmit({ remote: c.server, data: notice });
    s.addRepunchCheck(tag.spare, s.peerObserved);
    this.leads++;
    this.client.emit({ type: 'repunch', peer: s.peer, role: 'lead', attempt: tag.attempt, local: formatAddr(tag.spare), candidate: formatAddr(mapped) });
  }

  /** The peer re-punches from `candidate` (a relayed, keyed notice): probe it from our usual socket. */
  onNotice(candidate: Addr, direct: boolean): NoticeVerdict {
    const s = this.session;
    const c = this.client.config;
    if (this.stopped || direct) return 'repunch-late';
    if (candidate.ip !== s.peerObserved.ip || candidate.family !== s.peerObserved.family) return 'repunch-foreign-address';
    const key = addrKey(candidate);
    if (this.followed.has(key)) return 'duplicate'; // the leader sends COPIES of each notice
    if (this.followed.size >= c.repunch_attempts_max) return 'repunch-limit';
    this.followed.add(key);
    s.addRepunchCheck(c.local, candidate);
    this.client.emit({ type: 'repunch', peer: s.peer, role: 'follow', attempt: this.followed.size - 1, local: formatAddr(c.local), candidate: formatAddr(candidate) });
    return 'ok';
  }

  /** Matches an ack of a lead's first probe: its RTT, 'asymmetric' from the wrong address, or undefined. */
  acked(now: Millis, tx: number, from: Addr): { rtt_ms: number } | 'asymmetric' | undefined {
    const at = this.openers.get(tx);
    if (at === undefined) return undefined;
    if (!addrEquals(from, this.session.peerObserved)) return 'asymmetric';
    return { rtt_ms: now - at };
  }

  stop(): void {
    this.stopped = true;
    this.stun.cancelAll();
  }
}
