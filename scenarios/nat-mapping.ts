// How a NAT picks external endpoints (RFC 4787 §4): the mapping rule (one internal endpoint
// pinging the same IP on another port, then another IP), the port assignment rule (five
// internal ports in a row, plus a second host wanting the same port), and IP pooling across
// two external addresses (paired keeps one internal host on one external IP).
import { parseAddr } from '../protocol/core/addr.ts';
import type { MappingBehaviour, NatConfig } from '../runtime-sim/nat/index.ts';
import { natPreset } from '../runtime-sim/nat/index.ts';
import type { Simulator } from '../runtime-sim/index.ts';
import { startEchoClient } from './kit/echo.ts';
import { homeWithServers, HOST_B_IP } from './kit/nat.ts';
import { fixed, NAT_EXTERNAL_IP, NAT_EXTERNAL_IP2 } from './kit/topology.ts';
import { atLeast, equal, holds } from './expect.ts';
import type { Scenario } from './scenario.ts';

const MAPPING_CONFIGS: Record<MappingBehaviour, NatConfig> = {
  'endpoint-independent': natPreset('full-cone'),
  'address-dependent': { ...natPreset('restricted-cone'), mapping: 'address-dependent' },
  'address-and-port-dependent': natPreset('symmetric-sequential'),
};

function mappingScenario(mapping: MappingBehaviour): Scenario {
  const samePort = mapping === 'endpoint-independent' || mapping === 'address-dependent';
  const sameIp = mapping === 'endpoint-independent';
  return {
    name: `nat/mapping-${mapping}`,
    description: `${mapping} mapping: one internal endpoint to S1:7, S1:8, S2:7 reuses its external port ${
      sameIp ? 'for all' : samePort ? 'for the same IP only' : 'for none'
    }`,
    suites: mapping === 'endpoint-independent' ? ['nat'] : ['nat'],
    figures: ['to_s1_7', 'to_s1_8', 'to_s2_7', 'distinct_external'],
    run(sim) {
      const { servers, a } = homeWithServers(sim, { label: `mapping-${mapping}`, config: MAPPING_CONFIGS[mapping] });
      const client = startEchoClient(sim, a, { server: servers.s1.address, count: 3, interval_ms: 50 });
      sim.at(0, () => client.start({ server: servers.s1.address, count: 3 }));
      sim.at(500, () => client.start({ server: servers.s1b.address, count: 3 }));
      sim.at(1_000, () => client.start({ server: servers.s2.address, count: 3 }));
      sim.runUntil(4_000);
      const seenBy = (server: typeof servers.s1) => server.server.clientAddresses()[0] ?? 'none';
      const seen = [seenBy(servers.s1), seenBy(servers.s1b), seenBy(servers.s2)];
      return {
        to_s1_7: seen[0]!,
        to_s1_8: seen[1]!,
        to_s2_7: seen[2]!,
        distinct_external: new Set(seen).size,
        answered: client.client.stats().answered,
      };
    },
    expectations: [
      equal('answered', 9),
      holds(`same IP, other port ${samePort ? 'reuses' : 'gets a new'} mapping`, (o) =>
        (o.to_s1_7 === o.to_s1_8) === samePort ? true : `${o.to_s1_7} vs ${o.to_s1_8}`,
      ),
      holds(`other IP ${sameIp ? 'reuses' : 'gets a new'} mapping`, (o) =>
        (o.to_s1_7 === o.to_s2_7) === sameIp ? true : `${o.to_s1_7} vs ${o.to_s2_7}`,
      ),
      equal('distinct_external', sameIp ? 1 : samePort ? 2 : 3),
    ],
  };
}

type PortKind = 'preserve' | 'sequential' | 'random';
const PORT_CONFIGS: Record<PortKind, NatConfig> = {
  preserve: natPreset('open'),
  sequential: natPreset('full-cone'),
  random: { ...natPreset('full-cone'), port_assignment: { kind: 'random', min_port: 1024, max_port: 65_535 } },
};
const PORTS_TRIED = 5;
const FIRST_PORT = 5000;

/** External ports the server saw for host A's five clients, in the order they first pinged. */
function portScenario(kind: PortKind): Scenario {
  const range = PORT_CONFIGS[kind].port_assignment;
  return {
    name: `nat/ports-${kind}`,
    description: `${kind} port assignment: five internal ports in a row, then host B on A's first port`,
    suites: ['nat'],
    figures: ['ports', 'b_port'],
    run(sim) {
      const { nat, servers, a } = homeWithServers(sim, { label: `ports-${kind}`, config: PORT_CONFIGS[kind] });
      const b = sim.addHost({ name: 'b', realm: nat.inside, ips: [HOST_B_IP], link: fixed(1) });
      for (let i = 0; i < PORTS_TRIED; i++) {
        const client = startEchoClient(sim, a, { server: servers.s1.address, count: 1 }, FIRST_PORT + i);
        sim.at(i * 10, () => client.start());
      }
      const clientB = startEchoClient(sim, b, { server: servers.s2.address, count: 1 }, FIRST_PORT);
      sim.at(100, () => clientB.start());
      sim.runUntil(1_000);
      const ports = servers.s1.server.clientAddresses().map((text) => parseAddr(text).port);
      const bSeen = servers.s2.server.clientAddresses()[0];
      return {
        ports: ports.join(','),
        count: ports.length,
        b_port: bSeen === undefined ? -1 : parseAddr(bSeen).port,
        in_range: ports.every((port) => port >= range.min_port && port <= range.max_port),
        consecutive: ports.every((port, i) => i === 0 || port === ports[i - 1]! + 1),
        preserved: ports.every((port, i) => port === FIRST_PORT + i),
      };
    },
    expectations: [
      equal('count', PORTS_TRIED),
      equal('in_range', true),
      ...(kind === 'preserve'
        ? [equal('preserved', true), holds('B cannot keep a taken port', (o) => (o.b_port !== FIRST_PORT ? true : 'B got 5000 too'))]
        : kind === 'sequential'
          ? [equal('consecutive', true), equal('preserved', false)]
          : [equal('consecutive', false), equal('preserved', false)]),
    ],
  };
}

const POOL_CLIENTS = 16;

function poolingScenario(pooling: 'paired' | 'arbitrary'): Scenario {
  return {
    name: `nat/pooling-${pooling}`,
    description: `two external IPs, ${pooling} pooling: ${POOL_CLIENTS} flows from one host use ${pooling === 'paired' ? 'one external IP' : 'both IPs'}`,
    suites: ['nat'],
    figures: ['external_ips', 'flows'],
    run(sim: Simulator) {
      const config: NatConfig = { ...natPreset('symmetric'), ip_pooling: pooling };
      const { servers, a } = homeWithServers(sim, { label: `pooling-${pooling}`, config }, [NAT_EXTERNAL_IP, NAT_EXTERNAL_IP2]);
      for (let i = 0; i < POOL_CLIENTS; i++) {
        const client = startEchoClient(sim, a, { server: servers.s1.address, count: 1 }, FIRST_PORT + i);
        sim.at(i, () => client.start());
      }
      sim.runUntil(1_000);
      const seen = servers.s1.server.clientAddresses().map(parseAddr);
      return { external_ips: new Set(seen.map((x) => x.ip)).size, flows: seen.length };
    },
    expectations: [
      equal('flows', POOL_CLIENTS),
      pooling === 'paired' ? equal('external_ips', 1) : atLeast('external_ips', 2),
    ],
  };
}

export const natMapping: Scenario[] = [
  ...(['endpoint-independent', 'address-dependent', 'address-and-port-dependent'] as const).map(mappingScenario),
  ...(['preserve', 'sequential', 'random'] as const).map(portScenario),
  poolingScenario('paired'),
  poolingScenario('arbitrary'),
];
