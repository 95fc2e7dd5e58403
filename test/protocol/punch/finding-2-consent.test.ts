// Finding 2 of issue 9 (a stranger's punch broke or stole a live session): the server punches
// only when both sides named each other, a client takes punches only for the peer it named and
// only with one of its own connect nonces, and an established path is never replaced by a
// probe or NOMINATE: the client proposes the new pair and switches only when the secure session
// says it validated it. Each test fails on commit 0efe333.
import { describe, expect, it } from 'vitest';
import { addr, formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { UNKNOWN_NAT } from '../../../protocol/punch/nat-report.ts';
import type { PunchEvent } from '../../../protocol/punch/punch-events.ts';
import { encodeRendezvous, ERROR_CODE, PROBE_CONTROLLING, PROBE_NOMINATE } from '../../../protocol/punch/rendezvous-wire.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { buildWorld, PEER_PORT, SERVER_IPS, STUN_PORT, type Peer } from '../../../scenarios/nat-matrix/world.ts';
import { A, B, connect, EVIL, register, send, server, token } from './server-harness.ts';

const SERVER_ADDR = addr(SERVER_IPS[0], STUN_PORT);
const ofType = <T extends PunchEvent['type']>(p: Peer, type: T): Array<Extract<PunchEvent, { type: T }>> =>
  p.events.filter((x) => x.event.type === type).map((x) => x.event as Extract<PunchEvent, { type: T }>);

describe('finding 2: consent at the rendezvous server', () => {
  it('finding-2: a stranger naming a registered victim gets `pending`, exactly as for an absent id, and no punch', () => {
    const s = server();
    register(s, 0, B, 'victim', token(2));
    connect(s, 0, B, 'victim', token(2), 'friend', 'accept');
    register(s, 0, EVIL, 'mallory', token(6));
    const toVictim = connect(s, 10, EVIL, 'mallory', token(6), 'victim');
    const toNobody = connect(s, 10, EVIL, 'mallory', token(6), 'nobody-here');
    expect(toVictim.map((x) => [x.to, x.m])).toEqual([[EVIL, { type: 'error', nonce: 9, code: ERROR_CODE.pending }]]);
    expect(toNobody.map((x) => x.m)).toEqual(toVictim.map((x) => x.m));
    expect(s.stats.punches).toBe(0);
    expect(s.relay.size).toBe(0);
  });

  it('finding-2: the punch goes out once both have named each other, in either order', () => {
    for (const dialFirst of [true, false]) {
      const s = server();
      register(s, 0, A, 'a', token(1));
      register(s, 0, B, 'b', token(2));
      const first = dialFirst ? connect(s, 1, A, 'a', token(1), 'b', 'dial', 11) : connect(s, 1, B, 'b', token(2), 'a', 'accept', 22);
      expect(first.map((x) => x.m.type)).toEqual(['error']);
      const second = dialFirst ? connect(s, 2, B, 'b', token(2), 'a', 'accept', 22) : connect(s, 2, A, 'a', token(1), 'b', 'dial', 11);
      // The dialer controls, and each side's punch carries that side's own connect nonce.
      expect(second.map((x) => [x.to, x.m.type, x.m.type === 'punch' && x.m.controlling, x.m.type === 'punch' && x.m.nonce])).toEqual([
        [A, 'punch', true, 11],
        [B, 'punch', false, 22],
      ]);
    }
  });

  it('finding-2: a registered stranger cannot look up a victim\'s addresses (same answer as an absent id)', () => {
    const s = server();
    register(s, 0, B, 'victim', token(2));
    connect(s, 0, B, 'victim', token(2), 'friend', 'accept');
    register(s, 0, EVIL, 'mallory', token(6));
    const ask = (target: string) => send(s, 1, EVIL, { type: 'lookup', nonce: 3, id: 'mallory', token: token(6), target, pad_to: 300 }).map((x) => x.m);
    expect(ask('victim')).toEqual([{ type: 'error', nonce: 3, code: ERROR_CODE.notFound }]);
    expect(ask('victim')).toEqual(ask('nobody'));
  });

  it('finding-2: consenting to someone else withdraws consent (one peer per id)', () => {
    const s = server();
    register(s, 0, A, 'a', token(1));
    register(s, 0, B, 'b', token(2));
    connect(s, 1, B, 'b', token(2), 'a', 'accept');
    connect(s, 2, B, 'b', token(2), 'c', 'accept');
    expect(connect(s, 3, A, 'a', token(1), 'b').map((x) => x.m.type)).toEqual(['error']);
  });
});

describe('finding 2: the client takes punches only from its own request, for its own peer', () => {
  function established(validate: boolean): { sim: Simulator; a: Peer; b: Peer } {
    const sim = new Simulator({ seed: 21 });
    const w = buildWorld(sim, 'full-cone', 'full-cone', { loss: 0, client: { validate_path_changes: validate } });
    sim.runUntil(5_000);
    expect(w.a.client.path?.kind).toBe('direct');
    expect(w.b.client.path?.kind).toBe('direct');
    return { sim, a: w.a, b: w.b };
  }
  const localOf = (p: Peer): Addr => p.client.config.local;

  it('finding-2: a spoofed punch naming another peer, or without our connect nonce, is dropped and the session kept', () => {
    const { sim, b } = established(false);
    const before = b.client.session!;
    const path = b.client.path;
    const punch = (peer: string, nonce: number) =>
      encodeRendezvous({
        type: 'punch', nonce, session: 777, key: new Uint8Array(8), peer, controlling: true, delay_ms: 0,
        peer_observed: addr('192.0.2.66', 666), nat: UNKNOWN_NAT, candidates: [],
      });
    b.client.handleDatagram(sim.now, SERVER_ADDR, punch('mallory', 0), localOf(b));
    b.client.handleDatagram(sim.now, SERVER_ADDR, punch('a', 0x1234_5678), localOf(b));
    expect(b.client.counters).toMatchObject({ 'punch-unexpected-peer': 1, 'punch-forged': 1 });
    expect(b.client.session).toBe(before);
    expect(b.client.path).toBe(path);
    sim.runFor(30_000);
    expect(ofType(b, 'path-lost')).toHaveLength(0);
    expect(b.client.path?.kind).toBe('direct');
  });

  it('finding-2: a NOMINATE from a stranger (even with the session key) is only proposed; traffic moves after path-validated', () => {
    const { sim, b } = established(true);
    const s = b.client.session!;
    const current = b.client.path!;
    const stranger = addr('192.0.2.66', 4444);
    const nominate = encodeRendezvous({ type: 'probe', session: s.id, key: s.key, tx: 99, flags: PROBE_NOMINATE | PROBE_CONTROLLING });
    b.client.handleDatagram(sim.now, stranger, nominate, localOf(b));
    expect(b.client.path).toEqual(current); // not moved
    const direct: PunchEvent[] = [];
    for (let e = b.client.pollEvent(); e; e = b.client.pollEvent()) direct.push(e);
    expect(direct.filter((e) => e.type === 'path-proposed').at(-1)).toMatchObject({ remote: formatAddr(stranger) });
    expect(direct.filter((e) => e.type === 'path')).toHaveLength(0);
    // The session's challenge would go to the proposed pair only.
    expect(b.client.sendProposed(new Uint8Array([0xc0]))).toBe(true);
    b.client.handleCommand(sim.now, { type: 'path-rejected', remote: formatAddr(stranger) });
    expect(b.client.sendProposed(new Uint8Array([0xc0]))).toBe(false);
    expect(b.client.path).toEqual(current);
    // A proposal the session validated is taken.
    b.client.handleDatagram(sim.now, stranger, nominate, localOf(b));
    b.client.handleCommand(sim.now, { type: 'path-validated', remote: formatAddr(stranger) });
    expect(b.client.path).toMatchObject({ kind: 'direct', remote: stranger });
  });

  it('finding-2: with validation configured, the first path of a session still needs none (the handshake authenticates it)', () => {
    const { b } = established(true);
    expect(ofType(b, 'path').filter((e) => e.path === 'direct')).toHaveLength(1);
    expect(ofType(b, 'path-proposed')).toHaveLength(0);
    expect(b.client.config.local.port).toBe(PEER_PORT);
  });
});
