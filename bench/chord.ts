// `npm run bench -- chord [--large]`: the Chord ring measured against the paper. For each N
// (64, 256, 1,024; --large adds 4,096) a ring forms over plain datagrams with 25 ms per link
// crossing (50 ms one way between two nodes), settles until the checker finds every successor
// and finger right, and then: mean lookup hops beside ½·log2 N (SIGCOMM 2001 Fig. 10), lookup
// latency percentiles beside the ideal (½·log2 N round trips), maintenance datagrams per node
// per second beside what the timers imply for a stable ring, virtual-time compression (virtual
// seconds per wall second of the steady state) and heap per node. Then the fast churn scenario
// (`chord/churn-200`) for the churn figures beside the issue's 99% target.
import { pathToFileURL } from 'node:url';
import { Simulator } from '../runtime-sim/index.ts';
import { registry } from '../scenarios/index.ts';
import { runScenario } from '../scenarios/runner.ts';
import { checkRing } from '../scenarios/chord/checker.ts';
import { fireLookups, percentile } from '../scenarios/chord/measure.ts';
import { ChordWorld } from '../scenarios/chord/world.ts';
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';

const link_ms = 25;
const lookups = 1_000;
const steady_window_ms = 20_000;

interface RingFigures {
  readonly n: number;
  readonly hops_mean: number;
  readonly latency_p50_ms: number;
  readonly latency_p99_ms: number;
  readonly maintenance_per_node_s: number;
  readonly compression: number;
  readonly heap_bytes_per_node: number;
}

function measureRing(n: number, log: (line: string) => void): RingFigures {
  const heapBefore = process.memoryUsage().heapUsed;
  const sim = new Simulator({ seed: `bench-chord-${n}` });
  const world = new ChordWorld(sim, { m_bits: 32, route_via_successors: false, link: { latency: { kind: 'fixed', ms: link_ms } }, limits: { successors: 4 } });
  for (let i = 0; i < n; i++) world.addPeer(i * 5);
  let t = n * 5 + 10_000;
  sim.runUntil(t);
  for (let ring = checkRing(world.peers.map((p) => p.node)); (ring.wrong_successor > 0 || ring.wrong_fingers > 0) && t < n * 5 + 120_000; ring = checkRing(world.peers.map((p) => p.node))) {
    t += 2_000;
    sim.runUntil(t);
  }
  const heap = process.memoryUsage().heapUsed - heapBefore;
  // Steady state: maintenance only, timed on the wall clock.
  const sentBefore = world.peers.reduce((a, p) => a + p.node.counters.maintenance_sent + p.node.counters.lookup_sent, 0);
  // CPU time of this process, not the wall clock: the box is shared (as bench/sim.ts does).
  const cpuStart = process.cpuUsage();
  sim.runUntil(t + steady_window_ms);
  const cpu = process.cpuUsage(cpuStart);
  const wall_ms = (cpu.user + cpu.system) / 1_000;
  const sent = world.peers.reduce((a, p) => a + p.node.counters.maintenance_sent + p.node.counters.lookup_sent, 0) - sentBefore;
  // Lookups with their latency (issue to answer, virtual time).
  const started = new Map<number, number>();
  const latencies: number[] = [];
  world.onEvent((_p, e) => {
    if (e.type === 'lookup-result' && started.has(e.op)) latencies.push(sim.now - started.get(e.op)!);
  });
  const from = t + steady_window_ms + 1;
  for (let i = 0; i < lookups; i++) sim.at(from + i * 5, () => started.set(1_000_000 + Math.floor(from) + i, sim.now));
  const stats = fireLookups(sim, world, from, lookups, 5);
  sim.runUntil(from + lookups * 5 + 5_000);
  latencies.sort((a, b) => a - b);
  const hops = stats.hops.reduce((a, b) => a + b, 0) / Math.max(1, stats.hops.length);
  const out: RingFigures = {
    n,
    hops_mean: hops,
    latency_p50_ms: percentile(latencies, 50),
    latency_p99_ms: percentile(latencies, 99),
    maintenance_per_node_s: sent / n / (steady_window_ms / 1_000),
    compression: steady_window_ms / wall_ms,
    heap_bytes_per_node: Math.max(0, heap) / n,
  };
  log(`  N=${n}: ${JSON.stringify(out)}`);
  return out;
}

export async function run(options: Partial<BenchOptions> = {}): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const sizes = options.args?.includes('--large') ? [64, 256, 1_024, 4_096] : [64, 256, 1_024];
  const figures: BenchFigure[] = [];
  for (const n of sizes) {
    log(`ring of ${n} nodes...`);
    const r = measureRing(n, log);
    const half = Math.log2(n) / 2;
    const ratio = r.hops_mean / half;
    figures.push({ name: `N=${n} mean lookup hops (paper: ½·log2 N)`, value: round(r.hops_mean), unit: 'hops', baseline: half, ratio: round(ratio), target: 'within 10% of ½·log2 N', met: Math.abs(ratio - 1) <= 0.1 });
    const ideal = half * 4 * link_ms;
    figures.push({ name: `N=${n} lookup latency p50 (50 ms one way)`, value: r.latency_p50_ms, unit: 'ms', baseline: ideal, ratio: round(r.latency_p50_ms / ideal), target: 'baseline: ½·log2 N round trips' });
    figures.push({ name: `N=${n} lookup latency p99`, value: r.latency_p99_ms, unit: 'ms', baseline: ideal, ratio: round(r.latency_p99_ms / ideal) });
    // What the timers imply for a stable ring: stabilize 3 datagrams/s, checkPredecessor 2 per
    // 2 s, one fixFingers lookup per second of ½·log2 N hops (2 datagrams each), the successor
    // check every 5 s (same), plus the answers to others' requests (the same again).
    const implied = 3 + 1 + 2 * half + (2 * half) / 5;
    figures.push({ name: `N=${n} maintenance datagrams per node per second`, value: round(r.maintenance_per_node_s), unit: 'datagrams/s', baseline: round(implied), ratio: round(r.maintenance_per_node_s / implied) });
    figures.push({ name: `N=${n} virtual-time compression (steady state)`, value: round(r.compression), unit: 'x real time', baseline: 1_000, ratio: round(r.compression / 1_000), target: '>= 1,000x', met: r.compression >= 1_000 });
    figures.push({ name: `N=${n} heap per node`, value: Math.round(r.heap_bytes_per_node), unit: 'bytes' });
  }
  log('churn scenario chord/churn-200...');
  const churn = registry.scenarios().find((s) => s.name === 'chord/churn-200')!;
  const res = await runScenario(churn, 1);
  const o = res.outcome ?? {};
  figures.push({ name: 'churn-200 lookups correct', value: Number(o['lookups_correct']), unit: 'fraction', baseline: 0.99, ratio: round(Number(o['lookups_correct']) / 0.99), target: '>= 0.99', met: Number(o['lookups_correct']) >= 0.99 });
  figures.push({ name: 'churn-200 reads correct', value: Number(o['reads_correct']), unit: 'fraction', baseline: 0.99, ratio: round(Number(o['reads_correct']) / 0.99), target: '>= 0.99', met: Number(o['reads_correct']) >= 0.99 });
  figures.push({ name: 'churn-200 keys lost', value: Number(o['keys_lost']), unit: 'keys', target: '0', met: Number(o['keys_lost']) === 0 });
  const notes = [
    'plain datagrams in the simulator, m = 32, fingers-only routing (the paper), r = 4 for the path-length rings',
    'latency baseline: ½·log2 N round trips of 100 ms (4 link crossings of 25 ms per hop)',
    'compression: virtual seconds per CPU second of this process over a 20 s steady-state window (maintenance only: about 15 datagrams per node per second, so 1,000x at 4,096 nodes would need 60 million datagrams per CPU second)',
  ];
  return { name: 'chord', figures, notes };
}

function round(x: number): number {
  return Math.round(x * 1_000) / 1_000;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const json = process.argv.includes('--json');
  const result = await run({ json, args: process.argv.slice(2) });
  if (json) console.log(JSON.stringify(result));
  else for (const f of result.figures) console.log(`${f.name}: ${f.value} ${f.unit}${f.baseline === undefined ? '' : ` (baseline ${f.baseline}, ratio ${f.ratio}${f.target ? `, target ${f.target}: ${f.met === undefined ? '' : f.met ? 'met' : 'MISSED'}` : ''})`}`);
}
