// Duplication, reordering and corruption on the client's link. The expected figures follow
// from the configured probabilities: with duplication p on both crossings a ping yields
// (1+p)² pongs on average; a reordered crossing delays one pong past its successors; every
// corrupted datagram is caught by the echo checksum (or by the UDP checksum when enabled).
import type { LinkConfig } from '../runtime-sim/link.ts';
import type { Simulator } from '../runtime-sim/index.ts';
import { echoFigures, round, startEchoClient, startEchoServer } from './kit/echo.ts';
import { publicPair, SERVER_IP } from './kit/topology.ts';
import { atLeast, atMost, equal, holds, near } from './expect.ts';
import type { Outcome, Scenario } from './scenario.ts';

const PINGS = 5_000;
const INTERVAL_MS = 5;

function runFaulty(sim: Simulator, link: LinkConfig): Outcome {
  const { client: clientHost, server: serverHost } = publicPair(sim, { latency: { kind: 'fixed', ms: 5 }, ...link }, {});
  const { address, server } = startEchoServer(sim, serverHost, SERVER_IP);
  const client = startEchoClient(sim, clientHost, { server: address, count: PINGS, interval_ms: INTERVAL_MS, pong_events: false });
  sim.at(0, () => client.start());
  sim.runUntil(PINGS * INTERVAL_MS + 3_000);
  const stats = client.client.stats();
  const serverStats = server.stats();
  const detected = stats.drops.corrupt + stats.drops.malformed + serverStats.drops.corrupt + serverStats.drops.malformed;
  return {
    ...echoFigures(stats),
    dup_per_answer: round(stats.duplicates / stats.answered, 4),
    reordered_ratio: round(stats.reordered / stats.answered, 4),
    echo_detected_corrupt: detected,
    misattributed: stats.drops.foreign + stats.drops.unsolicited + stats.drops.mismatch,
    sim_corrupted: sim.stats.corrupted,
    corrupt_drops: sim.stats.drops['corrupt'] ?? 0,
  };
}

const sameCount = (a: string, b: string) =>
  holds(`${a} = ${b}`, (o) => (o[a] === o[b] ? true : `${a} is ${o[a]}, ${b} is ${o[b]}`));

export const linkFaults: Scenario[] = [
  {
    name: 'link/duplicate',
    description: '10% duplication each way: 0.21 extra pongs per ping ((1+p)² - 1), no loss',
    suites: ['default', 'link'],
    figures: ['answered', 'duplicates', 'dup_per_answer'],
    run: (sim) => runFaulty(sim, { duplicate_p: 0.1 }),
    expectations: [equal('lost', 0), near('dup_per_answer', 0.21, 0.15)],
  },
  {
    name: 'link/reorder',
    description: '10% of crossings delayed 30 ms: about 19% of pongs arrive out of order, none lost',
    suites: ['link'],
    figures: ['answered', 'reordered', 'reordered_ratio', 'rtt_max_ms'],
    run: (sim) => runFaulty(sim, { reorder_p: 0.1, reorder_delay_ms: 30 }),
    expectations: [equal('lost', 0), near('reordered_ratio', 0.19, 0.2), atMost('rtt_max_ms', 10 + 60), atLeast('rtt_max_ms', 40)],
  },
  {
    name: 'link/corrupt',
    description: '5% corruption, UDP checksum off: the echo checksum catches every corrupted datagram',
    suites: ['default', 'link'],
    figures: ['answered', 'lost', 'sim_corrupted', 'echo_detected_corrupt'],
    run: (sim) => runFaulty(sim, { corrupt_p: 0.05 }),
    expectations: [
      atLeast('sim_corrupted', 100),
      sameCount('echo_detected_corrupt', 'sim_corrupted'),
      sameCount('lost', 'sim_corrupted'),
      equal('misattributed', 0),
    ],
  },
  {
    name: 'link/corrupt-udp-checksum',
    description: '5% corruption with the UDP checksum on: the stack drops them, the protocol never sees one',
    suites: ['link'],
    figures: ['answered', 'lost', 'corrupt_drops'],
    run: (sim) => runFaulty(sim, { corrupt_p: 0.05, udp_checksum: true }),
    expectations: [atLeast('corrupt_drops', 100), sameCount('lost', 'corrupt_drops'), equal('echo_detected_corrupt', 0)],
  },
];
