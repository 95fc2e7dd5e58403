// Puts a plan's schedule into the simulator: link faults that start and heal (or stay, a link
// that changes mid-run), partitions that heal, adversary hosts, strangers. Each entry is
// independent, so the shrinker can drop any subset and the rest still means the same thing.
import { Adversary } from '../runtime-sim/adversary.ts';
import type { Simulator } from '../runtime-sim/index.ts';
import type { ScheduleEntry } from './plan.ts';
import { faultLink, type SwarmWorld } from './world.ts';

/** Public addresses of adversary hosts (one per adversary entry). */
const ADVERSARY_NET = '192.0.2.';

export function applySchedule(sim: Simulator, world: SwarmWorld, schedule: readonly ScheduleEntry[]): Adversary[] {
  const adversaries: Adversary[] = [];
  schedule.forEach((entry, index) => {
    switch (entry.kind) {
      case 'link': {
        const base = world.baseLink(entry.node);
        if (base === undefined) return;
        sim.at(entry.at_ms, () => sim.setLink(entry.node, { ...base, ...faultLink(entry.fault) }));
        if (entry.until_ms !== undefined) sim.at(entry.until_ms, () => sim.setLink(entry.node, base));
        return;
      }
      case 'partition':
        sim.partition({ name: `swarm-cut-${index}`, a: [...entry.a], b: [...entry.b], oneWay: entry.one_way, from: entry.at_ms, until: entry.until_ms });
        return;
      case 'adversary': {
        const name = `mallet-${index}`;
        sim.addHost({ name, ips: [`${ADVERSARY_NET}${10 + index}`], link: { latency: { kind: 'fixed', ms: 5 } } });
        adversaries.push(
          new Adversary(
            sim,
            name,
            { actions: entry.actions, p: entry.p, delay_ms_max: entry.delay_ms_max, injections_max: entry.injections_max, from_ms: entry.at_ms, until_ms: entry.until_ms },
            sim.rng.fork(name),
          ),
        );
        return;
      }
      case 'stranger':
        world.stranger?.(index, entry.at_ms);
        return;
    }
  });
  return adversaries;
}
