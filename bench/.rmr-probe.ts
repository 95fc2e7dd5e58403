// temporary probe (deleted before the end)
import { Simulator } from '../runtime-sim/index.ts';
import { churnScenario } from '../scenarios/mesh/churn.ts';
const peers = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? 1);
const extra = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const sc = churnScenario({ peers, loss: 0.1, churn: 0.2, broadcasts: 40, slow: false, untraced: false, with_flood: false, limits: extra });
const sim = new Simulator({ seed: `${seed}:probe` });
const t0 = Date.now();
const o = await sc.run(sim, seed);
console.log(JSON.stringify(o), 'wall', Date.now() - t0);
