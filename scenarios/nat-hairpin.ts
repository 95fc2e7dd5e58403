// Hairpinning (RFC 4787 REQ-9): host A pings host B's *external* address while both sit
// behind the same full-cone NAT. With external-source hairpinning B sees A's external
// address and A's pongs come back from B's external address; with internal-source B sees
// A's LAN address and answers straight across the LAN; without hairpinning the NAT drops the
// pings as `hairpin`.
import { parseAddr } from '../protocol/core/addr.ts';
import { natPreset, type NatConfig } from '../runtime-sim/nat/index.ts';
import { echoFigures, startEchoClient, CLIENT_PORT } from './kit/echo.ts';
import { homeWithServers, HOST_A_IP, HOST_B_IP } from './kit/nat.ts';
import { fixed } from './kit/topology.ts';
import { equal, holds } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 10;

function hairpinScenario(hairpinning: NatConfig['hairpinning']): Scenario {
  const works = hairpinning !== 'none';
  return {
    name: `nat/hairpin-${hairpinning}`,
    description: `A pings B's external address through the same NAT, hairpinning ${hairpinning}: ${works ? 'answered' : 'dropped as hairpin'}`,
    suites: hairpinning === 'external-source' ? ['default', 'nat'] : ['nat'],
    figures: ['a_answered', 'b_saw', 'a_heard_from', 'hairpin_drops'],
    run(sim) {
      const config: NatConfig = { ...natPreset('full-cone'), hairpinning };
      const { nat, servers, a } = homeWithServers(sim, { label: `full-cone-hairpin-${hairpinning}`, config });
      const b = sim.addHost({ name: 'b', realm: nat.inside, ips: [HOST_B_IP], link: fixed(1) });
      // B keeps a mapping open by pinging S1, and answers pings (peer mode).
      const peerB = startEchoClient(sim, b, { server: servers.s1.address, count: 50, interval_ms: 100, respond: true });
      const clientA = startEchoClient(sim, a, { server: servers.s1.address, count: PINGS, interval_ms: 100 });
      sim.at(0, () => peerB.start());
      sim.at(1_000, () => clientA.start({ server: parseAddr(servers.s1.server.clientAddresses()[0]!) }));
      sim.runUntil(6_000);
      const heardFrom = clientA.events.find((e) => e.type === 'pong');
      const bSaw = peerB.events.find((e) => e.type === 'echo-ping');
      return {
        ...echoFigures(clientA.client.stats(), 'a'),
        b_external: servers.s1.server.clientAddresses()[0] ?? 'none',
        b_saw: bSaw?.type === 'echo-ping' ? bSaw.from : 'nothing',
        a_heard_from: heardFrom?.type === 'pong' ? heardFrom.from : 'nothing',
        hairpin_drops: sim.stats.drops['hairpin'] ?? 0,
        hairpinned: nat.box.counters.hairpinned,
      };
    },
    expectations: works
      ? [
          equal('a_answered', PINGS),
          equal('hairpin_drops', 0),
          hairpinning === 'external-source'
            ? holds('B sees A by its external address; A hears B from its external address', (o) =>
                parseAddr(o.b_saw as string).ip === parseAddr(o.b_external as string).ip && o.a_heard_from === o.b_external
                  ? true
                  : `B saw ${o.b_saw}, A heard ${o.a_heard_from}, B external ${o.b_external}`,
              )
            : holds('B sees A by its LAN address and answers across the LAN', (o) =>
                o.b_saw === `${HOST_A_IP}:${CLIENT_PORT}` && o.a_heard_from === `${HOST_B_IP}:${CLIENT_PORT}`
                  ? true
                  : `B saw ${o.b_saw}, A heard ${o.a_heard_from}`,
              ),
        ]
      : [equal('a_answered', 0), equal('hairpin_drops', PINGS), equal('b_saw', 'nothing')],
  };
}

export const natHairpin: Scenario[] = (['external-source', 'internal-source', 'none'] as const).map(hairpinScenario);
