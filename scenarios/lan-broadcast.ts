// LAN broadcast: a client behind a NAT pings the limited broadcast address (and, in the
// second scenario, the subnet's broadcast address); all four other hosts of its LAN answer
// every ping, and nothing crosses the NAT (the public echo server never sees a ping).
import { addr } from '../protocol/core/addr.ts';
import { echoFigures, ECHO_PORT, startEchoClient, startEchoServer } from './kit/echo.ts';
import { NAT_EXTERNAL_IP, SERVER_IP } from './kit/topology.ts';
import { equal } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 20;
const LAN_SERVERS = 4;

function broadcastScenario(cell: string, target: string, suites: string[]): Scenario {
  return {
    name: `lan/${cell}`,
    description: `ping ${target} on a 5-host LAN behind a NAT: 4 responders per ping, nothing leaves the LAN`,
    suites,
    figures: ['answered', 'pongs', 'responders', 'public_pings', 'nat_rewrites'],
    run(sim) {
      const nat = sim.addNat({
        name: 'nat',
        preset: 'port-restricted-cone',
        realm: sim.internet,
        externalIps: [NAT_EXTERNAL_IP],
        insideSubnet: '10.0.1.0/24',
      });
      const publicHost = sim.addHost({ name: 'server', realm: sim.internet, ips: [SERVER_IP] });
      const publicServer = startEchoServer(sim, publicHost, SERVER_IP);
      const clientHost = sim.addHost({ name: 'a', realm: nat.inside, ips: ['10.0.1.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
      for (let i = 0; i < LAN_SERVERS; i++) {
        const ip = `10.0.1.${3 + i}`;
        const host = sim.addHost({ name: `lan-${i + 1}`, realm: nat.inside, ips: [ip], link: { latency: { kind: 'fixed', ms: 1 + i } } });
        startEchoServer(sim, host, ip);
      }
      const client = startEchoClient(sim, clientHost, { server: addr(target, ECHO_PORT), count: PINGS, interval_ms: 50 });
      sim.at(0, () => client.start());
      sim.runUntil(PINGS * 50 + 3_000);
      const stats = client.client.stats();
      return {
        ...echoFigures(stats),
        pongs: stats.pongs,
        responders: stats.responders,
        public_pings: publicServer.server.stats().pings,
        nat_rewrites: sim.stats.nat,
      };
    },
    expectations: [
      equal('answered', PINGS),
      equal('pongs', PINGS * LAN_SERVERS),
      equal('responders', LAN_SERVERS),
      equal('duplicates', 0),
      equal('public_pings', 0),
      equal('nat_rewrites', 0),
    ],
  };
}

export const lanBroadcast: Scenario[] = [
  broadcastScenario('broadcast', '255.255.255.255', ['default', 'link']),
  broadcastScenario('subnet-broadcast', '10.0.1.255', ['link']),
];
