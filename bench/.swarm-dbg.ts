// temporary (deleted before the end): why a mesh swarm seed has no outcome
import { Simulator } from '../runtime-sim/index.ts';
import { drawPlan, seedName } from '../swarm/plan.ts';
import { applySchedule } from '../swarm/faults.ts';
import { buildMeshWorld } from '../swarm/world-mesh.ts';
const seed = Number(process.argv[2]);
const plan = drawPlan('mesh', seed);
const sim = new Simulator({ seed: seedName('mesh', seed) });
const w = buildMeshWorld({ sim, plan, tally: { checks: 0 } });
applySchedule(sim, w, plan.schedule, seedName('mesh', seed));
const msgs: string[] = [];
sim.runUntil(200_000);
console.log(JSON.stringify(plan.schedule));
const nodes = (w as unknown as { nodes?: unknown }).nodes;
void nodes;
console.log(w.debug());
