// temporary probe (deleted before the end): view sizes
import { Simulator } from '../runtime-sim/index.ts';
import { MeshWorld, perLinkLoss } from '../scenarios/mesh/world.ts';
const sim = new Simulator({ seed: 'bench-mesh' });
const w = new MeshWorld(sim, { peers: 1000, mode: (process.argv[2] ?? 'flood') as 'flood', link_loss: perLinkLoss(0.01), latency_min_ms: 10, latency_max_ms: 40, join_spacing_ms: 5 });
sim.runUntil(20_000);
const sizes = w.peers.map((p) => p.node.routingTable.size);
const hist: Record<number, number> = {};
for (const s of sizes) hist[s] = (hist[s] ?? 0) + 1;
console.log('avg degree', sizes.reduce((a, b) => a + b, 0) / sizes.length, JSON.stringify(hist));
const sum = (f: (p: (typeof w.peers)[0]) => number): number => w.peers.reduce((s, p) => s + f(p), 0);
const r0 = sum((p) => p.node.plumtree.counters.payloads_received), d0 = sum((p) => p.node.plumtree.counters.delivered), s0 = sum((p) => p.node.plumtree.counters.payloads_sent);
for (let b = 0; b < 5; b++) sim.at(21_000 + b * 1000, () => w.peers[b * 37]!.handle.command({ type: 'send', packets: ['x'] }));
sim.runUntil(35_000);
console.log('received/delivered', (sum((p) => p.node.plumtree.counters.payloads_received) - r0) / (sum((p) => p.node.plumtree.counters.delivered) - d0), 'sent/delivered', (sum((p) => p.node.plumtree.counters.payloads_sent) - s0) / (sum((p) => p.node.plumtree.counters.delivered) - d0), 'notnb', sum((p) => p.node.counters['not-a-neighbour']));
