// One scenario per NAT preset: a client behind the NAT pings a public server (it must work,
// seen from the NAT's external address, with the port the preset's assignment rule gives),
// while three strangers probe the NAT. Which probes get in follows from the preset's
// filtering rule (RFC 4787 §5), derived here from the config, not from running it:
//   same-address probe (the server's IP, another port): in under EIF and ADF
//   other-address probe (another IP):                    in under EIF only
//   probe to a port with no mapping:                     never in (nat-no-mapping, or
//                                                         nat-filtered behind an inbound firewall)
import { addr, parseAddr } from '../protocol/core/addr.ts';
import type { NatPresetName } from '../runtime-sim/nat/index.ts';
import { natPreset } from '../runtime-sim/nat/index.ts';
import { echoFigures, pingsFrom, startEchoClient, CLIENT_PORT } from './kit/echo.ts';
import { homeWithServers, SINGLE_NAT_PRESETS } from './kit/nat.ts';
import { NAT_EXTERNAL_IP, SERVER2_IP, SERVER_IP } from './kit/topology.ts';
import { between, equal, holds } from './expect.ts';
import type { Expectation, Scenario } from './scenario.ts';

const PINGS = 40;
const PROBES = 5;
/** A port no NAT here ever assigns (all assignment ranges start at 1024). */
const UNMAPPED_PORT = 9;

function expectationsFor(preset: NatPresetName): Expectation[] {
  const config = natPreset(preset);
  const sameIn = config.filtering !== 'address-and-port-dependent';
  const otherIn = config.filtering === 'endpoint-independent';
  const filtered = (sameIn ? 0 : PROBES) + (otherIn ? 0 : PROBES) + (config.inbound_firewall ? PROBES : 0);
  const port = config.port_assignment;
  return [
    equal('answered', PINGS),
    equal('lost', 0),
    equal('external_ip', NAT_EXTERNAL_IP),
    port.kind === 'preserve' ? equal('external_port', CLIENT_PORT) : between('external_port', port.min_port, port.max_port),
    equal('same_address_probes_in', sameIn ? PROBES : 0),
    equal('other_address_probes_in', otherIn ? PROBES : 0),
    equal('nat_filtered', filtered),
    equal('nat_no_mapping', config.inbound_firewall ? 0 : PROBES),
    holds('every ping and pong was translated once', (o) =>
      o.nat_rewrites === (o.sent as number) + (o.answered as number) + (o.same_address_probes_in as number) + (o.other_address_probes_in as number)
        ? true
        : `nat rewrites ${o.nat_rewrites}`,
    ),
  ];
}

function presetScenario(preset: NatPresetName): Scenario {
  const config = natPreset(preset);
  return {
    name: `nat/${preset}`,
    description: `echo out through ${preset} (${config.mapping} mapping, ${config.filtering} filtering${config.inbound_firewall ? ', inbound firewall' : ''}); strangers filtered by its rule`,
    suites: preset === 'port-restricted-cone' || preset === 'linux-masquerade' ? ['default', 'nat'] : ['nat'],
    figures: ['answered', 'external_ip', 'external_port', 'same_address_probes_in', 'other_address_probes_in', 'nat_filtered', 'nat_no_mapping'],
    run(sim) {
      const { nat, servers, a } = homeWithServers(sim, preset);
      const client = startEchoClient(sim, a, { server: servers.s1.address, count: PINGS, interval_ms: 100 });
      // Strangers: one on the server's own IP (other port), one on another IP, and one
      // aiming at a port the NAT never mapped.
      const sameAddress = startEchoClient(sim, servers.s1Host, { server: servers.s1.address, count: PROBES }, 9);
      const otherAddress = startEchoClient(sim, servers.s2Host, { server: servers.s2.address, count: PROBES }, 9);
      const unmapped = startEchoClient(sim, servers.s2Host, { server: addr(NAT_EXTERNAL_IP, UNMAPPED_PORT), count: PROBES }, 10);
      sim.at(0, () => client.start());
      sim.at(1_000, () => {
        const seen = servers.s1.server.clientAddresses()[0];
        if (seen === undefined) return;
        const external = parseAddr(seen);
        sameAddress.start({ server: external });
        otherAddress.start({ server: external });
        unmapped.start();
      });
      sim.runUntil(PINGS * 100 + 3_000);
      const seen = servers.s1.server.clientAddresses()[0];
      const external = seen === undefined ? undefined : parseAddr(seen);
      const stats = client.client.stats();
      const counters = nat.box.counters;
      return {
        ...echoFigures(stats),
        external_ip: external?.ip ?? 'none',
        external_port: external?.port ?? -1,
        same_address_probes_in: pingsFrom(client.events, `${SERVER_IP}:9`),
        other_address_probes_in: pingsFrom(client.events, `${SERVER2_IP}:9`),
        probes_received: stats.pings_received,
        nat_filtered: counters.dropFiltered,
        nat_no_mapping: counters.dropNoMapping,
        nat_rewrites: sim.stats.nat,
      };
    },
    expectations: expectationsFor(preset),
  };
}

export const natPresets: Scenario[] = SINGLE_NAT_PRESETS.map(presetScenario);
