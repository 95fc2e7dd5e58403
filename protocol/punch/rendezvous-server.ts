// The rendezvous server machine: peers register an id (with a token only they know) and their
// candidates; a peer asks to connect to another id; when both have named each other the server
// sends both sides each other's candidates and a "punch now" delay chosen from their measured
// RTTs so both start sending at the same moment (DCUtR-style). It relays datagrams between the
// two peers of a punch when no direct path works, and answers STUN on the same port(s).
//
// Defences (docs/security.md has the threat model; every limit is a named config field):
//   - return routability before state: a register is stored only with a valid cookie (cookie.ts);
//   - consent: a punch (and so a relay circuit) needs a connect from each side naming the other;
//   - no unauthenticated answer outweighs its request (STUN Binding aside, which is rate-limited
//     per source prefix): connect and lookup answers are cut to the request's size;
//   - per-prefix rate limits without eviction (rate-limiter.ts); punches limited per destination;
//   - fair tables (fair-table.ts): per-prefix quotas, a full table evicts from the biggest prefix;
//   - relay limits as rates and per-pair budgets over a window (relay-table.ts).
import type { Crypto } from '../core/crypto.ts';
import { nobleCrypto } from '../core/noble-crypto.ts';
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE, isStun } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { CookieJar } from './cookie.ts';
import { DEFAULT_RENDEZVOUS, type RendezvousServerConfig } from './rendezvous-config.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DropCounter, type DropEvent } from './drop-counter.ts';
import { FairTable } from './fair-table.ts';
import { RateLimiter } from './rate-limiter.ts';
import { Registry, tokensEqual, type Registration } from './registry.ts';
import { RelayTable, type Circuit } from './relay-table.ts';
import { decodeRendezvous, encodeRendezvous, ERROR_CODE, MSG, SESSION_KEY_BYTES, type Candidate, type RendezvousMessage } from './rendezvous-wire.ts';
import { sourcePrefix } from './source-prefix.ts';
import { StunResponder } from './stun-responder.ts';

export { DEFAULT_RENDEZVOUS, type RendezvousServerConfig } from './rendezvous-config.ts';

export type RendezvousServerEvent =
  | DropEvent
  | { readonly type: 'registered'; readonly id: string; readonly addr: string; readonly fresh: boolean }
  | { readonly type: 'punch-issued'; readonly session: number; readonly a: string; readonly b: string; readonly delay_a_ms: number; readonly delay_b_ms: number }
  | { readonly type: 'relay-limit'; readonly session: number; readonly a: string; readonly b: string; readonly reason: 'budget' | 'duration' }
  | { readonly type: 'machine-error'; readonly where: string; readonly message: string };

type PunchMessage = Extract<RendezvousMessage, { type: 'punch' }>;

/** A circuit a limit ended, remembered (at most circuits_max) until both ends were told. */
interface EndedCircuit {
  readonly circuit: Circuit;
  readonly reason: 'budget' | 'duration';
  readonly told: [boolean, boolean];
}

export class RendezvousServer implements Machine<never, RendezvousServerEvent> {
  readonly config: RendezvousServerConfig;
  readonly registry: Registry;
  readonly relay: RelayTable;
  private readonly limiter: RateLimiter;
  private readonly stunLimiter: RateLimiter;
  private readonly punchLimiter: RateLimiter;
  private readonly cookies: CookieJar;
  private readonly stun: StunResponder;
  /** Ids whose dial waits for the target's consent, with when that wait ends. */
  private readonly dials: FairTable<Millis>;
  private readonly ended = new Map<number, EndedCircuit>();
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<RendezvousServerEvent, 'drop-newest'>;
  readonly drops: DropCounter;
  private nextSweep: Millis | undefined;
  readonly stats = { registered: 0, cookies: 0, lookups: 0, connects: 0, punches: 0, relayed_bytes: 0, stun: 0, relay_limits: 0, machine_errors: 0 };

  /**
   * `crypto` supplies the cookie HMAC: @noble by default (pure, runs anywhere); the CLI and
   * the benches hand in node:crypto's, which is several times faster per registration.
   */
  constructor(
    config: Partial<RendezvousServerConfig> & { primary: Addr },
    private readonly rng: Rng,
    crypto: Pick<Crypto, 'hmacSha256'> = nobleCrypto,
  ) {
    this.config = { ...DEFAULT_RENDEZVOUS, ...config };
    const c = this.config;
    this.registry = new Registry(c.registrations_max, c.registration_ttl_ms, c.registrations_per_prefix_max);
    this.relay = new RelayTable(c);
    this.limiter = new RateLimiter(c.rate_per_s, c.rate_burst, c.sources_max, rng.nextUint32());
    this.stunLimiter = new RateLimiter(c.stun_rate_per_s, c.stun_rate_burst, c.sources_max, rng.nextUint32());
    this.punchLimiter = new RateLimiter(c.punch_rate_per_s, c.punch_rate_burst, c.sources_max, rng.nextUint32());
    this.cookies = new CookieJar(c.cookie_bucket_ms, rng, crypto.hmacSha256);
    this.dials = new FairTable(c.pending_max, c.pending_per_prefix_max);
    this.stun = new StunResponder(c.alternate ? { primary: c.primary, alternate: c.alternate } : { primary: c.primary });
    this.transmits = BoundedQueue.dropNewest(c.transmits_max);
    this.events = BoundedQueue.dropNewest(c.events_max);
    this.drops = new DropCounter((e) => this.events.push(e));
  }

  /** The addresses to bind: one, or four with an RFC 5780 alternate. */
  addresses(): Addr[] {
    return this.stun.addresses();
  }

  /**
   * The cookie this server gives `source` at `now` (what a `cookie` reply would carry). For
   * tests, benches and simulated floods that play a client able to receive at its address.
   */
  cookieFor(now: Millis, source: Addr): Uint8Array {
    return this.cookies.issue(now, source);
  }

  get counters(): Record<string, number> {
    return {
      ...this.stats,
      registrations: this.registry.size,
      registry_evictions: this.registry.evictions,
      circuits: this.relay.size,
      pair_budgets: this.relay.budgetsSize,
      pending: this.dials.size,
      rate_sources: this.limiter.size,
      ...this.drops.counters,
    };
  }

  /** Nothing a peer sends may throw out of the machine: a bug becomes a counted, typed event. */
  private guard(where: string, remote: Addr | undefined, body: () => void): void {
    try {
      body();
    } catch (e) {
      this.stats.machine_errors++;
      this.events.push({ type: 'machine-error', where, message: e instanceof Error ? e.message : String(e) });
      if (remote) this.drops.drop('machine-error', remote, where);
    }
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.guard('handleDatagram', remote, () => this.onDatagram(now, remote, data, local));
  }

  private onDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.armSweep(now);
    const first = data[0];
    if (first === undefined) return this.drops.drop('empty', remote);
    if (first >= 4 && (first < FIRST_BYTE.punchMin || first > FIRST_BYTE.punchMax)) return this.drops.drop('foreign-protocol', remote);
    if (first < 4 && !isStun(data)) return this.drops.drop('stun-invalid', remote, 'not STUN');
    // Relay frames skip the control-message rate limit: circuits have their own byte rates.
    if (first === MSG.relay) return this.handleRelay(now, remote, data);
    const prefix = sourcePrefix(remote);
    if (first < 4) {
      if (!this.stunLimiter.allow(now, prefix)) return this.drops.drop('stun-rate-limited', remote);
      const outcome = this.stun.handle(remote, data, local);
      if ('drop' in outcome) return this.drops.drop(outcome.drop, remote, outcome.detail);
      this.stats.stun++;
      return this.transmits.push(outcome.transmit);
    }
    if (!this.limiter.allow(now, prefix)) return this.drops.drop('rate-limited', remote);
    const message = this.decode(remote, data);
    if (!message) return;
    if (message.type === 'register') this.onRegister(now, remote, message, local, data.byteLength);
    else if (message.type === 'connect') this.onConnect(now, remote, message, local, data.byteLength);
    else if (message.type === 'lookup') this.onLookup(now, remote, message, local, data.byteLength);
    else this.drops.drop('unexpected-message', remote, message.type);
  }

  private send(to: Addr, message: RendezvousMessage, local: Addr | undefined): void {
    this.sendBytes(to, encodeRendezvous(message), local);
  }

  private sendBytes(to: Addr, data: Uint8Array, local: Addr | undefined): void {
    this.transmits.push(local ? { remote: to, data, local } : { remote: to, data });
  }

  private onRegister(now: Millis, remote: Addr, m: Extract<RendezvousMessage, { type: 'register' }>, local: Addr, request_bytes: number): void {
    // Return routability first: nothing is stored for a source that cannot receive.
    if (!this.cookies.valid(now, remote, m.cookie)) {
      this.stats.cookies++;
      const reply = encodeRendezvous({ type: 'cookie', nonce: m.nonce, cookie: this.cookies.issue(now, remote) });
      if (reply.byteLength > request_bytes) return this.drops.drop('reply-too-large', remote, 'cookie');
      return this.sendBytes(remote, reply, local);
    }
    const before = this.registry.lookup(now, m.id);
    const { result, evicted } = this.registry.register(now, { id: m.id, token: m.token, addr: remote, candidates: m.candidates, nat: m.nat, rtt_ms: m.rtt_ms });
    if (result === 'conflict') {
      this.drops.drop('register-conflict', remote);
      return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.conflict }, local);
    }
    if (evicted) {
      this.dials.delete(evicted.key);
      this.drops.drop(`register-evicted-${evicted.why}`, evicted.value.addr);
    }
    this.stats.registered++;
    // The holder's NAT rebound: its own circuit ends follow it (circuits belong to ids).
    if (before && (before.addr.ip !== remote.ip || before.addr.port !== remote.port)) this.relay.rebind(m.id, remote);
    this.send(remote, { type: 'registered', nonce: m.nonce, observed: remote, ttl_ms: this.config.registration_ttl_ms }, local);
    if (this.config.verbose_events) this.events.push({ type: 'registered', id: m.id, addr: formatAddr(remote), fresh: result === 'created' });
  }

  /** Lookup by id, for registered peers only (a token proves it) and only of a peer that named the caller. */
  private onLookup(now: Millis, remote: Addr, m: Extract<RendezvousMessage, { type: 'lookup' }>, local: Addr, request_bytes: number): void {
    this.stats.lookups++;
    const self = this.registry.lookup(now, m.id);
    if (!self || !tokensEqual(self.token, m.token)) {
      this.drops.drop('lookup-unauthorized', remote);
      return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.unauthorized }, local);
    }
    // Addresses and candidates go only to the peer the target named (consent), else the
    // answer is the same as for an absent id: nobody can map who is registered where.
    const target = this.registry.lookup(now, m.target);
    if (!target || target.consent?.peer !== m.id) return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.notFound }, local);
    // Cut the candidate list until the answer is no larger than the request.
    for (let n = target.candidates.length; n >= 0; n--) {
      const reply = encodeRendezvous({ type: 'peer', nonce: m.nonce, peer: target.id, observed: target.addr, nat: target.nat, candidates: target.candidates.slice(0, n) });
      if (reply.byteLength <= request_bytes) return this.sendBytes(remote, reply, local);
    }
    this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.tooSmall }, local);
  }

  /**
   * A connect records the sender's consent to be punched with `target` (one per id); a `dial`
   * also asks for the punch now. The punch goes out only when the target has consented to the
   * sender too, so a stranger naming someone gets `pending`, exactly as for an absent id.
   */
  private onConnect(now: Millis, remote: Addr, m: Extract<RendezvousMessage, { type: 'connect' }>, local: Addr, request_bytes: number): void {
    this.stats.connects++;
    const self = this.registry.lookup(now, m.id);
    if (!self || !tokensEqual(self.token, m.token)) {
      this.drops.drop('connect-unauthorized', remote);
      return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.unauthorized }, local);
    }
    if (m.target === m.id) return this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.badRequest }, local);
    const previousPeer = self.consent?.peer;
    self.consent = { peer: m.target, nonce: m.nonce };
    if (previousPeer !== m.target || m.mode === 'accept') this.dials.delete(m.id);
    const target = this.registry.lookup(now, m.target);
    const mutual = target !== undefined && target.consent?.peer === m.id;
    if (m.mode === 'dial') {
      if (mutual) return this.issuePunch(now, self, target, remote, m.nonce, local, request_bytes);
      const evicted = this.dials.set(m.id, sourcePrefix(self.addr), now + this.config.pending_ttl_ms);
      if (evicted) this.drops.drop(`pending-evicted-${evicted.why}`, remote);
    } else if (mutual && this.dialing(now, target.id)) {
      // The dialer was waiting for this consent: it controls the punch.
      return this.issuePunch(now, target, self, remote, m.nonce, local, request_bytes);
    }
    this.send(remote, { type: 'error', nonce: m.nonce, code: ERROR_CODE.pending }, local);
  }

  private dialing(now: Millis, id: string): boolean {
    const until = this.dials.get(id);
    return until !== undefined && now < until;
  }

  /**
   * Sends both peers each other's candidates. Each reply takes about RTT/2 to arrive, so the
   * nearer peer waits for the farther one: delay = max(owd) - own owd, both start together.
   * `a` controls. The two punches together are cut to the requesting datagram's size.
   */
  private issuePunch(now: Millis, a: Registration, b: Registration, requester: Addr, requestNonce: number, local: Addr, request_bytes: number): void {
    this.dials.delete(a.id);
    this.dials.delete(b.id);
    const nonceOf = (r: Registration): number => r.consent?.nonce ?? 0;
    if (!this.punchLimiter.allow(now, sourcePrefix(a.addr)) || !this.punchLimiter.allow(now, sourcePrefix(b.addr))) {
      this.drops.drop('punch-rate-limited', requester);
      return this.send(requester, { type: 'error', nonce: requestNonce, code: ERROR_CODE.rateLimited }, local);
    }
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
      if (!this.relay.open(now, session, key, pair, { id: a.id, addr: a.addr }, { id: b.id, addr: b.addr })) this.drops.drop('relay-table-full', a.addr);
    }
    const clamp = (rtt: number): number => Math.min(this.config.punch_rtt_max_ms, rtt) / 2;
    const owdA = clamp(a.rtt_ms);
    const owdB = clamp(b.rtt_ms);
    const start = Math.max(owdA, owdB);
    const delayA = start - owdA;
    const delayB = start - owdB;
    const punches = fitPunches(
      { type: 'punch', nonce: nonceOf(a), session, key, peer: b.id, controlling: true, delay_ms: delayA, peer_observed: b.addr, nat: b.nat, candidates: b.candidates },
      { type: 'punch', nonce: nonceOf(b), session, key, peer: a.id, controlling: false, delay_ms: delayB, peer_observed: a.addr, nat: a.nat, candidates: a.candidates },
      request_bytes,
    );
    if (!punches) {
      this.drops.drop('reply-too-large', requester, 'punch');
      return this.send(requester, { type: 'error', nonce: requestNonce, code: ERROR_CODE.tooSmall }, local);
    }
    this.stats.punches++;
    this.sendBytes(a.addr, punches[0], undefined);
    this.sendBytes(b.addr, punches[1], undefined);
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
    if ('to' in result) {
      this.stats.relayed_bytes += data.byteLength;
      return this.transmits.push({ remote: result.to, data });
    }
    this.drops.drop(result.drop, remote);
    if (result.drop === 'relay-limit') {
      const c = result.ended;
      this.stats.relay_limits++;
      this.events.push({ type: 'relay-limit', session: c.session, a: c.ids[0], b: c.ids[1], reason: result.reason });
      this.ended.set(c.session, { circuit: c, reason: result.reason, told: [false, false] });
      while (this.ended.size > this.config.circuits_max) this.ended.delete(this.ended.keys().next().value!);
    }
    const ended = this.ended.get(message.session);
    if (ended) this.tellEnded(ended, remote, data.byteLength);
  }

  /**
   * Tells each end of an ended circuit once why its relay stopped, so both sides can say so
   * (typed, not a timeout). The frame that arrives pays: the notices it triggers together are
   * no larger than it, so even a spoofed frame cannot amplify (a later frame tells the rest).
   */
  private tellEnded(e: EndedCircuit, remote: Addr, frame_bytes: number): void {
    const c = e.circuit;
    const notice = encodeRendezvous({ type: 'relay-limit', session: c.session, key: c.key, reason: e.reason });
    const sender = addrEquals(remote, c.addrs[0]) ? 0 : addrEquals(remote, c.addrs[1]) ? 1 : undefined;
    if (sender === undefined) return;
    let budget = frame_bytes;
    for (const end of [sender, 1 - sender]) {
      if (e.told[end] || budget < notice.byteLength) continue;
      e.told[end] = true;
      budget -= notice.byteLength;
      this.sendBytes(c.addrs[end]!, notice, undefined);
    }
    if (e.told[0] && e.told[1]) this.ended.delete(c.session);
  }

  private sweepDials(now: Millis, budget: number): void {
    for (let removed = 0; removed < budget; removed++) {
      const front = this.dials.oldest();
      if (!front || front.value > now) return;
      this.dials.delete(front.key);
    }
  }

  private armSweep(now: Millis): void {
    if (this.nextSweep === undefined) this.nextSweep = now + this.config.sweep_interval_ms;
  }

  handleTimeout(now: Millis): void {
    this.guard('handleTimeout', undefined, () => {
      if (this.nextSweep === undefined || now < this.nextSweep) return;
      const budget = this.config.sweep_budget;
      this.registry.sweep(now, budget);
      this.relay.sweep(now, budget);
      this.sweepDials(now, budget);
      const busy = this.registry.size + this.relay.size + this.dials.size > 0;
      this.nextSweep = busy ? now + this.config.sweep_interval_ms : undefined;
    });
    // The contract: after handleTimeout(now) the deadline is in the future (or none).
    if (this.nextSweep !== undefined && this.nextSweep <= now) this.nextSweep = now + this.config.sweep_interval_ms;
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

/**
 * Encodes the two punches of one pair so that together they are at most `budget` bytes, cutting
 * candidates (lowest priority last in the list) from the longer list first; undefined when even
 * two punches without candidates do not fit.
 */
export function fitPunches(toA: PunchMessage, toB: PunchMessage, budget: number): [Uint8Array, Uint8Array] | undefined {
  let ca: readonly Candidate[] = toA.candidates;
  let cb: readonly Candidate[] = toB.candidates;
  for (;;) {
    const a = encodeRendezvous({ ...toA, candidates: ca });
    const b = encodeRendezvous({ ...toB, candidates: cb });
    if (a.byteLength + b.byteLength <= budget) return [a, b];
    if (ca.length === 0 && cb.length === 0) return undefined;
    if (ca.length >= cb.length) ca = ca.slice(0, -1);
    else cb = cb.slice(0, -1);
  }
}
