// The rendezvous server machine driven by hand: registration and token ownership, the timed
// punch to both peers, pending connects, relay limits, rate limits, bounded tables and fuzzing.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import { rngFromFloat } from '../../../protocol/core/rng.ts';
import type { Transmit } from '../../../protocol/core/machine.ts';
import { RendezvousServer, type RendezvousServerConfig } from '../../../protocol/punch/rendezvous-server.ts';
import { decodeRendezvous, encodeRendezvous, ERROR_CODE, type RendezvousMessage } from '../../../protocol/punch/rendezvous-wire.ts';
import { UNKNOWN_NAT } from '../../../protocol/punch/nat-report.ts';
import { arbMessage } from './arbitraries.ts';

const SERVER = addr('198.51.100.7', 3478);
const A = addr('203.0.113.11', 5000);
const B = addr('203.0.113.12', 6000);
const EVIL = addr('192.0.2.66', 666);

function seeded(seed: number) {
  let x = seed >>> 0 || 1;
  return rngFromFloat(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  });
}

function server(config: Partial<RendezvousServerConfig> = {}): RendezvousServer {
  return new RendezvousServer({ primary: SERVER, ...config }, seeded(7));
}

function token(n: number): Uint8Array {
  return new Uint8Array(16).fill(n);
}

function send(s: RendezvousServer, now: number, from: Addr, m: RendezvousMessage): Array<{ to: Addr; m: RendezvousMessage }> {
  s.handleDatagram(now, from, encodeRendezvous(m), SERVER);
  const out: Array<{ to: Addr; m: RendezvousMessage }> = [];
  for (let t: Transmit | undefined = s.pollTransmit(); t; t = s.pollTransmit()) out.push({ to: t.remote, m: decodeRendezvous(t.data) });
  return out;
}

function register(s: RendezvousServer, now: number, from: Addr, id: string, tok: Uint8Array, rtt_ms = 40) {
  return send(s, now, from, { type: 'register', nonce: 1, id, token: tok, rtt_ms, nat: UNKNOWN_NAT, candidates: [{ kind: 'host', addr: from }] });
}

describe('registration', () => {
  it('registers, refreshes with the same token, refuses another token, expires', () => {
    const s = server({ registration_ttl_ms: 10_000 });
    expect(register(s, 0, A, 'alice', token(1))).toEqual([{ to: A, m: { type: 'registered', nonce: 1, observed: A, ttl_ms: 10_000 } }]);
    expect(register(s, 1000, B, 'alice', token(1))[0]!.m.type).toBe('registered'); // roaming holder
    expect(s.registry.lookup(1000, 'alice')!.addr).toEqual(B);
    expect(register(s, 2000, EVIL, 'alice', token(2))).toEqual([{ to: EVIL, m: { type: 'error', nonce: 1, code: ERROR_CODE.conflict } }]);
    expect(s.registry.lookup(2000, 'alice')!.addr).toEqual(B);
    // After expiry the id is free again.
    expect(register(s, 20_000, EVIL, 'alice', token(2))[0]!.m.type).toBe('registered');
  });

  it('is bounded and sweeps expired entries', () => {
    const s = server({ registrations_max: 3, registration_ttl_ms: 1000, rate_burst: 1000, rate_per_s: 1000 });
    for (let i = 0; i < 3; i++) expect(register(s, 0, A, `p${i}`, token(i))[0]!.m.type).toBe('registered');
    expect(register(s, 0, A, 'p3', token(3))[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.tableFull });
    expect(s.registry.size).toBe(3);
    expect(register(s, 1500, A, 'p4', token(4))[0]!.m.type).toBe('registered');
    s.handleTimeout(5000);
    expect(s.registry.size).toBe(0);
  });
});

describe('punch coordination', () => {
  it('sends both peers each other\'s candidates with delays that align their start', () => {
    const s = server();
    register(s, 0, A, 'a', token(1), 20);
    register(s, 0, B, 'b', token(2), 100);
    const out = send(s, 10, A, { type: 'connect', nonce: 9, id: 'a', token: token(1), target: 'b' });
    expect(out).toHaveLength(2);
    const toA = out.find((x) => x.to === A)!.m;
    const toB = out.find((x) => x.to === B)!.m;
    if (toA.type !== 'punch' || toB.type !== 'punch') throw new Error('not punches');
    expect(toA).toMatchObject({ nonce: 9, peer: 'b', controlling: true, peer_observed: B, delay_ms: 40 });
    expect(toB).toMatchObject({ nonce: 0, peer: 'a', controlling: false, peer_observed: A, delay_ms: 0 });
    // Arrival RTT/2 later plus the delay: both start at the same instant.
    expect(10 + 20 / 2 + toA.delay_ms).toBe(10 + 100 / 2 + toB.delay_ms);
    expect(toA.session).toBe(toB.session);
    expect(toA.key).toEqual(toB.key);
    // A repeated request soon after gets the same punch (one side may have lost it).
    const again = send(s, 500, A, { type: 'connect', nonce: 10, id: 'a', token: token(1), target: 'b' });
    expect(again.map((x) => (x.m.type === 'punch' ? x.m.session : -1))).toEqual([toA.session, toA.session]);
  });

  it('looks a peer up by id for registered callers only', () => {
    const s = server();
    register(s, 0, A, 'a', token(1));
    register(s, 0, B, 'b', token(2));
    expect(send(s, 1, A, { type: 'lookup', nonce: 5, id: 'a', token: token(1), target: 'b' })[0]!.m).toEqual({
      type: 'peer', nonce: 5, peer: 'b', observed: B, nat: UNKNOWN_NAT, candidates: [{ kind: 'host', addr: B }],
    });
    expect(send(s, 1, A, { type: 'lookup', nonce: 6, id: 'a', token: token(1), target: 'zed' })[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.notFound });
    expect(send(s, 1, EVIL, { type: 'lookup', nonce: 7, id: 'a', token: token(3), target: 'b' })[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.unauthorized });
  });

  it('refuses connects without the token and remembers connects to absent peers', () => {
    const s = server();
    register(s, 0, A, 'a', token(1));
    expect(send(s, 1, EVIL, { type: 'connect', nonce: 2, id: 'a', token: token(9), target: 'b' })[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.unauthorized });
    expect(send(s, 1, A, { type: 'connect', nonce: 3, id: 'a', token: token(1), target: 'b' })[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.pending });
    const out = register(s, 50, B, 'b', token(2));
    expect(out.map((x) => x.m.type).sort()).toEqual(['punch', 'punch', 'registered']);
  });
});

describe('relay', () => {
  function paired(config: Partial<RendezvousServerConfig> = {}) {
    const s = server(config);
    register(s, 0, A, 'a', token(1));
    register(s, 0, B, 'b', token(2));
    const out = send(s, 0, A, { type: 'connect', nonce: 1, id: 'a', token: token(1), target: 'b' });
    const punch = out[0]!.m;
    if (punch.type !== 'punch') throw new Error('no punch');
    return { s, session: punch.session };
  }
  it('forwards between the two peers only, within byte and time limits', () => {
    const { s, session } = paired({ circuit_bytes_max: 100, circuit_duration_ms: 10_000 });
    const frame = (n: number): RendezvousMessage => ({ type: 'relay', session, payload: new Uint8Array(n) });
    expect(send(s, 1, A, frame(40))).toEqual([{ to: B, m: frame(40) }]);
    expect(send(s, 2, B, frame(10))).toEqual([{ to: A, m: frame(10) }]);
    expect(send(s, 3, EVIL, frame(10))).toEqual([]);
    expect(send(s, 4, A, frame(60))).toEqual([]); // 45 + 15 + 65 > 100
    expect(send(s, 20_000, A, frame(1))).toEqual([]);
    expect(s.counters).toMatchObject({ 'relay-forged': 1, 'relay-byte-limit': 1, 'relay-expired': 1 });
  });
});

describe('limits and bad input', () => {
  it('rate-limits one source and keeps the source table bounded', () => {
    const s = server({ rate_per_s: 10, rate_burst: 5, sources_max: 100 });
    let answered = 0;
    for (let i = 0; i < 50; i++) answered += register(s, 0, A, 'a', token(1)).length;
    expect(answered).toBe(5);
    for (let i = 0; i < 10_000; i++) s.handleDatagram(0, addr(`10.${(i >> 8) & 255}.${i & 255}.1`, 1), new Uint8Array([0xd2]), SERVER);
    expect(s.counters.rate_sources).toBe(100);
  });

  it('floods of distinct fake registrations stay within every table bound', () => {
    const s = server({ registrations_max: 500, pending_max: 50, rate_burst: 1e9, rate_per_s: 1e9, sources_max: 64, events_max: 100, transmits_max: 100 });
    for (let i = 0; i < 20_000; i++) {
      register(s, i, addr(`10.0.${(i >> 8) & 255}.${i & 255}`, 1000 + (i % 50_000)), `fake-${i}`, token(i & 255));
      send(s, i, A, { type: 'connect', nonce: i, id: `fake-${i}`, token: token(i & 255), target: `ghost-${i}` });
    }
    expect(s.registry.size).toBeLessThanOrEqual(500);
    expect(s.counters.pending).toBeLessThanOrEqual(50);
    expect(s.counters.rate_sources).toBeLessThanOrEqual(64);
  });

  fcTest.prop([fc.array(fc.tuple(fc.constantFrom(A, B, EVIL), fc.uint8Array({ maxLength: 300 })), { maxLength: 40 })], { numRuns: 300 })('random datagrams never throw', (datagrams) => {
    const s = server({ registrations_max: 4, pending_max: 4, circuits_max: 2, transmits_max: 16, events_max: 16 });
    for (const [from, d] of datagrams) s.handleDatagram(0, from, d, SERVER);
    expect(s.registry.size).toBeLessThanOrEqual(4);
  });

  fcTest.prop([fc.array(fc.tuple(fc.constantFrom(A, B, EVIL), arbMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })), { maxLength: 30 })], { numRuns: 300 })(
    'valid and mutated messages never throw and never overflow a table',
    (script) => {
      const s = server({ registrations_max: 4, pending_max: 4, circuits_max: 2, transmits_max: 16, events_max: 16 });
      let now = 0;
      for (const [from, m, flips] of script) {
        const bytes = encodeRendezvous(m).slice();
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        s.handleDatagram((now += 100), from, bytes, SERVER);
        s.handleTimeout(now);
      }
      expect(s.registry.size).toBeLessThanOrEqual(4);
      expect(s.relay.size).toBeLessThanOrEqual(2);
      expect(s.counters.pending).toBeLessThanOrEqual(4);
    },
  );
});

describe('property: only the token holder can replace a registration', () => {
  const op = fc.record({
    who: fc.integer({ min: 0, max: 3 }), // index of a (token, address) identity
    id: fc.constantFrom('x', 'y'),
    dt: fc.integer({ min: 0, max: 30_000 }),
  });
  fcTest.prop([fc.array(op, { maxLength: 60 })], { numRuns: 300 })('registrations change owner only after expiry', (ops) => {
    const ttl = 20_000;
    const s = server({ registration_ttl_ms: ttl, rate_burst: 1e9, rate_per_s: 1e9 });
    const identities = [0, 1, 2, 3].map((i) => ({ tok: token(i + 1), from: addr(`203.0.113.${20 + i}`, 4000 + i) }));
    const owner = new Map<string, { who: number; expires: number }>();
    let now = 0;
    for (const { who, id, dt } of ops) {
      now += dt;
      const me = identities[who]!;
      const reply = register(s, now, me.from, id, me.tok)[0]!.m;
      const held = owner.get(id);
      const heldByOther = held !== undefined && held.expires > now && held.who !== who;
      if (heldByOther) {
        expect(reply).toMatchObject({ type: 'error', code: ERROR_CODE.conflict });
        expect(s.registry.lookup(now, id)!.token).toEqual(identities[held.who]!.tok);
      } else {
        expect(reply.type).toBe('registered');
        owner.set(id, { who, expires: now + ttl });
      }
    }
  });
});
