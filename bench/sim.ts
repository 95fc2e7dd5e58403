// `peerlab bench sim`: how fast the simulator is, measured against its own event queue in the
// same run (absolute rates on a shared 2-core box mean little; the ratio travels). Rates are
// per CPU-second of this process, so neighbours on the box do not count against us. Figures:
//   1. raw event-queue rate: push+pop pairs per second with 10,000 events pending (baseline);
//   2. delivered datagrams/s of an echo storm among 10,000 hosts behind a mix of NATs
//      (tracing off), and its ratio to the raw queue rate;
//   3. the same storm tracing every record to a JSONL file;
//   4. the same storm driven by protocol/echo's real client and server (for information);
//   5. heap for 100,000 idle hosts (each with a bound, idle machine).
// Run: `npx tsx bench/sim.ts [--json]` or `npm run bench -- sim`.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { addr } from '../protocol/core/addr.ts';
import type { Addr } from '../protocol/core/addr.ts';
import type { Machine, Transmit } from '../protocol/core/machine.ts';
import type { Millis } from '../protocol/core/time.ts';
import { EchoClient, EchoServer } from '../protocol/echo/index.ts';
import { ChunkSink, EventQueue, Simulator } from '../runtime-sim/index.ts';
import type { Host, TraceSink } from '../runtime-sim/index.ts';
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';

const QUEUE_PENDING = 10_000;
const QUEUE_OPS = 5_000_000;
const STORM_HOSTS = 10_000;
const STORM_SERVERS = 500;
/** Pings each client keeps in flight. */
const STORM_WINDOW = 4;
const HOSTS_PER_NAT = 50;
const IDLE_HOSTS = 100_000;
const ECHO_PORT = 7;
const CLIENT_PORT = 40_000;
const TARGET_DELIVERED_PER_S = 1_000_000;
const TARGET_QUEUE_SHARE = 0.25;
const TARGET_TRACED_PER_S = 250_000;
const TARGET_IDLE_BYTES = 1024 ** 3;

/** A reusable Transmit: drivers copy what they need and never keep the object. */
class Outgoing implements Transmit {
  remote!: Addr;
  data!: Uint8Array;
  local: Addr | undefined;
}

/**
 * Answers each datagram to its sender (the bench's own minimal echo server). It keeps at most
 * one reply, since the driver drains it after every datagram.
 */
class StormServer implements Machine<never, never> {
  private readonly out = new Outgoing();
  private pending = false;
  handleDatagram(_now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.out.remote = remote;
    this.out.data = data;
    this.out.local = local;
    this.pending = true;
  }
  handleTimeout(): void {}
  handleCommand(): void {}
  pollTransmit(): Transmit | undefined {
    if (!this.pending) return undefined;
    this.pending = false;
    return this.out;
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): undefined {
    return undefined;
  }
}

/** Keeps STORM_WINDOW pings in flight to one server; each reply triggers the next ping. */
class StormClient implements Machine<never, never> {
  private pending = STORM_WINDOW;
  replies = 0;
  private readonly out = new Outgoing();
  constructor(server: Addr) {
    this.out.remote = server;
    this.out.data = Uint8Array.of(0xe0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  handleDatagram(): void {
    this.replies++;
    this.pending++;
  }
  handleTimeout(): void {}
  handleCommand(): void {}
  pollTransmit(): Transmit | undefined {
    if (this.pending === 0) return undefined;
    this.pending--;
    return this.out;
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): undefined {
    return undefined;
  }
}

const PRESETS = ['port-restricted-cone', 'symmetric', 'full-cone', 'linux-masquerade', 'restricted-cone'] as const;

interface Storm {
  sim: Simulator;
  clients: Host[];
  servers: Addr[];
}

/**
 * 10,000 hosts: STORM_SERVERS public echo servers and the rest clients, 50 per home NAT with
 * the presets in rotation; every fifth NAT sits behind a shared CGNAT (NAT444). LAN links are
 * 0.2 ms, NAT uplinks 5-24 ms, servers 2 ms.
 */
function buildStorm(seed: number, trace: TraceSink | undefined, server: () => Machine<unknown, unknown> = () => new StormServer()): Storm {
  const sim = new Simulator({ seed, trace, scenario: 'bench-storm' });
  const cgnat = sim.addNat({
    name: 'cgn',
    preset: 'cgnat',
    externalIps: ['192.0.2.1', '192.0.2.2'],
    insideSubnet: '100.64.0.0/10'.replace('/10', '/16'),
    link: { latency: { kind: 'fixed', ms: 3 } },
  });
  const servers: Addr[] = [];
  for (let i = 0; i < STORM_SERVERS; i++) {
    const host = sim.addHost({ name: `s${i}`, role: 'server', link: { latency: { kind: 'fixed', ms: 2 } } });
    sim.run(host, server(), { port: ECHO_PORT });
    servers.push(addr(host.ips[0]!, ECHO_PORT));
  }
  const clients: Host[] = [];
  const clientCount = STORM_HOSTS - STORM_SERVERS;
  for (let n = 0; n * HOSTS_PER_NAT < clientCount; n++) {
    const behindCgn = n % 5 === 4;
    const nat = sim.addNat({
      name: `nat${n}`,
      preset: PRESETS[n % PRESETS.length]!,
      realm: behindCgn ? cgnat.inside : sim.internet,
      insideSubnet: `10.${n >> 8}.${n & 255}.0/24`,
      link: { latency: { kind: 'fixed', ms: 5 + (n % 20) } },
    });
    for (let i = 0; i < HOSTS_PER_NAT && clients.length < clientCount; i++) {
      clients.push(sim.addHost({ name: `c${clients.length}`, realm: nat.inside }));
    }
  }
  return { sim, clients, servers };
}

/**
 * CPU milliseconds this process has used. Rates are per CPU-second: on a 2-core box shared
 * with other jobs, wall time measures the neighbours as much as the simulator.
 */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface StormRun {
  /** Delivered datagrams per CPU-second. */
  rate: number;
  /** Delivered datagrams per wall-clock second. */
  wallRate: number;
  delivered: number;
  cpu_ms: number;
  wall_ms: number;
  eventsPerDelivered: number;
}

function runStorm(
  storm: Storm,
  virtual_ms: number,
  machine: (server: Addr, sim: Simulator) => Machine<unknown, unknown>,
  startCommand?: unknown,
): StormRun {
  const { sim, clients, servers } = storm;
  clients.forEach((host, i) => {
    const handle = sim.run(host, machine(servers[i % servers.length]!, sim), { port: CLIENT_PORT });
    if (startCommand !== undefined) handle.command(startCommand);
  });
  // Warm up (NAT mappings, JIT) before timing.
  sim.runFor(100);
  const before = sim.stats.delivered;
  const dispatchedBefore = sim.stats.dispatched;
  const start = performance.now();
  const startCpu = cpuMs();
  sim.runFor(virtual_ms);
  const cpu_ms = cpuMs() - startCpu;
  const wall_ms = performance.now() - start;
  const delivered = sim.stats.delivered - before;
  return {
    rate: (delivered / cpu_ms) * 1000,
    wallRate: (delivered / wall_ms) * 1000,
    delivered,
    cpu_ms,
    wall_ms,
    eventsPerDelivered: (sim.stats.dispatched - dispatchedBefore) / delivered,
  };
}

function queueRate(): number {
  const q = new EventQueue();
  const slots: number[] = [];
  // Delays drawn once, up front, so the loop measures the heap alone.
  const delays = new Float64Array(4096);
  let x = 12345;
  for (let i = 0; i < delays.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    delays[i] = (x % 100_000) / 1000;
  }
  for (let i = 0; i < QUEUE_PENDING; i++) {
    const slot = q.alloc();
    slots.push(slot);
    q.schedule(slot, delays[i & 4095]!);
  }
  const run = (ops: number): number => {
    const start = cpuMs();
    for (let i = 0; i < ops; i++) {
      const slot = q.pop();
      q.schedule(slot, q.poppedTime + delays[i & 4095]!);
    }
    return cpuMs() - start;
  };
  run(QUEUE_OPS / 10); // warm-up
  const ms = run(QUEUE_OPS);
  return (QUEUE_OPS / ms) * 1000;
}

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function idleHostsBytes(): number {
  const gc = gcFunction();
  gc();
  const before = process.memoryUsage();
  const sim = new Simulator({ seed: 1 });
  const perNat = 250;
  let made = 0;
  for (let n = 0; made < IDLE_HOSTS; n++) {
    const nat = sim.addNat({ name: `nat${n}`, preset: PRESETS[n % PRESETS.length]!, insideSubnet: `10.${n >> 8}.${n & 255}.0/24` });
    for (let i = 0; i < perNat && made < IDLE_HOSTS; i++, made++) {
      const host = sim.addHost({ name: `h${made}`, realm: nat.inside });
      sim.run(host, new StormServer(), { port: ECHO_PORT });
    }
  }
  sim.runFor(1000);
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  if (sim.stats.sent !== 0) throw new Error('idle hosts sent datagrams');
  return bytes;
}

/** The traced storm's file: runtime-sim's ChunkSink, its chunks appended with writeSync. */
function fileSink(path: string): { sink: TraceSink; close(): void } {
  const fd = openSync(path, 'w');
  const sink = new ChunkSink((chunk) => writeSync(fd, chunk));
  return { sink, close: () => (sink.flush(), closeSync(fd)) };
}

function figure(name: string, value: number, unit: string, extra: Partial<BenchFigure> = {}): BenchFigure {
  return { name, value: Math.round(value), unit, ...extra };
}

export async function run(options: Partial<BenchOptions> = {}): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  log('raw event queue...');
  const queueBefore = queueRate();
  log(`  ${Math.round(queueBefore)} ops/s`);
  log('storm, tracing off...');
  const off = runStorm(buildStorm(1, undefined), 1_000, (server) => new StormClient(server));
  log(`  ${Math.round(off.rate)} delivered/s (${off.delivered} in ${off.wall_ms.toFixed(0)} ms)`);
  log('storm, tracing to a file...');
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-bench-'));
  const file = fileSink(join(dir, 'storm.jsonl'));
  const on = runStorm(buildStorm(1, file.sink), 300, (server) => new StormClient(server));
  log(`  ${Math.round(on.rate)} delivered/s (${on.delivered} in ${on.wall_ms.toFixed(0)} ms)`);
  file.close();
  const traceBytes = statSync(join(dir, 'storm.jsonl')).size;
  rmSync(dir, { recursive: true, force: true });
  log('storm with protocol/echo...');
  const echo = runStorm(
    buildStorm(1, undefined, () => new EchoServer() as Machine<unknown, unknown>),
    30,
    (server, sim) => new EchoClient({ server, interval_ms: 1, pong_events: false, timeout_ms: 1_000 }, sim.rng.fork()) as Machine<unknown, unknown>,
    { type: 'start' },
  );
  log(`  ${Math.round(echo.rate)} delivered/s (${echo.delivered} in ${echo.cpu_ms.toFixed(0)} ms CPU)`);
  // The baseline is measured before and after the storms; their mean evens out drift in
  // what the neighbours on this shared box are doing.
  const queueAfter = queueRate();
  const queue = (queueBefore + queueAfter) / 2;
  log(`raw event queue again: ${Math.round(queueAfter)} ops/s (mean ${Math.round(queue)})`);
  log('100,000 idle hosts...');
  const idle = idleHostsBytes();
  const share = off.rate / queue;
  const figures: BenchFigure[] = [
    figure('event queue push+pop (10k pending), baseline', queue, 'ops/s'),
    figure('storm delivered, tracing off', off.rate, 'datagrams/s', {
      baseline: Math.round(queue),
      ratio: share,
      target: `>= ${TARGET_DELIVERED_PER_S.toLocaleString('en')}/s and >= ${TARGET_QUEUE_SHARE * 100}% of queue`,
      met: off.rate >= TARGET_DELIVERED_PER_S && share >= TARGET_QUEUE_SHARE,
    }),
    figure('storm delivered, tracing to file', on.rate, 'datagrams/s', {
      baseline: Math.round(off.rate),
      ratio: on.rate / off.rate,
      target: `>= ${TARGET_TRACED_PER_S.toLocaleString('en')}/s`,
      met: on.rate >= TARGET_TRACED_PER_S,
    }),
    figure('storm delivered, protocol/echo client+server', echo.rate, 'datagrams/s', { baseline: Math.round(off.rate), ratio: echo.rate / off.rate }),
    figure('heap for 100,000 idle hosts', idle, 'bytes', {
      baseline: TARGET_IDLE_BYTES,
      ratio: idle / TARGET_IDLE_BYTES,
      target: '< 1 GiB',
      met: idle < TARGET_IDLE_BYTES,
    }),
  ];
  const notes = [
    `storm: ${STORM_HOSTS} hosts (${STORM_SERVERS} public echo servers, clients 50 per NAT over ${PRESETS.join('/')}, every 5th NAT behind a CGNAT), ${STORM_WINDOW} pings in flight per client`,
    `rates are per CPU-second of this process (process.cpuUsage); the box is shared, so wall-clock rates are lower: tracing off ${Math.round(off.wallRate)}/s, traced ${Math.round(on.wallRate)}/s`,
    `tracing off: ${off.delivered} delivered in ${off.cpu_ms.toFixed(0)} ms CPU, ${off.eventsPerDelivered.toFixed(2)} queue events per delivery; traced: ${on.delivered} delivered in ${on.cpu_ms.toFixed(0)} ms CPU, ${(traceBytes / 1e6).toFixed(1)} MB of JSONL`,
    `queue baseline: ${Math.round(queueBefore)} ops/s before the storms, ${Math.round(queueAfter)} after`,
    `hosts in the storm sit on ideal LAN links behind NATs whose uplinks have 5-24 ms; servers have 2 ms links`,
    `idle hosts: ${(idle / 1024 / 1024).toFixed(1)} MiB heap+buffers, ${(idle / IDLE_HOSTS).toFixed(0)} bytes/host`,
  ];
  const result: BenchResult = { name: 'sim', figures, notes };
  if (!options.json && options.log === undefined) {
    for (const f of figures) {
      const extra = f.ratio === undefined ? '' : `  (baseline ${f.baseline?.toLocaleString('en')}, ratio ${f.ratio.toFixed(3)}${f.target ? `, target ${f.target}: ${f.met ? 'met' : 'MISSED'}` : ''})`;
      console.log(`${f.name}: ${f.value.toLocaleString('en')} ${f.unit}${extra}`);
    }
    for (const note of notes) console.log(note);
  }
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const json = process.argv.includes('--json');
  const result = await run({ json });
  if (json) console.log(JSON.stringify(result));
}
