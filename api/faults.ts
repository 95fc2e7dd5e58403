// Topologies and fault schedules for a user's own simulations, drawn by the same generators
// the swarm tester uses (swarm/plan.ts) and put into the simulator by the same code
// (swarm/faults.ts, swarm/world.ts). A schedule names swarm's nodes ('a', 'b', 'a-nat',
// 'b-nat', 'rendezvous'); buildTopology makes exactly those, and `nodes` maps them onto
// the names of a topology of one's own.
import type { LinkConfig, Simulator } from '../runtime-sim/index.ts';
import type { Adversary } from '../runtime-sim/adversary.ts';
import { applySchedule } from '../swarm/faults.ts';
import { drawPlan, type Plan, type ScheduleEntry, type SwarmProtocol, type Topology } from '../swarm/plan.ts';
import { addSide, type Side } from '../swarm/world.ts';

export type { Plan, ScheduleEntry, SwarmProtocol, Topology, LinkFault, Workload } from '../swarm/plan.ts';
export type { Side } from '../swarm/world.ts';
export { SWARM_PROTOCOLS, schedule_entries_max } from '../swarm/plan.ts';

/** The swarm's plan for one seed: topology, workload and fault schedule (pure data). */
export function planFor(protocol: SwarmProtocol, seed: number): Plan {
  return drawPlan(protocol, seed);
}

export interface BuiltTopology {
  /** Host 'a' (behind NAT 'a-nat' unless the topology says 'none'). */
  readonly a: Side;
  /** Host 'b' (behind 'b-nat' unless 'none'). */
  readonly b: Side;
  /** Every node's link before any fault: applyFaults restores these when a fault heals. */
  readonly links: ReadonlyMap<string, LinkConfig>;
}

/** Builds a drawn topology in `sim`: hosts 'a' and 'b', each behind its drawn NAT preset or on the internet. */
export function buildTopology(sim: Simulator, topology: Topology): BuiltTopology {
  const links = new Map<string, LinkConfig>();
  const a = addSide(sim, topology, 'a', links);
  const b = addSide(sim, topology, 'b', links);
  return { a, b, links };
}

export interface ApplyFaultsOptions {
  /** Each node's link before faults (buildTopology's `links`, or your own), by your node names. */
  readonly links: ReadonlyMap<string, LinkConfig> | Readonly<Record<string, LinkConfig>>;
  /** Schedule node name -> your node name; nodes missing here (and absent from `links`) are left out. */
  readonly nodes?: Readonly<Record<string, string>>;
  /** Roots the adversaries' random streams; use one name per seed (default `user:<seed>`). */
  readonly seed_name?: string;
}

function rename(entry: ScheduleEntry, name: (node: string) => string | undefined): ScheduleEntry | undefined {
  switch (entry.kind) {
    case 'link': {
      const node = name(entry.node);
      return node === undefined ? undefined : { ...entry, node };
    }
    case 'partition': {
      const a = entry.a.map(name).filter((n): n is string => n !== undefined);
      const b = entry.b.map(name).filter((n): n is string => n !== undefined);
      return a.length === 0 || b.length === 0 ? undefined : { ...entry, a, b };
    }
    default:
      return entry;
  }
}

/**
 * Schedules every entry in `sim` (link faults that start and heal, partitions, on-path
 * adversaries); 'stranger' entries need the swarm's rendezvous world and are skipped.
 * Returns the adversary hosts it added.
 */
export function applyFaults(sim: Simulator, schedule: readonly ScheduleEntry[], seed: number, options: ApplyFaultsOptions): Adversary[] {
  const links = options.links instanceof Map ? options.links : new Map(Object.entries(options.links as Record<string, LinkConfig>));
  const name = (node: string): string | undefined => {
    const mapped = options.nodes ? options.nodes[node] : node;
    return mapped !== undefined && links.has(mapped) ? mapped : undefined;
  };
  const entries = schedule.map((entry) => rename(entry, name)).filter((entry): entry is ScheduleEntry => entry !== undefined);
  return applySchedule(sim, { baseLink: (node) => links.get(node) }, entries, options.seed_name ?? `user:${seed}`);
}
