// The Linux masquerade conntrack clash. Peer P (public) pings A's natural external endpoint
// (the NAT's IP, A's own port, which masquerade preserves) *before* A ever sends to P, as a
// naive simultaneous open does. Without an inbound firewall that unsolicited datagram leaves
// a conntrack entry for (P, E:5000), so when A then pings P the NAT must move A's flow to
// another port: P sees A on a port other than 5000 and P's own pings to E:5000 never reach A.
// With the usual inbound firewall the early datagram is dropped before conntrack, A keeps
// port 5000, and P's later pings get through: the simultaneous open works.
import { addr } from '../protocol/core/addr.ts';
import type { NatPresetName } from '../runtime-sim/nat/index.ts';
import { echoFigures, startEchoClient, CLIENT_PORT } from './kit/echo.ts';
import { addHomeNat, HOST_A_IP } from './kit/nat.ts';
import { fixed, NAT_EXTERNAL_IP, SERVER2_IP } from './kit/topology.ts';
import { atLeast, equal, holds } from './expect.ts';
import type { Scenario } from './scenario.ts';

const P_PORT = 6000;

function conntrackScenario(preset: Extract<NatPresetName, 'linux-masquerade' | 'linux-masquerade-firewall'>): Scenario {
  const clash = preset === 'linux-masquerade';
  return {
    name: `nat/conntrack-${clash ? 'clash' : 'firewall'}`,
    description: clash
      ? 'linux-masquerade: an early unsolicited datagram makes A\'s flow to P move off port 5000; P\'s pings never reach A'
      : 'linux-masquerade-firewall: the early datagram is dropped before conntrack; A keeps port 5000 and P gets through',
    suites: ['default', 'nat'],
    figures: ['a_answered', 'p_sees_port', 'clashes', 'a_pings_from_p'],
    run(sim) {
      const nat = addHomeNat(sim, preset);
      const a = sim.addHost({ name: 'a', realm: nat.inside, ips: [HOST_A_IP], link: fixed(1) });
      const pHost = sim.addHost({ name: 'p', realm: sim.internet, ips: [SERVER2_IP], link: fixed(10) });
      // Both sides are peers: each pings the other and answers the other's pings.
      const peerA = startEchoClient(sim, a, { server: addr(SERVER2_IP, P_PORT), count: 20, interval_ms: 100, respond: true });
      const peerP = startEchoClient(
        sim,
        pHost,
        { server: addr(NAT_EXTERNAL_IP, CLIENT_PORT), count: 30, interval_ms: 100, respond: true },
        P_PORT,
      );
      sim.at(0, () => peerP.start());
      sim.at(50, () => peerA.start());
      sim.runUntil(6_000);
      const pSaw = peerP.events.find((e) => e.type === 'echo-ping');
      return {
        ...echoFigures(peerA.client.stats(), 'a'),
        p_sees_port: pSaw?.type === 'echo-ping' ? Number(pSaw.from.split(':').at(-1)) : -1,
        clashes: nat.box.counters.clashes,
        a_pings_from_p: peerA.client.stats().pings_received,
        p_answered: peerP.client.stats().answered,
      };
    },
    expectations: clash
      ? [
          equal('a_answered', 20),
          holds('P sees A moved off its port', (o) => (o.p_sees_port !== CLIENT_PORT && (o.p_sees_port as number) > 0 ? true : `P saw port ${o.p_sees_port}`)),
          atLeast('clashes', 1),
          equal('a_pings_from_p', 0),
        ]
      : [equal('a_answered', 20), equal('p_sees_port', CLIENT_PORT), equal('clashes', 0), atLeast('a_pings_from_p', 20)],
  };
}

export const natConntrack: Scenario[] = [conntrackScenario('linux-masquerade'), conntrackScenario('linux-masquerade-firewall')];
