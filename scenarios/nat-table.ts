// The session-table limit: a symmetric NAT with room for 4 sessions and 6 flows wanting out.
// The first 4 flows work; the other 2 are dropped as `nat-table-full` for every ping.
import { natPreset, type NatConfig } from '../runtime-sim/nat/index.ts';
import { startEchoClient } from './kit/echo.ts';
import { homeWithServers } from './kit/nat.ts';
import { equal } from './expect.ts';
import type { Scenario } from './scenario.ts';

const SESSIONS_MAX = 4;
const FLOWS = 6;
const PINGS = 10;

export const natTableFull: Scenario = {
  name: 'nat/table-full',
  description: `a NAT with sessions_max ${SESSIONS_MAX} and ${FLOWS} flows: ${SESSIONS_MAX} work, the rest are dropped as nat-table-full`,
  suites: ['nat'],
  figures: ['flows_working', 'flows_blocked', 'table_full_drops'],
  run(sim) {
    const config: NatConfig = { ...natPreset('symmetric'), sessions_max: SESSIONS_MAX };
    const { nat, servers, a } = homeWithServers(sim, { label: 'symmetric-4-sessions', config });
    const clients = Array.from({ length: FLOWS }, (_, i) =>
      startEchoClient(sim, a, { server: servers.s1.address, count: PINGS, interval_ms: 100 }, 5000 + i),
    );
    clients.forEach((client, i) => sim.at(i * 10, () => client.start()));
    sim.runUntil(PINGS * 100 + 3_000);
    const answered = clients.map((client) => client.client.stats().answered);
    return {
      flows_working: answered.filter((n) => n === PINGS).length,
      flows_blocked: answered.filter((n) => n === 0).length,
      table_full_drops: sim.stats.drops['nat-table-full'] ?? 0,
      mappings: nat.box.mappingCount,
    };
  },
  expectations: [
    equal('flows_working', SESSIONS_MAX),
    equal('flows_blocked', FLOWS - SESSIONS_MAX),
    equal('table_full_drops', (FLOWS - SESSIONS_MAX) * PINGS),
  ],
};
