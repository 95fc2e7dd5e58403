// Issue 9 #2 at the composed Peer: a relay -> direct upgrade is validated inside the secure
// session before traffic moves. The punch client (validate_path_changes) only proposes the
// direct pair; the Peer has the transport send a PATH_CHALLENGE along it, and only the
// authenticated PATH_RESPONSE moves the session (`path-changed`), after which the punch client
// switches (`path`, direct). A partition keeps the direct pair closed for the first 6 s, so
// the session opens on the relay and the upgrade comes later.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { Peer, type PeerEvent } from '../../../protocol/peer/peer.ts';
import { RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import { Simulator } from '../../../runtime-sim/index.ts';

const SEED = 1;

function order(events: readonly PeerEvent[]): string[] {
  return events
    .filter((e) => ['session-open', 'path-proposed', 'path-changed', 'path'].includes(e.type))
    .map((e) => (e.type === 'path' ? `path:${e.path}` : e.type === 'session-open' ? `session-open:${e.path}` : e.type));
}

describe('issue 9 #2: the Peer moves its session to a new path only after in-session validation', () => {
  it('issue 9 #2: relay -> direct upgrade goes path-proposed -> PATH_CHALLENGE/RESPONSE (path-changed) -> path:direct, and the stream stays intact', () => {
    const sim = new Simulator({ seed: SEED, scenario: 'peer-path-validation' });
    const natA = sim.addNat({ name: 'nat-a', preset: 'port-restricted-cone', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
    const natB = sim.addNat({ name: 'nat-b', preset: 'port-restricted-cone', externalIps: ['198.51.100.20'], insideSubnet: '10.0.2.0/24' });
    sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'] });
    sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'] });
    sim.addHost({ name: 'server', ips: ['203.0.113.1'], role: 'server' });
    const server = addr('203.0.113.1', 7000);
    sim.run('server', new RendezvousServer({ primary: server }, sim.rng.fork('server')), { port: 7000 });
    sim.partition({ a: ['nat-a'], b: ['nat-b'], until: 6_000 });
    const make = (name: 'a' | 'b', ip: string): Peer =>
      new Peer({
        id: name, token: sim.rng.fork(`t${name}`).nextBytes(16), server, local: addr(ip, 5000),
        connect_to: name === 'a' ? 'b' : undefined,
        punch: { upgrade_interval_ms: 5_000, ...(name === 'b' ? { accept_from: 'a' } : {}) },
        staticSecret: sim.rng.fork(`k${name}`).nextBytes(32), crypto: nobleCrypto, rng: sim.rng.fork(`peer:${name}`),
      });
    const peerB = make('b', '10.0.2.2');
    const hb = sim.run('b', peerB, { port: 5000 });
    const peerA = make('a', '10.0.1.2');
    const ha = sim.run('a', peerA, { port: 5000 });
    sim.runFor(20_000);
    const expected = ['session-open:relay', 'path-proposed', 'path-changed', 'path:direct'];
    const reproduce = `SEED=${SEED} npx vitest run test/protocol/peer/path-validation.test.ts`;
    expect(order(ha.events).filter((t) => t !== 'path:relay'), reproduce).toEqual(expected);
    expect(order(hb.events).filter((t) => t !== 'path:relay'), reproduce).toEqual(expected);
    expect(peerA.punch.path?.kind).toBe('direct');
    // The session's identity is the one it opened with.
    const opened = ha.events.find((e) => e.type === 'session-open');
    expect(opened && opened.type === 'session-open' ? opened.peer_key_hex : '').toBe(peerA.peerKeyHex);

    // Bytes written after the move arrive intact, over the direct pair.
    const size_bytes = 128 * 1024;
    const data = new Uint8Array(size_bytes).map((_, i) => (i * 131 + 7) & 0xff);
    let written = 0;
    const received: number[] = [];
    for (let step = 0; step < 1000 && received.length < size_bytes; step++) {
      if (written < size_bytes) written += peerA.write(sim.now, data.subarray(written));
      for (let chunk = peerB.read(); chunk; chunk = peerB.read()) received.push(...chunk);
      sim.runFor(10);
    }
    expect(received.length).toBe(size_bytes);
    expect(Buffer.from(received).equals(Buffer.from(data))).toBe(true);
    expect(peerA.counters.relay_in + peerB.counters.relay_in).toBeGreaterThan(0);
  });
});
