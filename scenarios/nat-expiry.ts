// Binding lifetime (RFC 4787 REQ-5/REQ-6). Full cone, 120 s timer refreshed by outbound
// traffic. `nat/expiry`: the client goes quiet for longer than the timer; the mapping expires,
// a probe to it then finds no mapping, and the client's next ping creates a new mapping on
// a new port. `nat/keepalive`: a ping every 60 s keeps one mapping alive for 5 minutes.
// `nat/refresh-*`: only inbound traffic after one ping; it keeps the mapping alive only when
// the NAT refreshes on both directions.
import { parseAddr } from '../protocol/core/addr.ts';
import { natPreset, type NatConfig } from '../runtime-sim/nat/index.ts';
import { startEchoClient } from './kit/echo.ts';
import { homeWithServers } from './kit/nat.ts';
import { atLeast, equal } from './expect.ts';
import type { Scenario } from './scenario.ts';

const TIMEOUT_MS = natPreset('full-cone').binding_timeout_ms; // 120 s
const PROBES = 3;

const expiry: Scenario = {
  name: 'nat/expiry',
  description: 'quiet for longer than the 120 s binding timer: mapping expires, probes find no mapping, a new port next time',
  suites: ['default', 'nat'],
  figures: ['nat_expires', 'probes_in_before', 'probes_in_after', 'no_mapping_drops', 'client_addresses'],
  run(sim) {
    const { nat, servers, a } = homeWithServers(sim, 'full-cone');
    const client = startEchoClient(sim, a, { server: servers.s1.address, count: 10, interval_ms: 1_000 });
    const early = startEchoClient(sim, servers.s2Host, { server: servers.s2.address, count: PROBES, interval_ms: 1_000 }, 9);
    const late = startEchoClient(sim, servers.s2Host, { server: servers.s2.address, count: PROBES, interval_ms: 1_000 }, 10);
    const external = () => parseAddr(servers.s1.server.clientAddresses()[0]!);
    sim.at(0, () => client.start());
    // Last outbound ping at 9 s, so the mapping lives until 129 s.
    sim.at(60_000, () => early.start({ server: external() }));
    sim.at(9_000 + TIMEOUT_MS + 10_000, () => late.start({ server: external() }));
    sim.at(9_000 + TIMEOUT_MS + 20_000, () => client.start({ count: 5 }));
    sim.runUntil(9_000 + TIMEOUT_MS + 30_000);
    const stats = client.client.stats();
    const fromPort = (port: number) => client.events.filter((e) => e.type === 'echo-ping' && e.from.endsWith(`:${port}`)).length;
    return {
      answered: stats.answered,
      nat_expires: nat.box.counters.mappingsExpired,
      probes_in_before: fromPort(9),
      probes_in_after: fromPort(10),
      no_mapping_drops: nat.box.counters.dropNoMapping,
      client_addresses: servers.s1.server.clientAddresses().length,
    };
  },
  expectations: [
    equal('answered', 15),
    atLeast('nat_expires', 1),
    equal('probes_in_before', PROBES),
    equal('probes_in_after', 0),
    equal('no_mapping_drops', PROBES),
    equal('client_addresses', 2),
  ],
};

const keepalive: Scenario = {
  name: 'nat/keepalive',
  description: 'a ping every 60 s (half the 120 s timer) keeps one mapping for 5 minutes; probes still get in at the end',
  suites: ['nat'],
  figures: ['answered', 'nat_expires', 'probes_in', 'client_addresses'],
  run(sim) {
    const { nat, servers, a } = homeWithServers(sim, 'full-cone');
    const client = startEchoClient(sim, a, { server: servers.s1.address, count: 5, interval_ms: 60_000 });
    const probe = startEchoClient(sim, servers.s2Host, { server: servers.s2.address, count: PROBES }, 9);
    sim.at(0, () => client.start());
    sim.at(290_000, () => probe.start({ server: parseAddr(servers.s1.server.clientAddresses()[0]!) }));
    sim.runUntil(300_000);
    return {
      answered: client.client.stats().answered,
      nat_expires: nat.box.counters.mappingsExpired,
      probes_in: client.client.stats().pings_received,
      client_addresses: servers.s1.server.clientAddresses().length,
    };
  },
  expectations: [equal('answered', 5), equal('nat_expires', 0), equal('probes_in', PROBES), equal('client_addresses', 1)],
};

const REFRESH_TIMEOUT_MS = 60_000;
const REFRESH_PROBES = 10;
const PROBE_INTERVAL_MS = 20_000;

function refreshScenario(refresh: NatConfig['refresh']): Scenario {
  // Probes at 10 s, 30 s, 50 s, ...: the mapping made at 0 s lasts to 60 s unless inbound refreshes it.
  const expectedIn = refresh === 'both' ? REFRESH_PROBES : Math.ceil((REFRESH_TIMEOUT_MS - 10_000) / PROBE_INTERVAL_MS);
  return {
    name: `nat/refresh-${refresh}`,
    description: `one outbound ping, then inbound only every 20 s against a 60 s timer refreshed by ${refresh}: ${expectedIn}/${REFRESH_PROBES} get in`,
    suites: ['nat'],
    figures: ['probes_in', 'nat_expires', 'no_mapping_drops'],
    run(sim) {
      const config: NatConfig = { ...natPreset('full-cone'), binding_timeout_ms: REFRESH_TIMEOUT_MS, refresh };
      const { nat, servers, a } = homeWithServers(sim, { label: `full-cone-refresh-${refresh}`, config });
      const client = startEchoClient(sim, a, { server: servers.s1.address, count: 1 });
      const probe = startEchoClient(sim, servers.s2Host, { server: servers.s2.address, count: REFRESH_PROBES, interval_ms: PROBE_INTERVAL_MS }, 9);
      sim.at(0, () => client.start());
      sim.at(10_000, () => probe.start({ server: parseAddr(servers.s1.server.clientAddresses()[0]!) }));
      sim.runUntil(10_000 + REFRESH_PROBES * PROBE_INTERVAL_MS);
      return {
        probes_in: client.client.stats().pings_received,
        nat_expires: nat.box.counters.mappingsExpired,
        no_mapping_drops: nat.box.counters.dropNoMapping,
      };
    },
    expectations: [equal('probes_in', expectedIn), equal('no_mapping_drops', REFRESH_PROBES - expectedIn)],
  };
}

export const natExpiry: Scenario[] = [expiry, keepalive, refreshScenario('outbound'), refreshScenario('both')];
