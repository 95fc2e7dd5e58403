// The rendezvous server machine: peers register an id (with a token only they know) and their
// candidates; a peer asks to connect to another id; the server sends both sides each other's
// candidates and a "punch now" delay chosen from their measured RTTs so both start sending at
// the same moment (DCUtR-style). It relays datagrams between the two peers of a punch when no
// direct path works, and answers STUN on the same port(s). Every table is bounded.
import { formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE, isStun } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { BoundedQueue, DropCounter, type DropEvent } from './drop-counter.ts';
import { RateLimiter } from './rate-limiter.ts';
import { Registry, tokensEqual, type Registration } from './registry.ts';
import { RelayTable } from './relay-table.ts';
import { decodeRendezvous, encodeRendezvous, ERROR_CODE, MSG, SESSION_KEY_BYTES, type RendezvousMessage } from './rendezvous-wire.ts';
import { StunResponder } from './stun-responder.ts';

export interface RendezvousServerConfig {
  readonly primary: Addr;
  /** With an alternate address the server also answers RFC 5780 CHANGE-REQUESTs. */
  readonly alternate?: Addr;
  readonly registrations_max: number;
  readonly registration_ttl_ms: number;
  /** Connect requests waiting for their target to register. */
  readonly pending_max: number;
  readonly pending_ttl_ms: number;
  readonly circuits_max: number;
  readonly circuit_bytes_max: number;
  readonly circuit_duration_ms: number;
  /** Per-source-IP token bucket over control and STUN messages (relay frames are exempt). */
  readonly rate_per_s: number;
  readonly rate_burst: number;
  readonly sources_max: number;
  /** RTTs above this are clamped when timing the punch. */
  readonly punch_rtt_max_ms: number;
  /** A repeated connect within this time re-sends the same punch (one side may have lost it). */
  readonly punch_reuse_ms: number;
  readonly sweep_interval_ms: number;
  readonly sweep_budget: number;
  readonly transmits_max: number;
  readonly events_max: number;
  /** Emit an event per registration / punch (off for benchmarks). */
  readonly verbose_events: boolean;
}

export const DEFAULT_RENDEZVOUS: Omit<RendezvousServerConfig, 'primary'> = {
  registrations_max: 10_000,
  registration_ttl_ms: 60_000,
  pending_max: 1_000,
  pending_ttl_ms: 30_000,
  circuits_max: 256,
  circuit_bytes_max: 1 << 17, // 128 KiB, libp2p circuit relay v2's default data limit
  circuit_duration_ms: 120_000, // 2 min, libp2p's default duration limit
  rate_per_s: 50,
  rate_burst: 100,
  sources_max: 4_096,
  punch_rtt_max_ms: 5_000,
  punch_reuse_ms: 5_000,
  sweep_interval_ms: 1_000,
  sweep_budget: 1_024,
  transmits_max: 4_096,
  events_max: 4_096,
  verbose_events: true,
};

export type RendezvousServerEvent =
  | DropEvent
  | { readonly type: 'registered'; readonly id: string; readonly addr: string; readonly fresh: boolean }
  | { readonly type: 'punch-issued'; readonly session: number; readonly a: string; readonly b: string; readonly delay_a_ms: number; readonly delay_b_ms: number };

interface Pending {
  readonly from: string;
  readonly nonce: number;
  readonly expires_at: Millis;
}

export class RendezvousServer implements Machine<never, RendezvousServerEvent> {
  readonly config: RendezvousServerConfig;
  readonly registry: Registry;
  readonly relay: RelayTable;
  private readonly limiter: RateLimiter;
  private readonly stun: StunResponder;
  private readonly pending = new Map<string, Pending>();
  private readonly transmits: BoundedQueue<Transmit>;
  private readonly events: BoundedQueue<RendezvousServerEvent>;
  readonly drops: DropCounter;
  private nextSweep: Millis | undefined;
  readonly stats = { registered: 0, lookups: 0, connects: 0, punches: 0, relayed_bytes: 0, stun: 0 };

  constructor(config: Partial<RendezvousServerConfig> & { primary: Addr }, private readonly rng: Rng) {
    this.config = { ...DEFAULT_RENDEZVOUS, ...config };
    const c = this.config;
    this.registry = new Registry(c.registrations_max, c.registration_ttl_ms);
    this.relay = new RelayTable(c.circuits_max, c.circuit_bytes_max, c.circuit_duration_ms);
    this.limiter = new RateLimiter(c.rate_per_s, c.rate_burst, c.sources_max);
    this.stun = new StunResponder(c.alternate ? { primary: c.primary, alternate: c.alternate } : { primary: c.primary });
    this.transmits = new BoundedQueue(c.transmits_max);
    this.events = new BoundedQueue(c.events_max);
    this.drops = new DropCounter((e) => this.events.push(e));
  }

  /** The addresses to bind: one, or four with an RFC 5780 alternate. */
  addresses(): Addr[] {
    return this.stun.addresses();
  }

  get counters(): Record<string, number> {
    return {
      ...this.stats,
      registrations: this.registry.size,
      circuits: this.relay.size,
      pending: this.pending.size,
      rate_sources: this.limiter.size,
      ...this.drops.counters,
    };
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.armSweep(now);
    const first = data[0];
    if (first === undefined) return this.drops.drop('empty', remote);
    if (first >= 4 && (first < FIRST_BYTE.punchMin || first > FIRST_BYTE.punchMax)) return this.drops.drop('foreign-protocol', remote);
    if (first < 4 && !isStun(data)) return this.drops.drop('stun-invalid', remote, 'not STUN');
    // Relay frames skip the control-message rate limit: each circuit has its own byte limit.
    if (first === MSG.relay) return this.handleRelay(now, remote, data);
    if (!this.limiter.allow(now, remote.ip)) return this.drops.drop('rate-limited', remote);
    if (first < 4) {
      const outcome = this.stun.handle(remote, data, local);
      if ('drop' in outcome) return this.drops.drop(outcome.drop, remote, outcome.detail);
      this.stats.stun++;
      return this.transmits.push(outcome.transmit);
    }
    const message = this.decode(remote, data);
    if (!message) return;
    if (message.type === 'register') this.onRegister(now, remote, message, local);
    else if (message.type === 'connect') this.onConnect(now, remote, message, local);
    else if (message.type === 'lookup') this.onLookup(now, remote, message, local);
    else this.drops.drop('unexpected-message', remote, message.type);
  }

  private send(to: Addr, message: RendezvousMessage, local: Addr | undefined): void {
    const data = encodeRendezvous(message);
    this.transmits.push(local ? { remote: to, data, local } : { remote: to, data });
  }

  private onRegister(now: Millis, remote: Addr, m: Extract<RendezvousMessage, { type: 'register' }>, local: Addr): void {
    const before = this.registry.lookup(now, m.id);
    const result = this.registry.register(now, { id: m.id, token: m.token, addr: remote, candidates: m.candidates, nat: m.nat, rtt_ms: m.rtt_ms });
    if (result === 'conflict') {
      this.drops.drop('register-conflict', remote);
      return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.conflict }, local);
    }
    if (result === 'full') {
      this.drops.drop('register-table-full', remote);
      return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.tableFull }, local);
    }
    this.stats.registered++;
    // A peer whose NAT rebound re-registers from a new address: its circuits follow it.
    if (before && (before.addr.ip !== remote.ip || before.addr.port !== remote.port)) this.relay.rebind(before.addr, remote);
    this.send(remote, { type: 'registered', nonce: m.nonce, observed: remote, ttl_ms: this.config.registration_ttl_ms }, local);
    if (this.config.verbose_events) this.events.push({ type: 'registered', id: m.id, addr: formatAddr(remote), fresh: result === 'created' });
    const waiting = this.pending.get(m.id);
    if (waiting && result === 'created') {
      this.pending.delete(m.id);
      const requester = waiting.expires_at > now ? this.registry.lookup(now, waiting.from) : undefined;
      const target = this.registry.lookup(now, m.id);
      if (requester && target) this.issuePunch(now, requester, target, waiting.nonce);
    }
  }

  /** Lookup by id, for registered peers only (a token proves it), so ids cannot be enumerated anonymously. */
  private onLookup(now: Millis, remote: Addr, m: Extract<RendezvousMessage, { type: 'lookup' }>, local: Addr): void {
    this.stats.lookups++;
    const self = this.registry.lookup(now, m.id);
    if (!self || !tokensEqual(self.token, m.token)) {
      this.drops.drop('lookup-unauthorized', remote);
      return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.unauthorized }, local);
    }
    const target = this.registry.lookup(now, m.target);
    if (!target) return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.notFound }, local);
    this.send(remote, { type: 'peer', nonce: m.nonce, peer: target.id, observed: target.addr, nat: target.nat, candidates: target.candidates }, local);
  }

  private onConnect(now: Millis, remote: Addr, m: Extract<RendezvousMessage, { type: 'connect' }>, local: Addr): void {
    this.stats.connects++;
    const self = this.registry.lookup(now, m.id);
    if (!self || !tokensEqual(self.token, m.token)) {
      this.drops.drop('connect-unauthorized', remote);
      return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.unauthorized }, local);
    }
    if (m.target === m.id) return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.badRequest }, local);
    const target = this.registry.lookup(now, m.target);
    if (target) return this.issuePunch(now, self, target, m.nonce);
    // Remember the interest so the punch fires the moment the target registers.
    if (!this.pending.has(m.target)) {
      this.sweepPending(now, 1);
      if (this.pending.size >= this.config.pending_max) {
        this.drops.drop('pending-table-full', remote);
        return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.tableFull }, local);
      }
    }
    this.pending.delete(m.target);
    this.pending.set(m.target, { from: m.id, nonce: m.nonce, expires_at: now + this.config.pending_ttl_ms });
    this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.pending }, local);
  }

  /**
   * Sends both peers each other's candidates. Each reply takes about RTT/2 to arrive, so the
   * nearer peer waits for the farther one: delay = max(owd) - own owd, both start together.
   */
  private issuePunch(now: Millis, a: Registration, b: Registration, nonce: number): void {
    const pair = a.id < b.id ? `${a.id}\u0000${b.id}` : `${b.id}\u0000${a.id}`;
    const recent = this.relay.ofPair(now, pair);
    let session: number;
    let key: Uint8Array;
    if (recent && now - recent.opened_at < this.config.punch_reuse_ms) {
      // A repeat (our punch to one side was lost, or the request was retransmitted): same session.
      session = recent.session;
      key = recent.key;
    } else {
      session = this.rng.nextUint32();
      while (session === 0 || this.relay.has(session)) session = this.rng.nextUint32();
      key = this.rng.nextBytes(SESSION_KEY_BYTES);
      if (!this.relay.open(now, session, key, pair, a.addr, b.addr)) this.drops.drop('relay-table-full', a.addr);
    }
    const clamp = (rtt: number): number => Math.min(this.config.punch_rtt_max_ms, rtt) / 2;
    const owdA = clamp(a.rtt_ms);
    const owdB = clamp(b.rtt_ms);
    const start = Math.max(owdA, owdB);
    const delayA = start - owdA;
    const delayB = start - owdB;
    this.stats.punches++;
    this.send(a.addr, { type: 'punch', nonce, session, key, peer: b.id, controlling: true, delay_ms: delayA, peer_observed: b.addr, nat: b.nat, candidates: b.candidates }, undefined);
    this.send(b.addr, { type: 'punch', nonce: 0, session, key, peer: a.id, controlling: false, delay_ms: delayB, peer_observed: a.addr, nat: a.nat, candidates: a.candidates }, undefined);
    if (this.config.verbose_events) this.events.push({ type: 'punch-issued', session, a: a.id, b: b.id, delay_a_ms: delayA, delay_b_ms: delayB });
  }

  /** Decodes a rendezvous datagram; a DecodeError is counted as a typed drop (undefined). */
  private decode(remote: Addr, data: Uint8Array): RendezvousMessage | undefined {
    try {
      return decodeRendezvous(data);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.drops.drop(`rendezvous-${e.reason}`, remote, e.field);
      return undefined;
    }
  }

  private handleRelay(now: Millis, remote: Addr, data: Uint8Array): void {
    if (data.byteLength < 5) return this.drops.drop('rendezvous-truncated', remote, 'relay.session');
    const message = this.decode(remote, data);
    if (!message) return;
    if (message.type !== 'relay') return;
    const result = this.relay.forward(now, message.session, remote, data.byteLength);
    if ('drop' in result) return this.drops.drop(result.drop, remote);
    this.stats.relayed_bytes += data.byteLength;
    this.transmits.push({ remote: result.to, data });
  }

  private sweepPending(now: Millis, budget: number): void {
    let removed = 0;
    for (const [id, p] of this.pending) {
      if (removed >= budget || p.expires_at > now) break;
      this.pending.delete(id);
      removed++;
    }
  }

  private armSweep(now: Millis): void {
    if (this.nextSweep === undefined) this.nextSweep = now + this.config.sweep_interval_ms;
  }

  handleTimeout(now: Millis): void {
    if (this.nextSweep === undefined || now < this.nextSweep) return;
    const budget = this.config.sweep_budget;
    this.registry.sweep(now, budget);
    this.relay.sweep(now, budget);
    this.sweepPending(now, budget);
    const busy = this.registry.size + this.relay.size + this.pending.size > 0;
    this.nextSweep = busy ? now + this.config.sweep_interval_ms : undefined;
  }

  handleCommand(_now: Millis, _command: never): void {}
  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }
  pollEvent(): RendezvousServerEvent | undefined {
    return this.events.shift();
  }
  pollTimeout(): Millis | undefined {
    return this.nextSweep;
  }
}
