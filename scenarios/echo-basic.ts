// The smallest scenarios: a client and a server on the internet over clean 10 ms links, over
// IPv4 and over IPv6. Every ping crosses four links (client up, server down, server up,
// client down), so the RTT must be exactly 40 ms with no loss. If these fail, nothing else
// can be trusted.
import { addr } from '../protocol/core/addr.ts';
import { echoFigures, sampleEcho, startEchoClient, startEchoServer } from './kit/echo.ts';
import { fixed, PUBLIC_CLIENT_IP, SERVER_IP } from './kit/topology.ts';
import { atLeast, equal } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 100;
/** Documentation prefix (RFC 3849) for the IPv6 variant. */
const SERVER_IP6 = '2001:db8::7';
const CLIENT_IP6 = '2001:db8::20';

function basic(family: 4 | 6): Scenario {
  const serverIp = family === 4 ? SERVER_IP : SERVER_IP6;
  const clientIp = family === 4 ? PUBLIC_CLIENT_IP : CLIENT_IP6;
  return {
    name: family === 4 ? 'echo-basic' : 'echo-basic-ipv6',
    description: `echo over clean 10 ms links (IPv${family}): RTT exactly 40 ms, no loss`,
    suites: family === 4 ? ['default', 'link'] : ['link'],
    figures: ['answered', 'loss', 'rtt_min_ms', 'rtt_p50_ms', 'rtt_max_ms', 'server_saw'],
    run(sim) {
      const serverHost = sim.addHost({ name: 'server', realm: sim.internet, ips: [serverIp], link: fixed(10), role: 'server' });
      const clientHost = sim.addHost({ name: 'client', realm: sim.internet, ips: [clientIp], link: fixed(10) });
      const { server } = startEchoServer(sim, serverHost, serverIp);
      const client = startEchoClient(sim, clientHost, { server: addr(serverIp, 7), count: PINGS, interval_ms: 20 });
      sim.at(0, () => client.start());
      sampleEcho(sim, 'client', client.client, 500, PINGS * 20);
      sim.runUntil(PINGS * 20 + 3_000);
      return {
        ...echoFigures(client.client.stats()),
        delivered: sim.stats.delivered,
        server_saw: server.clientAddresses()[0] ?? 'nothing',
      };
    },
    expectations: [
      equal('answered', PINGS),
      equal('lost', 0),
      equal('rtt_min_ms', 40),
      equal('rtt_max_ms', 40),
      equal('duplicates', 0),
      atLeast('delivered', PINGS * 2),
      equal('server_saw', family === 4 ? `${clientIp}:5000` : `[${clientIp}]:5000`),
    ],
  };
}

export const echoBasic: Scenario[] = [basic(4), basic(6)];
