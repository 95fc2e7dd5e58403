// The smallest scenario: a client and a server on the internet over clean 10 ms links. Every
// ping crosses four links (client up, server down, server up, client down), so the RTT must be
// exactly 40 ms with no loss. If this fails, nothing else can be trusted.
import { echoFigures, startEchoClient, startEchoServer } from './kit/echo.ts';
import { fixed, publicPair, SERVER_IP } from './kit/topology.ts';
import { atLeast, equal } from './expect.ts';
import type { Scenario } from './scenario.ts';

const PINGS = 100;

export const echoBasic: Scenario = {
  name: 'echo-basic',
  description: 'echo over clean 10 ms links: RTT exactly 40 ms, no loss',
  suites: ['default', 'link'],
  figures: ['answered', 'loss', 'rtt_min_ms', 'rtt_p50_ms', 'rtt_max_ms'],
  run(sim) {
    const { client: clientHost, server: serverHost } = publicPair(sim, fixed(10), fixed(10));
    const { address } = startEchoServer(sim, serverHost, SERVER_IP);
    const client = startEchoClient(sim, clientHost, { server: address, count: PINGS, interval_ms: 20 });
    sim.at(0, () => client.start());
    sim.runUntil(PINGS * 20 + 3_000);
    return { ...echoFigures(client.client.stats()), delivered: sim.stats.delivered };
  },
  expectations: [
    equal('answered', PINGS),
    equal('lost', 0),
    equal('rtt_min_ms', 40),
    equal('rtt_max_ms', 40),
    equal('duplicates', 0),
    atLeast('delivered', PINGS * 2),
  ],
};
