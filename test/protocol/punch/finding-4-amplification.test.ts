// Finding 4 of issue 9 (amplification and reflection: lookup 7.2x, connect 15.7x, spoofed
// registrations reflected 12.1x onto a victim, a spoofed re-registration moved a victim's relay
// circuits). Now: a registration is stored only after the sender echoes a stateless cookie; no
// unauthenticated answer outweighs its request (STUN Binding aside, rate-limited per prefix);
// punches are limited per destination; circuits belong to ids. The byte ratio of every message
// type is measured here and printed (bench/punch.ts reports the same figures).
import { describe, expect, it } from 'vitest';
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import type { NatReport } from '../../../protocol/punch/nat-report.ts';
import { RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import { CONTROL_BYTES_MAX, encodeRendezvous, NO_COOKIE, type Candidate, type RendezvousMessage } from '../../../protocol/punch/rendezvous-wire.ts';
import { encodeStun } from '../../../protocol/punch/stun-codec.ts';
import { STUN_METHOD } from '../../../protocol/punch/stun-types.ts';
import { A, B, connect, EVIL, register, registerMessage, send, sendBytes, server, SERVER, token } from './server-harness.ts';

const LONG = (c: string): string => c.repeat(64);
const V6 = (n: number): Addr => addr(`2001:db8:${n}::${n}`, 40_000 + n);
const NAT: NatReport = { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random', delta: 0, open: false };
const candidates = (n: number): Candidate[] => Array.from({ length: 8 }, (_, i) => ({ kind: 'predicted' as const, addr: V6(n * 10 + i) }));

/** Bytes the server sends (to anyone) for one request, over the request's bytes. */
function ratio(s: RendezvousServer, now: number, from: Addr, request: Uint8Array): number {
  s.handleDatagram(now, from, request, SERVER);
  let out = 0;
  for (let t = s.pollTransmit(); t; t = s.pollTransmit()) out += t.data.byteLength;
  return out / request.byteLength;
}

function transmits(s: RendezvousServer): number {
  let n = 0;
  while (s.pollTransmit()) n++;
  return n;
}

/** Two IPv6 peers with 64-byte ids and eight IPv6 candidates each: the largest punches there are. */
function worstPair(s: RendezvousServer): { a: Addr; b: Addr; ida: string; idb: string } {
  const a = V6(1);
  const b = V6(2);
  const ida = LONG('a');
  const idb = LONG('b');
  for (const [from, id, tok, n] of [[a, ida, token(1), 1], [b, idb, token(2), 2]] as const) {
    const cookie = s.cookieFor(0, from);
    send(s, 0, from, { type: 'register', nonce: 1, cookie, id, token: tok, rtt_ms: 40, nat: NAT, candidates: candidates(n) });
  }
  connect(s, 0, b, idb, token(2), ida, 'accept');
  return { a, b, ida, idb };
}

describe('finding 4: return routability before state', () => {
  it('finding-4: a registration without the echoed cookie stores nothing and is answered by a smaller cookie reply', () => {
    const s = server();
    const request = encodeRendezvous(registerMessage('victim', token(1), A));
    const out = sendBytes(s, 0, A, request);
    expect(out.map((x) => x.m.type)).toEqual(['cookie']);
    expect(out[0]!.bytes).toBeLessThan(request.byteLength);
    expect(s.registry.size).toBe(0);
    // A cookie given to A does not work from another address (a spoofer never sees A's).
    const cookie = out[0]!.m.type === 'cookie' ? out[0]!.m.cookie : NO_COOKIE;
    expect(send(s, 1, EVIL, registerMessage('victim', token(1), EVIL, cookie)).map((x) => x.m.type)).toEqual(['cookie']);
    expect(s.registry.size).toBe(0);
    expect(send(s, 1, A, registerMessage('victim', token(1), A, cookie)).map((x) => x.m.type)).toEqual(['registered']);
    expect(s.registry.size).toBe(1);
  });

  it('finding-4: cookies expire after two secret rotations', () => {
    const s = server({ cookie_bucket_ms: 1_000, registration_ttl_ms: 100_000 });
    const cookie = s.cookieFor(0, A);
    expect(send(s, 1_500, A, registerMessage('a', token(1), A, cookie)).map((x) => x.m.type)).toEqual(['registered']);
    expect(send(s, 2_100, A, registerMessage('a', token(1), A, cookie)).map((x) => x.m.type)).toEqual(['cookie']);
  });

  it('finding-4: spoofed registrations and connects from 50 sources send the victim nothing', () => {
    const s = server({ rate_per_s: 1e9, rate_burst: 1e9 });
    const victim = addr('198.51.100.99', 7777);
    let toVictim = 0;
    for (let i = 0; i < 50; i++) {
      // Spoofed as the victim: the cookie reply goes to the victim and is smaller than the request.
      const request = encodeRendezvous(registerMessage(`spoof-${i}`, token(i), victim));
      for (const x of sendBytes(s, i, victim, request)) if (x.to === victim) toVictim += x.bytes;
      const attacker = addr(`192.0.2.${i + 1}`, 1000);
      register(s, i, attacker, `att-${i}`, token(100 + i));
      connect(s, i, attacker, `att-${i}`, token(100 + i), `spoof-${i}`);
    }
    expect(s.registry.size).toBe(50); // the attackers only
    expect(toVictim).toBeLessThanOrEqual(50 * encodeRendezvous(registerMessage('spoof-0', token(0), victim)).byteLength);
    expect(s.stats.punches).toBe(0);
  });
});

describe('finding 4: no answer outweighs its request', () => {
  it('finding-4: byte ratio per message type is <= 1 except STUN Binding (worst cases measured and printed)', () => {
    const s = server({ rate_per_s: 1e9, rate_burst: 1e9, punch_rate_per_s: 1e9, punch_rate_burst: 1e9 });
    const { a, b, ida, idb } = worstPair(s);
    const figures: Record<string, number> = {};
    const worst = (name: string, r: number): void => {
      figures[name] = Math.max(figures[name] ?? 0, r);
    };
    // register: cookie reply, registered (fresh, refresh), conflict.
    worst('register (no cookie)', ratio(s, 1, V6(9), encodeRendezvous(registerMessage('x', token(3), V6(9)))));
    worst('register (cookie)', ratio(s, 1, V6(9), encodeRendezvous(registerMessage('x', token(3), V6(9), s.cookieFor(1, V6(9))))));
    worst('register (conflict)', ratio(s, 1, V6(8), encodeRendezvous(registerMessage('x', token(4), V6(8), s.cookieFor(1, V6(8))))));
    // connect: unauthenticated, pending, and the worst punch pair, padded and not padded.
    worst('connect (unauthorized)', ratio(s, 2, EVIL, encodeRendezvous({ type: 'connect', nonce: 1, id: 'x', token: token(9), target: 'y', mode: 'dial' })));
    worst('connect (pending)', ratio(s, 2, b, encodeRendezvous({ type: 'connect', nonce: 2, id: idb, token: token(2), target: ida, mode: 'accept' })));
    worst('connect (punch pair, padded)', ratio(s, 3, a, encodeRendezvous({ type: 'connect', nonce: 3, id: ida, token: token(1), target: idb, mode: 'dial', pad_to: CONTROL_BYTES_MAX })));
    for (let t = 10_000; t < 40_000; t += 10_000) {
      worst('connect (punch pair, unpadded)', ratio(s, t, a, encodeRendezvous({ type: 'connect', nonce: 4, id: ida, token: token(1), target: idb, mode: 'dial' })));
    }
    // lookup: the largest peer record, padded and not.
    worst('lookup (padded)', ratio(s, 4, a, encodeRendezvous({ type: 'lookup', nonce: 5, id: ida, token: token(1), target: idb, pad_to: CONTROL_BYTES_MAX })));
    worst('lookup (unpadded)', ratio(s, 4, a, encodeRendezvous({ type: 'lookup', nonce: 6, id: ida, token: token(1), target: idb })));
    worst('lookup (unauthorized)', ratio(s, 4, EVIL, encodeRendezvous({ type: 'lookup', nonce: 7, id: 'x', token: token(9), target: 'y' })));
    // relay: forwarding and garbage.
    const punch = send(s, 50_000, a, { type: 'connect', nonce: 8, id: ida, token: token(1), target: idb, mode: 'dial', pad_to: CONTROL_BYTES_MAX })[0]!.m;
    if (punch.type !== 'punch') throw new Error(`no punch: ${punch.type}`);
    worst('relay (forwarded)', ratio(s, 50_001, a, encodeRendezvous({ type: 'relay', session: punch.session, payload: new Uint8Array(1) })));
    worst('relay (unknown session)', ratio(s, 50_001, EVIL, encodeRendezvous({ type: 'relay', session: 1, payload: new Uint8Array(0) })));
    // Every other type the server never answers.
    for (const m of [{ type: 'error', nonce: 1, code: 1 }, { type: 'probe', session: 1, key: new Uint8Array(8), tx: 1, flags: 0 }] as RendezvousMessage[]) worst(`${m.type} (ignored)`, ratio(s, 5, EVIL, encodeRendezvous(m)));
    const stun = encodeStun({ method: STUN_METHOD.binding, cls: 'request', transactionId: new Uint8Array(12), attributes: [] });
    const stunRatio = ratio(s, 6, V6(77), stun);
    console.log(`response/request byte ratio (worst case per message type):\n${Object.entries(figures).map(([k, v]) => `  ${k.padEnd(34)} ${v.toFixed(3)}`).join('\n')}\n  ${'STUN Binding (exempt, rate-limited)'.padEnd(34)} ${stunRatio.toFixed(3)}`);
    for (const [name, r] of Object.entries(figures)) expect(r, name).toBeLessThanOrEqual(1);
    expect(figures['connect (punch pair, padded)']).toBeGreaterThan(0.5); // the punches did go out
    expect(stunRatio).toBeGreaterThan(1);
  });

  it('finding-4: STUN Binding answers are rate-limited per /64 (IPv6) and /24 (IPv4) prefix', () => {
    const s = server({ stun_rate_per_s: 10, stun_rate_burst: 20 });
    const stun = encodeStun({ method: STUN_METHOD.binding, cls: 'request', transactionId: new Uint8Array(12), attributes: [] });
    let answered = 0;
    for (let i = 0; i < 100; i++) {
      s.handleDatagram(0, addr(`2001:db8:1:2::${(i + 1).toString(16)}`, 1000 + i), stun, SERVER); // 100 addresses, one /64
      answered += transmits(s);
    }
    expect(answered).toBe(20);
    for (let i = 0; i < 100; i++) s.handleDatagram(0, addr(`192.0.2.${i + 1}`, 1000), stun, SERVER);
    expect(transmits(s)).toBe(20);
  });

  it('finding-4: punches are limited per destination prefix', () => {
    const s = server({ punch_rate_per_s: 1, punch_rate_burst: 5, rate_per_s: 1e9, rate_burst: 1e9 });
    let punches = 0;
    for (let i = 0; i < 20; i++) {
      const dialer = addr(`198.18.${i}.1`, 1000);
      const victimSide = addr('203.0.113.50', 2000 + i);
      register(s, 0, dialer, `d${i}`, token(1));
      register(s, 0, victimSide, `v${i}`, token(2));
      connect(s, 0, victimSide, `v${i}`, token(2), `d${i}`, 'accept');
      punches += connect(s, 0, dialer, `d${i}`, token(1), `v${i}`).filter((x) => x.m.type === 'punch' && x.to === victimSide).length;
    }
    expect(punches).toBe(5);
    expect(s.counters['punch-rate-limited']).toBe(15);
  });
});

describe('finding 4: relay circuits belong to ids', () => {
  it('finding-4: re-registering another id from a new address cannot move a victim\'s circuit', () => {
    const s = server();
    register(s, 0, A, 'a', token(1));
    register(s, 0, B, 'b', token(2));
    connect(s, 0, B, 'b', token(2), 'a', 'accept');
    const punch = connect(s, 0, A, 'a', token(1), 'b')[0]!.m;
    if (punch.type !== 'punch') throw new Error('no punch');
    // Even an on-path attacker that can read A's cookie registers its own id "at" A's address...
    send(s, 1, A, registerMessage('mallory', token(6), A, s.cookieFor(1, A)));
    // ...then moves that id to its own address. The old server moved every circuit ending at A.
    send(s, 2, EVIL, registerMessage('mallory', token(6), EVIL, s.cookieFor(2, EVIL)));
    const frame: RendezvousMessage = { type: 'relay', session: punch.session, payload: new Uint8Array(100) };
    expect(send(s, 3, B, frame).map((x) => x.to)).toEqual([A]);
    expect(send(s, 3, EVIL, frame)).toEqual([]);
    expect(s.counters['relay-forged']).toBe(1);
    // The id's own re-registration (NAT rebinding) does move its end.
    const moved = addr('203.0.113.11', 5999);
    send(s, 4, moved, registerMessage('a', token(1), moved, s.cookieFor(4, moved)));
    expect(send(s, 5, B, frame).map((x) => x.to)).toEqual([moved]);
  });
});

// Keeps RendezvousServer's default construction in view of the type checker for this file.
void new RendezvousServer({ primary: SERVER }, { nextFloat: () => 0, nextUint32: () => 1, nextInt: (a) => a, nextBytes: (n) => new Uint8Array(n) });
