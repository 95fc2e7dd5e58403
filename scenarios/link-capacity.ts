// Capacity limits of a link: a bandwidth-limited link with a drop-tail byte queue (offered 4x
// its rate, it delivers its rate, drops the excess as `queue`, and the queue adds delay), and
// an MTU that drops every datagram larger than itself as `mtu` while smaller ones pass.
import { ECHO_OVERHEAD_BYTES } from '../protocol/echo/codec.ts';
import { echoFigures, round, sampleEcho, startEchoClient, startEchoServer, startTogether } from './kit/echo.ts';
import { publicPair, SERVER_IP } from './kit/topology.ts';
import { atLeast, equal, holds, near } from './expect.ts';
import type { Scenario } from './scenario.ts';

const BANDWIDTH_BPS = 1_000_000;
const QUEUE_BYTES = 8_192;
const PAYLOAD_BYTES = 1_000;
const INTERVAL_MS = 2; // 1016-byte datagrams every 2 ms: about 4 Mbit/s offered
const PINGS = 2_000;

const bandwidthQueue: Scenario = {
  name: 'link/bandwidth-queue',
  description: '4 Mbit/s offered into a 1 Mbit/s link with an 8 KiB queue: ~1 Mbit/s through, the rest queue drops',
  suites: ['default', 'link'],
  figures: ['sent', 'throughput_bps', 'queue_drops', 'rtt_p50_ms', 'rtt_max_ms'],
  run(sim) {
    const link = { latency: { kind: 'fixed' as const, ms: 5 }, bandwidth_bps: BANDWIDTH_BPS, queue_bytes: QUEUE_BYTES };
    const { client: clientHost, server: serverHost } = publicPair(sim, link, {});
    const { address, server } = startEchoServer(sim, serverHost, SERVER_IP);
    const client = startEchoClient(sim, clientHost, {
      server: address,
      count: PINGS,
      interval_ms: INTERVAL_MS,
      payload_bytes: PAYLOAD_BYTES,
      pong_events: false,
    });
    sim.at(0, () => client.start());
    const sending_ms = PINGS * INTERVAL_MS;
    sampleEcho(sim, 'client', client.client, 250, sending_ms);
    sim.runUntil(sending_ms + 3_000);
    const datagramBits = (PAYLOAD_BYTES + ECHO_OVERHEAD_BYTES) * 8;
    // The queue keeps draining for about queue_bytes * 8 / bandwidth after the last send.
    const drain_ms = (QUEUE_BYTES * 8 * 1_000) / BANDWIDTH_BPS;
    return {
      ...echoFigures(client.client.stats()),
      throughput_bps: Math.round((server.stats().pings * datagramBits * 1_000) / (sending_ms + drain_ms)),
      queue_drops: sim.stats.drops['queue'] ?? 0,
      queue_delay_ms: round(drain_ms),
    };
  },
  expectations: [
    near('throughput_bps', BANDWIDTH_BPS, 0.1),
    atLeast('queue_drops', PINGS / 2),
    holds('every lost ping is a queue drop', (o) => (o.lost === o.queue_drops ? true : `lost ${o.lost}, queue drops ${o.queue_drops}`)),
    // A full queue ahead of a ping delays it by most of queue_delay_ms.
    holds('a full queue delays pings', (o) =>
      (o.rtt_max_ms as number) >= 0.7 * (o.queue_delay_ms as number) ? true : `rtt_max ${o.rtt_max_ms} ms, queue ${o.queue_delay_ms} ms`,
    ),
  ],
};

const MTU_BYTES = 576;

const mtu: Scenario = {
  name: 'link/mtu',
  description: 'a 576-byte MTU: 116-byte pings all pass, 1016-byte pings are all dropped as mtu',
  suites: ['default', 'link'],
  figures: ['small_answered', 'small_lost', 'big_sent', 'big_lost', 'mtu_drops'],
  run(sim) {
    const { client: clientHost, server: serverHost } = publicPair(sim, { latency: { kind: 'fixed', ms: 5 }, mtu_bytes: MTU_BYTES }, {});
    const { address } = startEchoServer(sim, serverHost, SERVER_IP);
    const small = startEchoClient(sim, clientHost, { server: address, count: 100, interval_ms: 10, payload_bytes: 100 }, 5000);
    const big = startEchoClient(sim, clientHost, { server: address, count: 100, interval_ms: 10, payload_bytes: 1_000 }, 5001);
    startTogether(sim, small, big);
    sim.runUntil(5_000);
    return {
      ...echoFigures(small.client.stats(), 'small'),
      ...echoFigures(big.client.stats(), 'big'),
      mtu_drops: sim.stats.drops['mtu'] ?? 0,
    };
  },
  expectations: [equal('small_answered', 100), equal('small_lost', 0), equal('big_lost', 100), equal('mtu_drops', 100)],
};

export const linkCapacity: Scenario[] = [bandwidthQueue, mtu];
