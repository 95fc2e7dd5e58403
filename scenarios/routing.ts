// Where datagrams cannot go: a LAN with no gateway reaches its own hosts but nothing outside
// (`no-route`), and a ping to a port nobody listens on dies as `port-unreachable`.
import { addr } from '../protocol/core/addr.ts';
import { echoFigures, startEchoClient, startEchoServer, startTogether } from './kit/echo.ts';
import { fixed, publicPair, SERVER_IP } from './kit/topology.ts';
import { equal } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 10;

export const noGateway: Scenario = {
  name: 'lan/no-gateway',
  description: 'a LAN with no NAT: its hosts echo each other, pings to the internet die as no-route',
  suites: ['link'],
  figures: ['lan_answered', 'out_lost', 'no_route_drops'],
  run(sim) {
    const office = sim.addRealm({ name: 'office', subnet: '192.168.1.0/24' });
    const a = sim.addHost({ name: 'a', realm: office, ips: ['192.168.1.2'], link: fixed(1) });
    const b = sim.addHost({ name: 'b', realm: office, ips: ['192.168.1.3'], link: fixed(1), role: 'server' });
    const server = sim.addHost({ name: 'server', realm: sim.internet, ips: [SERVER_IP], link: fixed(10), role: 'server' });
    const lanServer = startEchoServer(sim, b, '192.168.1.3');
    const publicServer = startEchoServer(sim, server, SERVER_IP);
    const lan = startEchoClient(sim, a, { server: lanServer.address, count: PINGS, interval_ms: 50 }, 5000);
    const out = startEchoClient(sim, a, { server: publicServer.address, count: PINGS, interval_ms: 50 }, 5001);
    startTogether(sim, lan, out);
    sim.runUntil(3_000);
    return {
      ...echoFigures(lan.client.stats(), 'lan'),
      ...echoFigures(out.client.stats(), 'out'),
      no_route_drops: sim.stats.drops['no-route'] ?? 0,
    };
  },
  expectations: [equal('lan_answered', PINGS), equal('out_lost', PINGS), equal('no_route_drops', PINGS)],
};

export const portUnreachable: Scenario = {
  name: 'link/port-unreachable',
  description: 'pings to a port with no socket die as port-unreachable; the echo port still answers',
  suites: ['link'],
  figures: ['open_answered', 'closed_lost', 'port_unreachable_drops'],
  run(sim) {
    const { client, server } = publicPair(sim, fixed(10), fixed(10));
    const echo = startEchoServer(sim, server, SERVER_IP);
    const open = startEchoClient(sim, client, { server: echo.address, count: PINGS, interval_ms: 50 }, 5000);
    const closed = startEchoClient(sim, client, { server: addr(SERVER_IP, 9), count: PINGS, interval_ms: 50 }, 5001);
    startTogether(sim, open, closed);
    sim.runUntil(3_000);
    return {
      ...echoFigures(open.client.stats(), 'open'),
      ...echoFigures(closed.client.stats(), 'closed'),
      port_unreachable_drops: sim.stats.drops['port-unreachable'] ?? 0,
    };
  },
  expectations: [equal('open_answered', PINGS), equal('closed_lost', PINGS), equal('port_unreachable_drops', PINGS)],
};

export const routing: Scenario[] = [noGateway, portUnreachable];
