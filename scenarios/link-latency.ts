// Latency models on a link: uniform, normal and a user function, plus jitter. Each ping's RTT
// is the sum of two draws on the client's link (up and down; the server's link is 0 ms), so
// the expectations follow from the model: uniform 5..15 ms gives RTTs in 10..30 with mean 20.
import type { LinkConfig } from '../runtime-sim/link.ts';
import { echoFigures, round, startEchoClient, startEchoServer } from './kit/echo.ts';
import { publicPair, SERVER_IP } from './kit/topology.ts';
import { atLeast, atMost, equal, near } from './expect.ts';
import type { Expectation, Outcome, Scenario } from './scenario.ts';
import type { Simulator } from '../runtime-sim/index.ts';

const PINGS = 2_000;
const INTERVAL_MS = 5;

function runLatency(sim: Simulator, clientLink: LinkConfig): Outcome {
  const { client: clientHost, server: serverHost } = publicPair(sim, clientLink, {});
  const { address } = startEchoServer(sim, serverHost, SERVER_IP);
  const client = startEchoClient(sim, clientHost, { server: address, count: PINGS, interval_ms: INTERVAL_MS, pong_events: false });
  sim.at(0, () => client.start());
  sim.runUntil(PINGS * INTERVAL_MS + 3_000);
  const figures = echoFigures(client.client.stats());
  return { ...figures, rtt_spread_ms: round((figures.rtt_max_ms as number) - (figures.rtt_min_ms as number)) };
}

function latencyScenario(
  cell: string,
  description: string,
  link: LinkConfig,
  expectations: Expectation[],
  suites: string[] = ['link'],
): Scenario {
  return {
    name: `link/${cell}`,
    description,
    suites,
    figures: ['answered', 'rtt_min_ms', 'rtt_mean_ms', 'rtt_p50_ms', 'rtt_p99_ms', 'rtt_max_ms'],
    run: (sim) => runLatency(sim, link),
    expectations: [equal('lost', 0), ...expectations],
  };
}

/** One-way delay of the bimodal user function: usually 5 ms, one time in ten 50 ms. */
function bimodal(rng: { nextFloat(): number }): number {
  return rng.nextFloat() < 0.9 ? 5 : 50;
}

export const linkLatency: Scenario[] = [
  latencyScenario(
    'latency-uniform',
    'uniform 5..15 ms per crossing: RTT within 10..30 ms, mean 20 ms',
    { latency: { kind: 'uniform', min_ms: 5, max_ms: 15 } },
    [atLeast('rtt_min_ms', 10), atMost('rtt_min_ms', 12), atMost('rtt_max_ms', 30), atLeast('rtt_max_ms', 28), near('rtt_mean_ms', 20, 0.03)],
  ),
  latencyScenario(
    'latency-normal',
    'normal(20 ms, 4 ms) per crossing: RTT mean 40 ms, p50 40 ms, spread of several sigma',
    { latency: { kind: 'normal', mean_ms: 20, stddev_ms: 4 } },
    [near('rtt_mean_ms', 40, 0.03), near('rtt_p50_ms', 40, 0.05), atLeast('rtt_spread_ms', 20)],
  ),
  latencyScenario(
    'latency-function',
    'a user function (5 ms, or 50 ms one time in ten): RTTs of 10, 55 or 100 ms, mean 19 ms',
    { latency: { kind: 'function', sample: bimodal } },
    [equal('rtt_min_ms', 10), equal('rtt_p50_ms', 10), equal('rtt_max_ms', 100), near('rtt_mean_ms', 19, 0.1)],
  ),
  latencyScenario(
    'jitter',
    '20 ms ± 5 ms jitter per crossing: RTT within 30..50 ms, spread over 15 ms',
    { latency: { kind: 'fixed', ms: 20 }, jitter_ms: 5 },
    [atLeast('rtt_min_ms', 30), atMost('rtt_max_ms', 50), atLeast('rtt_spread_ms', 15), near('rtt_mean_ms', 40, 0.03)],
    ['link', 'default'],
  ),
];
