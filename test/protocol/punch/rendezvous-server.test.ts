// The rendezvous server machine driven by hand: registration behind a cookie and token
// ownership, the timed punch once both peers consented, relay forwarding, rate limits, bounded
// tables and fuzzing.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { encodeRendezvous, ERROR_CODE, type RendezvousMessage } from '../../../protocol/punch/rendezvous-wire.ts';
import { UNKNOWN_NAT } from '../../../protocol/punch/nat-report.ts';
import { arbMessage } from './arbitraries.ts';
import { A, B, connect, EVIL, register, registerMessage, send, server, SERVER, token } from './server-harness.ts';

describe('registration', () => {
  it('registers, refreshes with the same token, refuses another token, expires', () => {
    const s = server({ registration_ttl_ms: 10_000 });
    expect(register(s, 0, A, 'alice', token(1)).map((x) => x.m)).toEqual([{ type: 'registered', nonce: 1, observed: A, ttl_ms: 10_000 }]);
    expect(register(s, 1000, B, 'alice', token(1))[0]!.m.type).toBe('registered'); // roaming holder
    expect(s.registry.lookup(1000, 'alice')!.addr).toEqual(B);
    expect(register(s, 2000, EVIL, 'alice', token(2)).map((x) => x.m)).toEqual([{ type: 'error', nonce: 1, code: ERROR_CODE.conflict }]);
    expect(s.registry.lookup(2000, 'alice')!.addr).toEqual(B);
    // After expiry the id is free again.
    expect(register(s, 20_000, EVIL, 'alice', token(2))[0]!.m.type).toBe('registered');
  });

  it('is bounded, makes room instead of refusing, and sweeps expired entries', () => {
    const s = server({ registrations_max: 3, registration_ttl_ms: 1000, rate_burst: 1000, rate_per_s: 1000 });
    for (let i = 0; i < 3; i++) expect(register(s, 0, A, `p${i}`, token(i))[0]!.m.type).toBe('registered');
    expect(register(s, 0, A, 'p3', token(3))[0]!.m.type).toBe('registered');
    expect(s.registry.size).toBe(3);
    expect(s.registry.lookup(0, 'p0')).toBeUndefined(); // the oldest of the biggest prefix went
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
    expect(connect(s, 5, B, 'b', token(2), 'a', 'accept', 4)[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.pending });
    const out = connect(s, 10, A, 'a', token(1), 'b', 'dial', 9);
    expect(out).toHaveLength(2);
    const toA = out.find((x) => x.to === A)!.m;
    const toB = out.find((x) => x.to === B)!.m;
    if (toA.type !== 'punch' || toB.type !== 'punch') throw new Error('not punches');
    expect(toA).toMatchObject({ nonce: 9, peer: 'b', controlling: true, peer_observed: B, delay_ms: 40 });
    expect(toB).toMatchObject({ nonce: 4, peer: 'a', controlling: false, peer_observed: A, delay_ms: 0 });
    // Arrival RTT/2 later plus the delay: both start at the same instant.
    expect(10 + 20 / 2 + toA.delay_ms).toBe(10 + 100 / 2 + toB.delay_ms);
    expect(toA.session).toBe(toB.session);
    expect(toA.key).toEqual(toB.key);
    // A repeated request soon after gets the same punch (one side may have lost it).
    const again = connect(s, 500, A, 'a', token(1), 'b', 'dial', 10);
    expect(again.map((x) => (x.m.type === 'punch' ? x.m.session : -1))).toEqual([toA.session, toA.session]);
  });

  it('looks a peer up by id for registered callers it consented to only', () => {
    const s = server();
    register(s, 0, A, 'a', token(1));
    register(s, 0, B, 'b', token(2));
    register(s, 0, EVIL, 'mallory', token(6));
    connect(s, 0, B, 'b', token(2), 'a', 'accept');
    const lookup = (nonce: number, id: string, tok: Uint8Array, target: string): RendezvousMessage => ({ type: 'lookup', nonce, id, token: tok, target, pad_to: 200 });
    expect(send(s, 1, A, lookup(5, 'a', token(1), 'b'))[0]!.m).toEqual({
      type: 'peer', nonce: 5, peer: 'b', observed: B, nat: UNKNOWN_NAT, candidates: [{ kind: 'host', addr: B }],
    });
    expect(send(s, 1, A, lookup(6, 'a', token(1), 'zed'))[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.notFound });
    expect(send(s, 1, EVIL, lookup(7, 'a', token(3), 'b'))[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.unauthorized });
    // A registered stranger learns nothing: the same answer as for an absent id.
    expect(send(s, 1, EVIL, lookup(8, 'mallory', token(6), 'b'))[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.notFound });
  });

  it('refuses connects without the token and punches when the dialed peer consents later', () => {
    const s = server();
    register(s, 0, A, 'a', token(1));
    expect(send(s, 1, EVIL, { type: 'connect', nonce: 2, id: 'a', token: token(9), target: 'b', mode: 'dial' })[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.unauthorized });
    expect(connect(s, 1, A, 'a', token(1), 'b', 'dial', 3)[0]!.m).toMatchObject({ type: 'error', code: ERROR_CODE.pending });
    expect(register(s, 50, B, 'b', token(2)).map((x) => x.m.type)).toEqual(['registered']);
    const out = connect(s, 60, B, 'b', token(2), 'a', 'accept', 8);
    expect(out.map((x) => [x.m.type, x.m.type === 'punch' ? x.m.nonce : -1, x.m.type === 'punch' ? x.m.controlling : undefined])).toEqual([
      ['punch', 3, true],
      ['punch', 8, false],
    ]);
  });
});

describe('relay', () => {
  function paired(config: Parameters<typeof server>[0] = {}) {
    const s = server(config);
    register(s, 0, A, 'a', token(1));
    register(s, 0, B, 'b', token(2));
    connect(s, 0, B, 'b', token(2), 'a', 'accept');
    const out = connect(s, 0, A, 'a', token(1), 'b');
    const punch = out[0]!.m;
    if (punch.type !== 'punch') throw new Error('no punch');
    return { s, session: punch.session };
  }
  it('forwards between the two peers only, within the pair budget and duration', () => {
    const { s, session } = paired({ circuit_bytes_max: 100, circuit_duration_ms: 10_000 });
    const frame = (n: number): RendezvousMessage => ({ type: 'relay', session, payload: new Uint8Array(n) });
    expect(send(s, 1, A, frame(40)).map((x) => [x.to, x.m])).toEqual([[B, frame(40)]]);
    expect(send(s, 2, B, frame(10)).map((x) => [x.to, x.m])).toEqual([[A, frame(10)]]);
    expect(send(s, 3, EVIL, frame(10))).toEqual([]);
    // 45 + 15 + 65 > 100: the budget ends the circuit and both ends are told why.
    expect(send(s, 4, A, frame(60)).map((x) => [x.to, x.m.type])).toEqual([[A, 'relay-limit'], [B, 'relay-limit']]);
    expect(send(s, 5, A, frame(1))).toEqual([]);
    expect(s.counters).toMatchObject({ 'relay-forged': 1, 'relay-limit': 1, 'relay-unknown-session': 1 });
  });
});

describe('limits and bad input', () => {
  it('rate-limits one source prefix with fixed memory', () => {
    const s = server({ rate_per_s: 10, rate_burst: 5, sources_max: 100 });
    let answered = 0;
    // Fifty cookie requests from one /24 (two addresses): five answered, the rest dropped.
    for (let i = 0; i < 50; i++) answered += send(s, 0, i % 2 ? A : { ...A, ip: '203.0.113.99' }, registerMessage('a', token(1), A)).length;
    expect(answered).toBe(5);
    expect(s.counters['rate-limited']).toBe(45);
    for (let i = 0; i < 10_000; i++) s.handleDatagram(0, addr(`10.${(i >> 8) & 255}.${i & 255}.1`, 1), new Uint8Array([0xd2]), SERVER);
    expect(s.counters.rate_sources).toBeLessThanOrEqual(100);
  });

  it('floods of distinct fake registrations stay within every table bound', () => {
    const s = server({ registrations_max: 500, pending_max: 50, rate_burst: 1e9, rate_per_s: 1e9, sources_max: 64, events_max: 100, transmits_max: 100 });
    for (let i = 0; i < 20_000; i++) {
      const from = addr(`10.0.${(i >> 8) & 255}.${i & 255}`, 1000 + (i % 50_000));
      register(s, i, from, `fake-${i}`, token(i & 255));
      connect(s, i, from, `fake-${i}`, token(i & 255), `ghost-${i}`);
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
