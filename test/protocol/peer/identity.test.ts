// Issue 9 #3 at the composed Peer: the accepting side checks the initiator's identity before
// anything is reported, so it never locks onto a refused key and the right peer still gets
// the session afterwards. The handshakes come from an on-path attacker (a simulator adversary
// host that sees the internet and can spoof A's public address): first with a wrong static
// key, then (standing in for the right peer arriving later) with the pinned one.
import { describe, expect, it } from 'vitest';
import { addr, addrEquals, formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { Peer, type PeerEvent } from '../../../protocol/peer/peer.ts';
import { PunchClient } from '../../../protocol/punch/punch-client.ts';
import { RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import { cookieKeys, sealInitiationMacs } from '../../../protocol/rudp/cookie.ts';
import { encodeInitiation, PACKET } from '../../../protocol/rudp/packet.ts';
import { LOW_ORDER_POINTS } from '../rudp/low-order-points.ts';
import { RudpEndpoint } from '../../../protocol/rudp/endpoint.ts';
import { toHex } from '../../../protocol/rudp/connection.ts';
import { Simulator } from '../../../runtime-sim/index.ts';

const SEED = 41;

describe('issue 9 #3: the accepting Peer never locks onto a refused key', () => {
  it('issue 9 #3 (and #1): low-order initiations and a refused identity leave sessionOpen false; the pinned peer is accepted afterwards', () => {
    const sim = new Simulator({ seed: SEED, scenario: 'peer-identity' });
    const natA = sim.addNat({ name: 'nat-a', preset: 'port-restricted-cone', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
    const natB = sim.addNat({ name: 'nat-b', preset: 'port-restricted-cone', externalIps: ['198.51.100.20'], insideSubnet: '10.0.2.0/24' });
    sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'] });
    sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'] });
    sim.addHost({ name: 'server', ips: ['203.0.113.1'], role: 'server' });
    sim.addHost({ name: 'mallory', ips: ['192.0.2.66'] });
    const server = addr('203.0.113.1', 7000);
    sim.run('server', new RendezvousServer({ primary: server }, sim.rng.fork('server')), { port: 7000 });
    const rightSecret = sim.rng.fork('ka').nextBytes(32);
    const wrongSecret = sim.rng.fork('kwrong').nextBytes(32);
    const pinned = nobleCrypto.x25519PublicKey(rightSecret);
    // B pins A's key; A's side is a bare punch client (it opens the path, never a session).
    const peerB = new Peer({
      id: 'b', token: sim.rng.fork('tb').nextBytes(16), server, local: addr('10.0.2.2', 5000), punch: { accept_from: 'a' },
      expectedPeer: pinned, staticSecret: sim.rng.fork('kb').nextBytes(32), crypto: nobleCrypto, rng: sim.rng.fork('peer:b'),
    });
    const hb = sim.run('b', peerB, { port: 5000 });
    const punchA = new PunchClient({ id: 'a', token: sim.rng.fork('ta').nextBytes(16), server, local: addr('10.0.1.2', 5000), connect_to: 'b' }, sim.rng.fork('punch:a'));
    sim.run('a', punchA, { port: 5000 });
    sim.runFor(15_000);
    const path = peerB.punch.path;
    expect(path?.kind, `b events: ${hb.events.map((e) => e.type).join(',')}`).toBe('direct');
    const aPublic = path!.kind === 'direct' ? path!.remote : undefined;
    const bPublic: Addr = addr('198.51.100.20', 0);

    // Mallory: on path, spoofs A's public address, reads what B sends there.
    const port = sim.adversaryPort('mallory');
    let bMapped: Addr | undefined;
    let dialer: RudpEndpoint | undefined;
    port.observe((_realm, src, dst, data) => {
      if (!dialer || !aPublic || !addrEquals(dst, aPublic) || src.ip !== bPublic.ip || data[0] !== PACKET.response) return;
      bMapped = src;
      const copy = data.slice();
      const target = dialer;
      sim.after(0, () => {
        target.handleDatagram(sim.now, src, copy);
        for (let t = target.pollTransmit(); t; t = target.pollTransmit()) port.inject(aPublic, src, t.data);
      });
    });
    // B's public mapping toward A: the source of B's punch probes, seen by A's punch client.
    const bToward = (punchA.path?.kind === 'direct' ? punchA.path.remote : undefined)!;
    expect(bToward, 'a bare punch client has its direct path too').toBeDefined();
    const dial = (secret: Uint8Array): RudpEndpoint => {
      const endpoint = new RudpEndpoint({ crypto: nobleCrypto, rng: sim.rng.fork(`mallory:${toHex(secret.subarray(0, 4))}`), staticSecret: secret, accept: false });
      dialer = endpoint;
      endpoint.connect(sim.now, bToward);
      for (let t = endpoint.pollTransmit(); t; t = endpoint.pollTransmit()) port.inject(aPublic!, bToward, t.data);
      return endpoint;
    };

    // Issue 9 #1 at the Peer: the 12 low-order initiations (valid mac1) from the same on-path
    // spot neither throw (the simulator's driver would fail the run) nor take the session slot.
    LOW_ORDER_POINTS.forEach((point, i) => {
      const initiation = encodeInitiation(0x7000 + i, point.encoding);
      sealInitiationMacs(nobleCrypto, cookieKeys(nobleCrypto, peerB.rudp.config.network_key), initiation, undefined);
      port.inject(aPublic!, bToward, initiation);
    });
    sim.runFor(1_000);
    expect(peerB.rudp.counters['handshake-low-order']).toBe(LOW_ORDER_POINTS.filter((p) => p.zeroSecret).length);
    expect(peerB.sessionOpen).toBe(false);

    dial(wrongSecret);
    sim.runFor(3_000);
    expect(bMapped, 'mallory saw B answer').toBeDefined();
    const refused: readonly PeerEvent[] = hb.events;
    expect(refused.some((e) => e.type === 'connected' || e.type === 'session-open')).toBe(false);
    expect(peerB.sessionOpen).toBe(false);
    expect(peerB.conn).toBeUndefined();
    expect(peerB.rudp.counters['peer-rejected']).toBe(1);

    const right = dial(rightSecret);
    sim.runFor(3_000);
    const open = hb.events.find((e) => e.type === 'session-open');
    expect(open, `b events: ${hb.events.map((e) => e.type).join(',')}`).toMatchObject({ peer_key_hex: toHex(pinned) });
    expect(peerB.sessionOpen).toBe(true);
    expect(peerB.peerKeyHex).toBe(toHex(pinned));
    expect(right.connectionCount).toBe(1);
    expect(formatAddr(bToward)).toContain('198.51.100.20');
  });
});

describe('Peer commands report their results (issue 10)', () => {
  it('issue 10: a write before any session is a command-failed event, not a silent drop', () => {
    const rng = new Simulator({ seed: 7, scenario: 'peer-write' }).rng;
    const peer = new Peer({
      id: 'solo', token: rng.fork('t').nextBytes(16), server: addr('203.0.113.1', 7000), local: addr('10.0.0.2', 5000),
      staticSecret: rng.fork('k').nextBytes(32), crypto: nobleCrypto, rng: rng.fork('p'),
    });
    peer.handleCommand(0, { type: 'write', data: new Uint8Array(10) });
    const events: PeerEvent[] = [];
    for (let e = peer.pollEvent(); e; e = peer.pollEvent()) events.push(e);
    expect(events.filter((e) => e.type === 'command-failed')).toMatchObject([{ command: 'write', error: 'unknown-connection' }]);
  });
});
