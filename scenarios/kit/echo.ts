// Helpers every echo scenario uses: start an echo server or client on a simulated host, and
// turn a client's statistics into Outcome figures with stable names.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { EchoClient, type EchoClientCommand } from '../../protocol/echo/client.ts';
import type { EchoClientConfig } from '../../protocol/echo/config.ts';
import type { EchoClientEvent, EchoClientStats, EchoServerEvent } from '../../protocol/echo/events.ts';
import { EchoServer, type EchoServerCommand } from '../../protocol/echo/server.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import type { Outcome } from '../scenario.ts';

/** The echo service's port (RFC 862 used 7 for TCP/UDP echo). */
export const ECHO_PORT = 7;
/** Default port of echo clients. */
export const CLIENT_PORT = 5000;

type SimHost = Parameters<Simulator['run']>[0];

export interface RunningServer {
  readonly server: EchoServer;
  readonly address: Addr;
}

export function startEchoServer(sim: Simulator, host: SimHost, ip: string, port = ECHO_PORT): RunningServer {
  const server = new EchoServer();
  sim.run<EchoServerCommand, EchoServerEvent>(host, server, { port });
  return { server, address: addr(ip, port) };
}

export interface RunningClient {
  readonly client: EchoClient;
  readonly events: readonly EchoClientEvent[];
  start(command?: Omit<Extract<EchoClientCommand, { type: 'start' }>, 'type'>): void;
  stop(): void;
}

/** An echo client on `host:port`; nothing is sent until start(). It draws from the simulator's one seeded stream. */
export function startEchoClient(sim: Simulator, host: SimHost, config: EchoClientConfig, port = CLIENT_PORT): RunningClient {
  const client = new EchoClient(config, sim.rng);
  const handle = sim.run<EchoClientCommand, EchoClientEvent>(host, client, { port });
  return {
    client,
    get events() {
      return handle.events;
    },
    start: (command = {}) => handle.command({ type: 'start', ...command }),
    stop: () => handle.command({ type: 'stop' }),
  };
}

/** Starts the clients together at t = 0, in the order given (each with its configured run). */
export function startTogether(sim: Simulator, ...clients: readonly RunningClient[]): void {
  sim.at(0, () => {
    for (const client of clients) client.start();
  });
}

/** Rounds a figure for the outcome table (full precision stays in the trace). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The standard echo figures, optionally prefixed (`big_lost`, …) when a scenario has several clients. */
export function echoFigures(stats: EchoClientStats, prefix = ''): Outcome {
  const p = prefix ? `${prefix}_` : '';
  return {
    [`${p}sent`]: stats.sent,
    [`${p}answered`]: stats.answered,
    [`${p}lost`]: stats.lost,
    [`${p}loss`]: round(stats.loss_ratio, 4),
    [`${p}duplicates`]: stats.duplicates,
    [`${p}reordered`]: stats.reordered,
    [`${p}late`]: stats.late,
    [`${p}rtt_min_ms`]: round(stats.rtt.min_ms),
    [`${p}rtt_mean_ms`]: round(stats.rtt.mean_ms),
    [`${p}rtt_p50_ms`]: round(stats.rtt.p50_ms),
    [`${p}rtt_p99_ms`]: round(stats.rtt.p99_ms),
    [`${p}rtt_max_ms`]: round(stats.rtt.max_ms),
  };
}

/** Runs of consecutive lost sequence numbers, from a client's `lost` events. */
export function lossBursts(events: readonly EchoClientEvent[]): number[] {
  const bursts: number[] = [];
  let previous = -2;
  for (const event of events) {
    if (event.type !== 'lost') continue;
    if (event.seq === previous + 1) bursts[bursts.length - 1]!++;
    else bursts.push(1);
    previous = event.seq;
  }
  return bursts;
}

/** Pings a client received from `from` (ip:port text), from its `echo-ping` events. */
export function pingsFrom(events: readonly EchoClientEvent[], from: string): number {
  let count = 0;
  for (const event of events) if (event.type === 'echo-ping' && event.from === from) count++;
  return count;
}

/**
 * Writes a `stats` trace line for `node` every `every_ms` until `until_ms` with the client's
 * running figures, so the viewer can chart RTT and loss over time.
 */
export function sampleEcho(sim: Simulator, node: string, client: EchoClient, every_ms: number, until_ms: number): void {
  for (let t = every_ms; t <= until_ms; t += every_ms) {
    sim.at(t, () => {
      const stats = client.stats();
      const data: Record<string, number> = { sent: stats.sent, answered: stats.answered, lost: stats.lost };
      if (stats.rtt.samples > 0) {
        data.rtt_p50_ms = stats.rtt.p50_ms;
        data.rtt_p99_ms = stats.rtt.p99_ms;
      }
      sim.sample(node, data);
    });
  }
}
