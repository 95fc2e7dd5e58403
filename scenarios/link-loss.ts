// Random loss on a link. Bernoulli loss of 10% on the client's link (both directions) must be
// measured as 10% each way within a 10% tolerance, and as 1 - 0.9² = 19% round trip; every
// lost ping is exactly one `loss` drop. Gilbert–Elliott loss must come in bursts, far longer
// than Bernoulli loss of the same rate would give.
import { gilbertElliottStationaryLoss, type LinkConfig, type LossConfig } from '../runtime-sim/link.ts';
import { echoFigures, lossBursts, round, startEchoClient, startEchoServer } from './kit/echo.ts';
import { publicPair, SERVER_IP } from './kit/topology.ts';
import { atLeast, equal, holds, near } from './expect.ts';
import type { Outcome, Scenario } from './scenario.ts';
import type { Simulator } from '../runtime-sim/index.ts';

/** Enough pings that 10% tolerance on a 10% rate is more than four standard deviations. */
const PINGS = 20_000;
const INTERVAL_MS = 1;
/** The no-loss control needs no statistics, only zeros. */
const CONTROL_PINGS = 2_000;

function runLossy(sim: Simulator, link: LinkConfig, pings = PINGS): Outcome {
  const { client: clientHost, server: serverHost } = publicPair(sim, { latency: { kind: 'fixed', ms: 5 }, ...link }, {});
  const { address, server } = startEchoServer(sim, serverHost, SERVER_IP);
  const client = startEchoClient(sim, clientHost, {
    server: address,
    count: pings,
    interval_ms: INTERVAL_MS,
    timeout_ms: 200,
    pong_events: false,
  });
  sim.at(0, () => client.start());
  sim.runUntil(pings * INTERVAL_MS + 1_000);
  const stats = client.client.stats();
  const serverStats = server.stats();
  const bursts = lossBursts(client.events);
  const meanBurst = bursts.length === 0 ? 0 : bursts.reduce((a, b) => a + b, 0) / bursts.length;
  return {
    ...echoFigures(stats),
    up_loss: round(1 - serverStats.pings / stats.sent, 4),
    down_loss: round(1 - stats.pongs / serverStats.pongs_sent, 4),
    loss_drops: sim.stats.drops['loss'] ?? 0,
    bursts: bursts.length,
    mean_burst: round(meanBurst),
    // A Bernoulli channel with the same loss rate has mean burst 1 / (1 - loss).
    burstiness: round(meanBurst * (1 - stats.loss_ratio)),
  };
}

const bernoulli: LossConfig = { kind: 'bernoulli', p: 0.1 };
const gilbert: Extract<LossConfig, { kind: 'gilbert-elliott' }> = {
  kind: 'gilbert-elliott',
  p_good_to_bad: 0.01,
  p_bad_to_good: 0.2,
  loss_good: 0,
  loss_bad: 0.8,
};
const gilbertPerCrossing = gilbertElliottStationaryLoss(gilbert);

export const linkLoss: Scenario[] = [
  {
    name: 'link/loss-bernoulli-10',
    description: '10% Bernoulli loss each way: measured 10% ±10% per direction, 19% round trip',
    suites: ['default', 'link'],
    figures: ['sent', 'up_loss', 'down_loss', 'loss', 'mean_burst'],
    run: (sim) => runLossy(sim, { loss: bernoulli }),
    expectations: [
      near('up_loss', 0.1, 0.1),
      near('down_loss', 0.1, 0.1),
      near('loss', 1 - 0.9 * 0.9, 0.1),
      holds('every lost ping is one loss drop', (o) => (o.lost === o.loss_drops ? true : `lost ${o.lost} but ${o.loss_drops} loss drops`)),
      near('burstiness', 1, 0.15),
    ],
  },
  {
    name: 'link/loss-gilbert-elliott',
    description: `Gilbert–Elliott bursts (${round(gilbertPerCrossing * 100, 1)}% stationary loss each way): loss comes in bursts`,
    suites: ['default', 'link'],
    figures: ['sent', 'up_loss', 'down_loss', 'loss', 'mean_burst', 'burstiness'],
    run: (sim) => runLossy(sim, { loss: gilbert }),
    // Bursts make the measured rate noisy: 20k datagrams hold only ~190 bad periods, so the
    // rate has ~10% relative deviation; ±40% is four standard deviations.
    expectations: [
      near('up_loss', gilbertPerCrossing, 0.4),
      near('down_loss', gilbertPerCrossing, 0.4),
      atLeast('mean_burst', 2),
      atLeast('burstiness', 2),
      holds('every lost ping is one loss drop', (o) => (o.lost === o.loss_drops ? true : `lost ${o.lost} but ${o.loss_drops} loss drops`)),
    ],
  },
  {
    name: 'link/loss-none',
    description: 'the same run with no loss configured: nothing lost, no loss drops',
    suites: ['link'],
    figures: ['sent', 'loss', 'rtt_p50_ms'],
    run: (sim) => runLossy(sim, {}, CONTROL_PINGS),
    expectations: [equal('lost', 0), equal('loss_drops', 0), equal('answered', CONTROL_PINGS)],
  },
];
