// Changing a link while traffic flows (sim.setLink): a 1 s burst of total loss in the middle
// of a run, traced as a fault, then the clean link restored. About ten pings die inside the
// burst, all as `loss` drops, and the pings after it are answered again.
import { echoFigures, startEchoClient, startEchoServer } from './kit/echo.ts';
import { fixed, publicPair, SERVER_IP } from './kit/topology.ts';
import { between, equal, holds } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 50;
const INTERVAL_MS = 100;
const BURST_FROM_MS = 2_000;
const BURST_MS = 1_000;

export const lossBurst: Scenario = {
  name: 'link/loss-burst',
  description: 'setLink mid-run: 1 s of 100% loss on the client link, then clean again: ~10 pings lost, all in the burst',
  suites: ['default', 'link'],
  figures: ['sent', 'lost', 'loss_drops', 'lost_outside_burst'],
  run(sim) {
    const { client: clientHost, server: serverHost } = publicPair(sim, fixed(10), fixed(10));
    const { address } = startEchoServer(sim, serverHost, SERVER_IP);
    const client = startEchoClient(sim, clientHost, { server: address, count: PINGS, interval_ms: INTERVAL_MS, timeout_ms: 1_000 });
    sim.at(0, () => client.start());
    sim.at(BURST_FROM_MS, () => {
      sim.setLink('client', { ...fixed(10), loss: { kind: 'bernoulli', p: 1 } });
      sim.fault('loss-burst', 'start', { node: 'client', loss: 1 }, 'client');
    });
    sim.at(BURST_FROM_MS + BURST_MS, () => {
      sim.setLink('client', fixed(10));
      sim.fault('loss-burst', 'end', { node: 'client' }, 'client');
    });
    sim.runUntil(PINGS * INTERVAL_MS + 2_000);
    // A ping is exposed to the burst if it or its pong (40 ms later) crosses the client link in it.
    const lostOutside = client.events.filter(
      (e) => e.type === 'lost' && (e.seq * INTERVAL_MS < BURST_FROM_MS - 40 || e.seq * INTERVAL_MS >= BURST_FROM_MS + BURST_MS),
    ).length;
    return { ...echoFigures(client.client.stats()), loss_drops: sim.stats.drops['loss'] ?? 0, lost_outside_burst: lostOutside, faults: sim.stats.faults };
  },
  expectations: [
    between('lost', 10, 11),
    holds('every lost ping is a loss drop', (o) => (o.lost === o.loss_drops ? true : `lost ${o.lost}, loss drops ${o.loss_drops}`)),
    equal('lost_outside_burst', 0),
    equal('faults', 2),
  ],
};
