// A peer found on the LAN is connected directly: five peers publish their secure transport's
// port and public key over DNS-SD; one dials every peer it discovers at the advertised
// address, pinning the advertised key. No rendezvous server or relay exists in this world, and
// no datagram crosses the NAT.
import { addr } from '../../protocol/core/addr.ts';
import type { DiscoveredPeer } from '../../protocol/discovery/mdns-config.ts';
import { equal } from '../expect.ts';
import type { Scenario } from '../scenario.ts';
import { eventsOf, startTyped, type RunningTyped } from '../typed/kit.ts';
import { PEER_PORT, startPresence } from './kit.ts';

const PEERS = 5;

function bytesOf(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
}

export const lanConnect: Scenario = {
  name: 'discovery/lan-connect',
  description: `${PEERS} peers on a LAN at 2% loss: one finds the other ${PEERS - 1} by DNS-SD and opens a typed connection to each at the advertised address with the advertised key pinned; no rendezvous, no relay`,
  suites: ['discovery'],
  figures: ['connections', 'keys_match', 'echoes', 'nat_rewrites'],
  run(sim) {
    const nat = sim.addNat({ name: 'nat', preset: 'port-restricted-cone', realm: sim.internet, externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
    const typed: RunningTyped[] = [];
    const dialed = new Map<string, DiscoveredPeer>();
    for (let i = 0; i < PEERS; i++) {
      const ip = `10.0.1.${10 + i}`;
      const host = sim.addHost({ name: `h${i}`, realm: nat.inside, ips: [ip], link: { latency: { kind: 'uniform', min_ms: 1, max_ms: 3 }, loss: { kind: 'bernoulli', p: 0.02 } } });
      const t = startTyped(sim, host, sim.rng, { name: `h${i}`, decide: () => true }, PEER_PORT);
      typed.push(t);
      const presence = startPresence(sim, host, `h${i}`, ip, sim.rng, { key_hex: t.peer.publicKeyHex });
      if (i === 0) {
        presence.mdnsHandle.onEvent((e) => {
          if (e.type !== 'peer-found' || dialed.has(e.peer.key_hex)) return;
          dialed.set(e.peer.key_hex, e.peer);
          t.handle.command({ type: 'connect', remote: addr(e.peer.ips[0]!, e.peer.port), expectedPeer: bytesOf(e.peer.key_hex), options: { dataType: 'json' } });
        });
      } else {
        t.handle.onEvent((e) => {
          if (e.type === 'data') t.handle.command({ type: 'send', conn: e.conn, data: { echo: e.data } });
        });
      }
    }
    const a = typed[0]!;
    a.handle.onEvent((e) => {
      if (e.type === 'connection') a.handle.command({ type: 'send', conn: e.conn, data: 'hello' });
    });
    sim.runUntil(15_000);
    const connections = eventsOf(a, 'connection');
    return {
      discovered: dialed.size,
      connections: connections.length,
      keys_match: connections.every((c) => dialed.has(c.peer_key_hex)),
      echoes: eventsOf(a, 'data').filter((d) => JSON.stringify(d.data) === '{"echo":"hello"}').length,
      nat_rewrites: sim.stats.nat,
    };
  },
  expectations: [equal('discovered', PEERS - 1), equal('connections', PEERS - 1), equal('keys_match', true), equal('echoes', PEERS - 1), equal('nat_rewrites', 0)],
};
