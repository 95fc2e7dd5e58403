// Partitions that cut and heal on a schedule. The client pings every 100 ms for 6 s; the cut
// lasts 2 s, so about 20 pings die with reason `partition` and every ping after the heal is
// answered. A one-way cut shows which direction died: client→server cut means the server
// never sees those pings; server→client cut means it sees every ping but its pongs die.
import type { Simulator } from '../runtime-sim/index.ts';
import { echoFigures, startEchoClient, startEchoServer } from './kit/echo.ts';
import { fixed, publicPair, SERVER_IP } from './kit/topology.ts';
import { between, equal, holds } from './expect.ts';
import type { Outcome, Scenario } from './scenario.ts';

const PINGS = 60;
const INTERVAL_MS = 100;
const CUT_FROM_MS = 2_000;
const CUT_UNTIL_MS = 4_000;
/** Pings sent while the cut lasts (one every 100 ms for 2 s), give or take the boundaries. */
const CUT_PINGS = (CUT_UNTIL_MS - CUT_FROM_MS) / INTERVAL_MS;

type Cut = 'client-to-server' | 'server-to-client' | 'both';

function runPartition(sim: Simulator, cut: Cut): Outcome {
  const { client: clientHost, server: serverHost } = publicPair(sim, fixed(10), fixed(10));
  const { address, server } = startEchoServer(sim, serverHost, SERVER_IP);
  const client = startEchoClient(sim, clientHost, { server: address, count: PINGS, interval_ms: INTERVAL_MS, timeout_ms: 1_000 });
  if (cut === 'both') sim.partition({ a: ['client'], b: ['server'], from: CUT_FROM_MS, until: CUT_UNTIL_MS });
  else if (cut === 'client-to-server') sim.partition({ a: ['client'], b: ['server'], oneWay: true, from: CUT_FROM_MS, until: CUT_UNTIL_MS });
  else sim.partition({ a: ['server'], b: ['client'], oneWay: true, from: CUT_FROM_MS, until: CUT_UNTIL_MS });
  sim.at(0, () => client.start());
  sim.runUntil(PINGS * INTERVAL_MS + 2_000);
  const stats = client.client.stats();
  // Pings sent well after the heal (seq >= 42, sent at 4.2 s on) must all be answered.
  const firstAfterHeal = CUT_UNTIL_MS / INTERVAL_MS + 2;
  const answeredAfterHeal = new Set(client.events.flatMap((e) => (e.type === 'pong' && e.seq >= firstAfterHeal ? [e.seq] : []))).size;
  return {
    ...echoFigures(stats),
    server_pings: server.stats().pings,
    partition_drops: sim.stats.drops['partition'] ?? 0,
    after_heal_sent: PINGS - firstAfterHeal,
    after_heal_answered: answeredAfterHeal,
  };
}

const lostArePartitionDrops = holds('every lost ping is one partition drop', (o) =>
  o.lost === o.partition_drops ? true : `lost ${o.lost}, partition drops ${o.partition_drops}`,
);
const healed = holds('every ping after the heal is answered', (o) =>
  o.after_heal_answered === o.after_heal_sent ? true : `${o.after_heal_answered}/${o.after_heal_sent} answered after the heal`,
);

function partitionScenario(cell: string, description: string, cut: Cut, serverSeesAll: boolean, suites: string[]): Scenario {
  return {
    name: `partition/${cell}`,
    description,
    suites,
    figures: ['sent', 'lost', 'server_pings', 'partition_drops', 'after_heal_answered'],
    run: (sim) => runPartition(sim, cut),
    expectations: [
      between('lost', CUT_PINGS - 1, CUT_PINGS + 1),
      lostArePartitionDrops,
      healed,
      serverSeesAll
        ? equal('server_pings', PINGS)
        : holds('the server misses exactly the lost pings', (o) =>
            o.server_pings === PINGS - (o.lost as number) ? true : `server saw ${o.server_pings}, lost ${o.lost}`,
          ),
    ],
  };
}

export const partitions: Scenario[] = [
  partitionScenario('one-way', 'client→server cut for 2 s, then healed: ~20 pings lost, server never sees them', 'client-to-server', false, ['default', 'link']),
  partitionScenario('one-way-reverse', 'server→client cut for 2 s: the server sees every ping, ~20 pongs die', 'server-to-client', true, ['link']),
  partitionScenario('two-way', 'both directions cut for 2 s, then healed: ~20 pings lost', 'both', false, ['default', 'link']),
];
