// Carrier-grade NAT (NAT444): two homes, each behind its own port-restricted NAT, both behind
// one carrier NAT in 100.64.0.0/10 (RFC 6598). Every datagram is translated twice each way,
// the server sees both customers on the carrier's one external IP (different ports), and a
// stranger's probe stops at the carrier NAT.
import { addr } from '../protocol/core/addr.ts';
import { parseAddr } from '../protocol/core/addr.ts';
import { echoFigures, startEchoClient } from './kit/echo.ts';
import { addPublicServers, HOST_A_IP, LAN_SUBNET } from './kit/nat.ts';
import { CGN_EXTERNAL_IP, fixed } from './kit/topology.ts';
import { equal, holds } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 20;

export const natCgnat: Scenario = {
  name: 'nat/cgnat',
  description: 'two homes behind one carrier NAT: double translation, both seen on the carrier IP, strangers stopped',
  suites: ['default', 'nat'],
  figures: ['a_answered', 'c_answered', 'external_ips', 'external_ports', 'translations_per_datagram', 'probes_in'],
  run(sim) {
    const cgn = sim.addNat({
      name: 'cgn',
      preset: 'cgnat',
      realm: sim.internet,
      externalIps: [CGN_EXTERNAL_IP],
      insideSubnet: '100.64.0.0/10',
      link: fixed(5),
    });
    const homeA = sim.addNat({
      name: 'home-a',
      preset: 'port-restricted-cone',
      realm: cgn.inside,
      externalIps: ['100.64.0.10'],
      insideSubnet: LAN_SUBNET,
      link: fixed(2),
    });
    const homeC = sim.addNat({
      name: 'home-c',
      preset: 'port-restricted-cone',
      realm: cgn.inside,
      externalIps: ['100.64.0.11'],
      insideSubnet: '10.0.2.0/24',
      link: fixed(2),
    });
    const servers = addPublicServers(sim);
    const a = sim.addHost({ name: 'a', realm: homeA.inside, ips: [HOST_A_IP], link: fixed(1) });
    const c = sim.addHost({ name: 'c', realm: homeC.inside, ips: ['10.0.2.2'], link: fixed(1) });
    const clientA = startEchoClient(sim, a, { server: servers.s1.address, count: PINGS, interval_ms: 100 });
    const clientC = startEchoClient(sim, c, { server: servers.s1.address, count: PINGS, interval_ms: 100 });
    const stranger = startEchoClient(sim, servers.s2Host, { server: addr(CGN_EXTERNAL_IP, 1), count: 5 }, 9);
    sim.at(0, () => clientA.start());
    sim.at(5, () => clientC.start());
    sim.at(500, () => stranger.start({ server: parseAddr(servers.s1.server.clientAddresses()[0]!) }));
    sim.runUntil(PINGS * 100 + 3_000);
    const seen = servers.s1.server.clientAddresses().map(parseAddr);
    const a_stats = clientA.client.stats();
    const c_stats = clientC.client.stats();
    const datagrams = a_stats.sent + a_stats.pongs + c_stats.sent + c_stats.pongs;
    return {
      ...echoFigures(a_stats, 'a'),
      ...echoFigures(c_stats, 'c'),
      external_ips: [...new Set(seen.map((x) => x.ip))].join(','),
      external_ports: new Set(seen.map((x) => x.port)).size,
      translations_per_datagram: sim.stats.nat / datagrams,
      probes_in: a_stats.pings_received + c_stats.pings_received,
      cgn_filtered: cgn.box.counters.dropFiltered + cgn.box.counters.dropNoMapping,
    };
  },
  expectations: [
    equal('a_answered', PINGS),
    equal('c_answered', PINGS),
    equal('external_ips', CGN_EXTERNAL_IP),
    equal('external_ports', 2),
    equal('translations_per_datagram', 2),
    equal('probes_in', 0),
    holds('the carrier NAT stops the stranger', (o) => (o.cgn_filtered === 5 ? true : `cgn dropped ${o.cgn_filtered}`)),
  ],
};
