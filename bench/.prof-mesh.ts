// temporary profiling driver (deleted before the end)
import { Simulator } from '../runtime-sim/index.ts';
import { MeshWorld, perLinkLoss } from '../scenarios/mesh/world.ts';
const PEERS = 1000;
const sim = new Simulator({ seed: 'bench-mesh' });
const world = new MeshWorld(sim, { peers: PEERS, mode: 'plumtree', link_loss: perLinkLoss(0.01), latency_min_ms: 10, latency_max_ms: 40, join_spacing_ms: 5 });
const start = PEERS * 5 + 15_000;
sim.runUntil(start);
const t0 = process.cpuUsage();
for (let b = 0; b < 30; b++) sim.at(start + b * 1000, () => world.peers[(b * 37) % PEERS]!.handle.command({ type: 'send', packets: [`bench ${b}`] }));
sim.runUntil(start + 40_000);
const u = process.cpuUsage(t0);
console.log('virtual s per cpu s', 40 / ((u.user + u.system) / 1e6), 'stats', JSON.stringify(sim.stats));
