// `peerlab bench mesh`: the mesh overlay at 1,000 peers in the simulator (plain datagrams, 1%
// loss, tracing off), Plumtree against plain flooding measured in the same run:
//   1. virtual-time compression: virtual seconds simulated per CPU-second (target >= 1,000x);
//   2. dissemination datagrams (GOSSIP, IHAVE, GRAFT, PRUNE, ACK) and bytes per broadcast per peer;
//   3. payload redundancy (RMR = payloads received / first deliveries - 1);
//   4. heap per peer (mesh machine + simulated host), after a forced GC;
//   5. control datagrams (IHAVE, GRAFT, PRUNE, ACK) per broadcast per peer in a burst of
//      10 broadcasts a second, with IHAVE batching (ihave_delay_ms 50) and without (0).
// Rates are per CPU-second of this process (process.cpuUsage), so neighbours on the shared
// box do not count against us. Run: `npm run bench -- mesh [--json]`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Simulator } from '../runtime-sim/index.ts';
import type { MeshLimits } from '../protocol/mesh/config.ts';
import { MeshWorld, perLinkLoss } from '../scenarios/mesh/world.ts';
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';

const PEERS = 1_000;
const JOIN_SPACING_MS = 5;
const SETTLE_MS = 15_000;
const BROADCASTS = 30;
const BROADCAST_EVERY_MS = 1_000;
const TARGET_COMPRESSION = 1_000;
const BURST = 20;
const BURST_EVERY_MS = 100;

interface Measured {
  readonly virtual_s_per_cpu_s: number;
  readonly datagrams_per_broadcast_per_peer: number;
  readonly bytes_per_broadcast_per_peer: number;
  readonly rmr: number;
  readonly heap_bytes_per_peer: number;
  readonly delivered: number;
  burst_control_per_broadcast_per_peer: number;
  burst_ihaves_per_broadcast_per_peer: number;
}

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function settledHeap(gc: () => void): Promise<number> {
  // Several collections with turns of the event loop between them, so the previous world
  // (and its finalisers) is really gone before we read the heap.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function measure(mode: 'plumtree' | 'flood', log: (line: string) => void, limits?: Partial<MeshLimits>): Promise<Measured> {
  const gc = gcFunction();
  const heapBefore = await settledHeap(gc);
  const sim = new Simulator({ seed: 'bench-mesh' });
  const world = new MeshWorld(sim, { peers: PEERS, mode, link_loss: perLinkLoss(0.01), latency_min_ms: 10, latency_max_ms: 40, join_spacing_ms: JOIN_SPACING_MS, limits });
  const start = PEERS * JOIN_SPACING_MS + SETTLE_MS;
  // Five warm-up broadcasts during the settle: RMR is measured after the tree settles.
  for (let w = 0; w < 5; w++) sim.at(start - 6_000 + w * 1_000, () => world.peers[(w * 101) % PEERS]!.handle.command({ type: 'send', packets: [`warm-up ${w}`] }));
  sim.runUntil(start);
  const heap_bytes_per_peer = ((await settledHeap(gc)) - heapBefore) / PEERS;
  const sum = (f: (p: (typeof world.peers)[0]) => number): number => world.peers.reduce((s, p) => s + f(p), 0);
  const datagrams0 = sum((p) => p.node.counters.dissemination_datagrams);
  const bytes0 = sum((p) => p.node.counters.dissemination_bytes);
  const payloads0 = sum((p) => p.node.plumtree.counters.payloads_received);
  const delivered0 = sum((p) => p.node.plumtree.counters.delivered);
  for (let b = 0; b < BROADCASTS; b++) {
    sim.at(start + b * BROADCAST_EVERY_MS, () => world.peers[(b * 37) % PEERS]!.handle.command({ type: 'send', packets: [`bench ${b}`] }));
  }
  const cpu0 = cpuSeconds();
  const virtual_ms = BROADCASTS * BROADCAST_EVERY_MS + 10_000;
  sim.runUntil(start + virtual_ms);
  const cpu = cpuSeconds() - cpu0;

  // Late warm-up copies can land in the window: count at most one delivery per peer and message.
  const delivered = Math.min(BROADCASTS * (PEERS - 1), sum((p) => p.node.plumtree.counters.delivered) - delivered0);
  const m: Measured = {
    virtual_s_per_cpu_s: virtual_ms / 1_000 / cpu,
    datagrams_per_broadcast_per_peer: (sum((p) => p.node.counters.dissemination_datagrams) - datagrams0) / BROADCASTS / PEERS,
    bytes_per_broadcast_per_peer: (sum((p) => p.node.counters.dissemination_bytes) - bytes0) / BROADCASTS / PEERS,
    rmr: (sum((p) => p.node.plumtree.counters.payloads_received) - payloads0) / delivered - 1,
    heap_bytes_per_peer,
    delivered: delivered / (BROADCASTS * (PEERS - 1)),
    burst_control_per_broadcast_per_peer: 0,
    burst_ihaves_per_broadcast_per_peer: 0,
  };
  // A burst (10 broadcasts a second), where announcements of close messages can share an IHAVE.
  const burstAt = start + virtual_ms;
  const control = (): { control: number; ihaves: number } => ({
    control: sum((p) => p.node.counters.dissemination_datagrams - p.node.plumtree.counters.payloads_sent),
    ihaves: sum((p) => p.node.plumtree.counters.ihaves_sent),
  });
  const c0 = control();
  for (let b = 0; b < BURST; b++) {
    sim.at(burstAt + b * BURST_EVERY_MS, () => world.peers[(b * 53 + 11) % PEERS]!.handle.command({ type: 'send', packets: [`burst ${b}`] }));
  }
  sim.runUntil(burstAt + BURST * BURST_EVERY_MS + 10_000);
  const c1 = control();
  m.burst_control_per_broadcast_per_peer = (c1.control - c0.control) / BURST / PEERS;
  m.burst_ihaves_per_broadcast_per_peer = (c1.ihaves - c0.ihaves) / BURST / PEERS;
  log(`${mode}${limits ? ` ${JSON.stringify(limits)}` : ''}: ${JSON.stringify(m)}`);
  return m;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const flood = await measure('flood', options.log);
  const plum = await measure('plumtree', options.log);
  const unbatched = await measure('plumtree', options.log, { ihave_delay_ms: 0 });
  const figure = (name: string, unit: string, value: number, baseline: number, target?: string, met?: boolean): BenchFigure => ({
    name,
    unit,
    value: Number(value.toPrecision(4)),
    baseline: Number(baseline.toPrecision(4)),
    ratio: Number((value / baseline).toPrecision(3)),
    ...(target === undefined ? {} : { target, met }),
  });
  return {
    name: 'mesh',
    figures: [
      figure('virtual-time compression, 1,000 peers, 1 broadcast/s (Plumtree; baseline flooding)', 'virtual s / CPU s', plum.virtual_s_per_cpu_s, flood.virtual_s_per_cpu_s, `>= ${TARGET_COMPRESSION}`, plum.virtual_s_per_cpu_s >= TARGET_COMPRESSION),
      figure('dissemination datagrams per broadcast per peer (Plumtree; baseline flooding)', 'datagrams', plum.datagrams_per_broadcast_per_peer, flood.datagrams_per_broadcast_per_peer, '< flooding', plum.datagrams_per_broadcast_per_peer < flood.datagrams_per_broadcast_per_peer),
      figure('dissemination bytes per broadcast per peer, 13-byte payload (Plumtree; baseline flooding)', 'bytes', plum.bytes_per_broadcast_per_peer, flood.bytes_per_broadcast_per_peer, '< flooding', plum.bytes_per_broadcast_per_peer < flood.bytes_per_broadcast_per_peer),
      figure('payload redundancy RMR (Plumtree; baseline flooding)', 'RMR', plum.rmr, flood.rmr, '<= 0.2', plum.rmr <= 0.2),
      figure('heap per peer, mesh machine + simulated host (Plumtree; baseline flooding)', 'bytes', plum.heap_bytes_per_peer, flood.heap_bytes_per_peer),
      figure('control datagrams per broadcast per peer, burst of 10/s (IHAVE batching 50 ms; baseline unbatched)', 'datagrams', plum.burst_control_per_broadcast_per_peer, unbatched.burst_control_per_broadcast_per_peer, '< unbatched', plum.burst_control_per_broadcast_per_peer < unbatched.burst_control_per_broadcast_per_peer),
      figure('IHAVE datagrams per broadcast per peer, burst of 10/s (batched; baseline unbatched)', 'datagrams', plum.burst_ihaves_per_broadcast_per_peer, unbatched.burst_ihaves_per_broadcast_per_peer),
      figure('virtual-time compression without IHAVE batching (baseline batched)', 'virtual s / CPU s', unbatched.virtual_s_per_cpu_s, plum.virtual_s_per_cpu_s),
      figure('delivery ratio (Plumtree; baseline flooding)', 'ratio', plum.delivered, flood.delivered, '= 1', plum.delivered >= 0.9999),
    ],
    notes: [
      `${PEERS} peers, plain datagrams, 1% end-to-end loss, uniform 10-40 ms per link crossing, ${BROADCASTS} broadcasts 1 s apart after ${SETTLE_MS / 1_000} s of settling; tracing off.`,
      `Then a burst of ${BURST} broadcasts ${BURST_EVERY_MS} ms apart for the control-datagram figures (a third world without IHAVE batching).`,
      'Compression is virtual seconds per CPU-second of this process, over the 1-a-second phase. RMR = payloads received / first deliveries - 1 (payload messages only).',
    ],
  };
}
