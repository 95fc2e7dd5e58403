// Two more lifetime behaviours. `nat/rebind`: the client's LAN address changes mid-run
// (DHCP renew, Wi-Fi roam); the NAT sees a new internal endpoint, makes a new mapping, and the
// server sees the client arrive from a new external port while echo carries on. `nat/linux-
// timeouts`: Linux conntrack keeps an unreplied UDP flow 30 s but a flow seen both ways 120 s
// (nf_conntrack_udp_timeout vs _stream), so the one-way flow's mapping expires first.
import { addr } from '../protocol/core/addr.ts';
import { natPreset } from '../runtime-sim/nat/index.ts';
import { echoFigures, startEchoClient, startTogether } from './kit/echo.ts';
import { homeWithServers } from './kit/nat.ts';
import { SERVER2_IP } from './kit/topology.ts';
import { atLeast, equal } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 40;

const rebind: Scenario = {
  name: 'nat/rebind',
  description: 'the client moves to a new LAN address mid-run: a new mapping, a new external port, echo carries on',
  suites: ['nat'],
  figures: ['answered', 'lost', 'client_addresses', 'mappings'],
  run(sim) {
    const { nat, servers, a } = homeWithServers(sim, 'port-restricted-cone');
    const client = startEchoClient(sim, a, { server: servers.s1.address, count: PINGS, interval_ms: 100 });
    sim.at(0, () => client.start());
    sim.at(2_005, () => sim.rebind('a', '10.0.1.9'));
    sim.runUntil(PINGS * 100 + 3_000);
    return {
      ...echoFigures(client.client.stats()),
      client_addresses: servers.s1.server.clientAddresses().length,
      mappings: nat.box.counters.mappingsCreated,
    };
  },
  expectations: [atLeast('answered', PINGS - 1), equal('client_addresses', 2), equal('mappings', 2)],
};

const STREAM_MS = natPreset('linux-masquerade').stream_timeout_ms!;
const UNREPLIED_MS = natPreset('linux-masquerade').binding_timeout_ms;

const linuxTimeouts: Scenario = {
  name: 'nat/linux-timeouts',
  description: `linux-masquerade: a one-way flow's mapping expires after ${UNREPLIED_MS / 1000} s, a two-way flow's after ${STREAM_MS / 1000} s`,
  suites: ['nat'],
  figures: ['expired_by_60s', 'expired_by_200s'],
  run(sim) {
    const { nat, servers, a } = homeWithServers(sim, 'linux-masquerade');
    const twoWay = startEchoClient(sim, a, { server: servers.s1.address, count: 3, interval_ms: 100 }, 5000);
    // Nobody listens on SERVER2_IP:9, so this flow is never replied to.
    const oneWay = startEchoClient(sim, a, { server: addr(SERVER2_IP, 9), count: 3, interval_ms: 100 }, 5001);
    startTogether(sim, twoWay, oneWay);
    let expiredBy60s = -1;
    sim.at(60_000, () => (expiredBy60s = nat.box.counters.mappingsExpired));
    sim.runUntil(200_000);
    return {
      ...echoFigures(twoWay.client.stats(), 'two_way'),
      expired_by_60s: expiredBy60s,
      expired_by_200s: nat.box.counters.mappingsExpired,
    };
  },
  expectations: [equal('two_way_answered', 3), equal('expired_by_60s', 1), equal('expired_by_200s', 2)],
};

export const natLifetime: Scenario[] = [rebind, linuxTimeouts];
