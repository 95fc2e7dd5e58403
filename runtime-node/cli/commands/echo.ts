// `peerlab echo`: the echo protocol on real UDP sockets, the same machines the simulator runs.
//   peerlab echo --listen 0.0.0.0:7007                 serve until interrupted (or --duration)
//   peerlab echo 203.0.113.5:7007 --count 100          ping it and print RTT/loss figures
import { formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { EchoClient, type EchoClientCommand } from '../../../protocol/echo/client.ts';
import type { EchoClientEvent, EchoClientStats, EchoServerEvent } from '../../../protocol/echo/events.ts';
import { EchoServer, type EchoServerCommand } from '../../../protocol/echo/server.ts';
import { bindAddr, Driver } from '../../driver.ts';
import { NodeRng } from '../../node-rng.ts';
import { realHeaderRecord, TraceFile } from '../../trace-file.ts';
import { addrArg, bindArg, booleanFlag, parseArgs, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { formatNumber, renderTable } from '../table.ts';

const usage = `usage: peerlab echo --listen <host:port> [--duration MS] [--trace FILE]
       peerlab echo <host:port> [--count N] [--interval MS] [--size BYTES] [--timeout MS]
                    [--bind <host:port>] [--trace FILE] [--json]

Runs the echo protocol (protocol/echo) on real UDP sockets. The server answers every ping;
the client sends --count pings (default 10) every --interval ms (default 200), waits --timeout
ms (default 2000) for the last, and prints RTT min/mean/p50/p99/max, loss, duplicates and
reordering. Exits 1 if every ping was lost.`;

const OPTIONS = {
  listen: 'string',
  duration: 'string',
  count: 'string',
  interval: 'string',
  size: 'string',
  timeout: 'string',
  bind: 'string',
  trace: 'string',
  json: 'boolean',
} as const;

/** Most pings one run may ask for (the client's tables are bounded anyway). */
const COUNT_MAX = 1_000_000;

function numberFlag(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw new UsageError(`--${name} must be a number in ${min}..${max}`);
  return value;
}

function traceFor(path: string | undefined, node: string): TraceFile | undefined {
  if (path === undefined) return undefined;
  return new TraceFile(path, realHeaderRecord({ scenario: `echo-${node}`, started: new Date(), nodes: [{ name: node, type: node === 'server' ? 'server' : 'host' }] }));
}

export function statsTable(stats: EchoClientStats): string {
  const rtt = stats.rtt;
  return renderTable(
    [
      { title: 'sent', align: 'right' },
      { title: 'answered', align: 'right' },
      { title: 'loss', align: 'right' },
      { title: 'dup', align: 'right' },
      { title: 'reord', align: 'right' },
      { title: 'min ms', align: 'right' },
      { title: 'mean ms', align: 'right' },
      { title: 'p50 ms', align: 'right' },
      { title: 'p99 ms', align: 'right' },
      { title: 'max ms', align: 'right' },
    ],
    [[stats.sent, stats.answered, `${formatNumber(stats.loss_ratio * 100, 1)}%`, stats.duplicates, stats.reordered, rtt.min_ms, rtt.mean_ms, rtt.p50_ms, rtt.p99_ms, rtt.max_ms]],
  );
}

async function serve(listen: Addr, duration_ms: number | undefined, tracePath: string | undefined): Promise<number> {
  const trace = traceFor(tracePath, 'server');
  const server = new EchoServer({ reply_from_arrival: true });
  const driver = await Driver.start<EchoServerCommand, EchoServerEvent>(server, { bind: [listen], node: 'server', trace });
  process.stderr.write(`echo server on ${driver.localAddresses.map(formatAddr).join(', ')}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (duration_ms !== undefined) setTimeout(stop, duration_ms).unref();
  });
  await driver.close();
  trace?.close();
  const stats = server.stats();
  process.stdout.write(`served ${stats.pings} pings from ${stats.clients} clients\n`);
  return EXIT_OK;
}

export interface PingOptions {
  readonly target: Addr;
  readonly bind?: Addr;
  readonly count: number;
  readonly interval_ms: number;
  readonly payload_bytes: number;
  readonly timeout_ms: number;
  readonly trace?: string;
}

/** Runs an echo client on a real socket until every ping is judged; resolves to its stats. */
export async function ping(options: PingOptions): Promise<EchoClientStats> {
  const trace = traceFor(options.trace, 'client');
  const client = new EchoClient(
    {
      server: options.target,
      count: options.count,
      interval_ms: options.interval_ms,
      payload_bytes: options.payload_bytes,
      payload_bytes_max: Math.max(1_472, options.payload_bytes),
      timeout_ms: options.timeout_ms,
    },
    new NodeRng(),
  );
  const bind = options.bind ?? (options.target.family === 6 ? bindAddr('[::]:0') : bindAddr('0.0.0.0:0'));
  const driver = await Driver.start<EchoClientCommand, EchoClientEvent>(client, { bind: [bind], node: 'client', trace });
  try {
    const done = driver.waitFor(
      (event) => event.type === 'echo-done',
      options.count * options.interval_ms + options.timeout_ms + 5_000,
    );
    driver.command({ type: 'start' });
    await done;
  } finally {
    await driver.close();
    trace?.close();
  }
  return client.stats();
}

export const command: CliCommand = {
  name: 'echo',
  summary: 'echo server or RTT/loss pinger on real UDP: peerlab echo --listen :7007 / peerlab echo host:7007',
  usage,
  async run(args) {
    const parsed = parseArgs(args, OPTIONS);
    const listen = stringFlag(parsed, 'listen');
    if (listen !== undefined) {
      if (parsed.positionals.length > 0) throw new UsageError('give --listen or a target, not both');
      const duration = stringFlag(parsed, 'duration');
      return serve(bindArg(listen, '--listen'), duration === undefined ? undefined : numberFlag(duration, 'duration', 0, 1, 2 ** 31 - 1), stringFlag(parsed, 'trace'));
    }
    if (parsed.positionals.length !== 1) throw new UsageError('name one target host:port (or --listen host:port)');
    const stats = await ping({
      target: addrArg(parsed.positionals[0]!, 'target'),
      bind: stringFlag(parsed, 'bind') === undefined ? undefined : bindArg(stringFlag(parsed, 'bind')!, '--bind'),
      count: numberFlag(stringFlag(parsed, 'count'), 'count', 10, 1, COUNT_MAX),
      interval_ms: numberFlag(stringFlag(parsed, 'interval'), 'interval', 200, 0.1, 3_600_000),
      payload_bytes: numberFlag(stringFlag(parsed, 'size'), 'size', 32, 0, 65_000),
      timeout_ms: numberFlag(stringFlag(parsed, 'timeout'), 'timeout', 2_000, 1, 600_000),
      trace: stringFlag(parsed, 'trace'),
    });
    process.stdout.write(`${statsTable(stats)}\n`);
    if (booleanFlag(parsed, 'json')) {
      process.stdout.write(`${JSON.stringify(stats, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
    }
    return stats.answered > 0 ? EXIT_OK : EXIT_FAILED;
  },
};
