// Puts a plan's schedule into the simulator: link faults that start and heal (or stay, a link
// that changes mid-run), partitions that heal, adversary hosts, strangers. Each entry is
// independent, so the shrinker can drop any subset and the rest still means the same thing:
// adversaries and strangers draw from their own streams, named by the seed and the entry's id
// (link faults draw from the network's one stream, so dropping one still moves the others').
import { Adversary } from '../runtime-sim/adversary.ts';
import { rootRng } from '../runtime-sim/random.ts';
import type { Simulator } from '../runtime-sim/index.ts';
import type { ScheduleEntry } from './plan.ts';
import { faultLink, type SwarmWorld } from './world.ts';

/** Public addresses of adversary hosts (one per adversary entry). */
const ADVERSARY_NET = '192.0.2.';

/** `seed_name` (plan.ts seedName) roots the entries' own random streams. */
export function applySchedule(sim: Simulator, world: Pick<SwarmWorld, 'baseLink' | 'stranger'>, schedule: readonly ScheduleEntry[], seed_name: string): Adversary[] {
  const adversaries: Adversary[] = [];
  for (const entry of schedule) {
    const id = entry.id;
    switch (entry.kind) {
      case 'link': {
        const base = world.baseLink(entry.node);
        if (base === undefined) continue;
        sim.at(entry.at_ms, () => sim.setLink(entry.node, { ...base, ...faultLink(entry.fault) }));
        if (entry.until_ms !== undefined) sim.at(entry.until_ms, () => sim.setLink(entry.node, base));
        continue;
      }
      case 'partition':
        sim.partition({ name: `swarm-cut-${id}`, a: [...entry.a], b: [...entry.b], oneWay: entry.one_way, from: entry.at_ms, until: entry.until_ms });
        continue;
      case 'adversary': {
        const name = `mallet-${id}`;
        sim.addHost({ name, ips: [`${ADVERSARY_NET}${10 + id}`], link: { latency: { kind: 'fixed', ms: 5 } } });
        adversaries.push(
          new Adversary(
            sim,
            name,
            { actions: entry.actions, p: entry.p, delay_ms_max: entry.delay_ms_max, injections_max: entry.injections_max, from_ms: entry.at_ms, until_ms: entry.until_ms },
            rootRng(`${seed_name}:${name}`),
          ),
        );
        continue;
      }
      case 'stranger':
        world.stranger?.(id, entry.at_ms, rootRng(`${seed_name}:stranger-${id}`));
        continue;
    }
  }
  return adversaries;
}
