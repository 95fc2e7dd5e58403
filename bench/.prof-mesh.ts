// temporary profiling driver (deleted before the end)
import { Simulator } from '../runtime-sim/index.ts';
import { MeshWorld, perLinkLoss } from '../scenarios/mesh/world.ts';
const PEERS = 1000;
const sim = new Simulator({ seed: 'bench-mesh' });
const world = new MeshWorld(sim, { peers: PEERS, mode: 'plumtree', link_loss: perLinkLoss(0.01), latency_min_ms: 10, latency_max_ms: 40, join_spacing_ms: 5 });
const start = PEERS * 5 + 15_000;
const types = new Map<number, number>();
let counting = false;
for (const p of world.peers) {
  const orig = p.node.pollTransmit.bind(p.node);
  p.node.pollTransmit = () => { const t = orig(); if (t && counting) types.set(t.data[1]!, (types.get(t.data[1]!) ?? 0) + 1); return t; };
}
sim.runUntil(start);
const s0 = { ...sim.stats };
const t0 = process.cpuUsage();
counting = true;
for (let b = 0; b < 30; b++) sim.at(start + b * 1000, () => world.peers[(b * 37) % PEERS]!.handle.command({ type: 'send', packets: [`bench ${b}`] }));
sim.runUntil(start + 40_000);
const u = process.cpuUsage(t0);
const s1 = { ...sim.stats };
console.log('virtual s per cpu s', 40 / ((u.user + u.system) / 1e6), 'per virtual s: timers', (s1.timer - s0.timer) / 40, 'sends', (s1.send - s0.send) / 40, 'dispatched', (s1.dispatched - s0.dispatched) / 40);
console.log('datagrams per virtual s by type', JSON.stringify(Object.fromEntries([...types].sort((a, b) => a[0] - b[0]).map(([k, v]) => ['0x' + k.toString(16), v / 40]))));
