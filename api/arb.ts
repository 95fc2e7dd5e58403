// peerlab/arb: fast-check arbitraries over the swarm tester's generators (swarm/plan.ts), for
// property tests in a user's own runner: `test.prop([arb.faultSchedule()])('...', (schedule)
// => ...)`. Each value comes from a drawn seed, so it is one the swarm could have run; a
// failing schedule shrinks by dropping entries (the swarm shrinker's move), and a plan keeps
// its seed's topology and workload while its schedule shrinks. Needs fast-check (a peer
// dependency).
import fc from 'fast-check';
import { drawPlan, type Plan, type ScheduleEntry, type SwarmProtocol, type Topology } from '../swarm/plan.ts';

export { applyFaults, buildTopology, planFor } from './faults.ts';
export type { ApplyFaultsOptions, BuiltTopology, Plan, ScheduleEntry, SwarmProtocol, Topology, LinkFault, Workload, Side } from './faults.ts';

/** Largest seed (u32, as `peerlab run` and the swarm take). */
const SEED_MAX = 0xffff_ffff;

/** A simulation seed. */
export function seed(): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: SEED_MAX });
}

export interface PlanOptions {
  /** Which swarm world's plans (their node names and timing bounds); default 'peer'. */
  readonly protocol?: SwarmProtocol;
  /** Keep only these kinds of schedule entries (default: every kind). */
  readonly kinds?: ReadonlyArray<ScheduleEntry['kind']>;
}

/** A whole swarm plan: topology, workload, fault schedule (shrinks by dropping schedule entries). */
export function plan(options: PlanOptions = {}): fc.Arbitrary<Plan> {
  const protocol = options.protocol ?? 'peer';
  return seed().chain((s) => {
    const drawn = drawPlan(protocol, s);
    const schedule = options.kinds ? drawn.schedule.filter((entry) => options.kinds!.includes(entry.kind)) : drawn.schedule;
    return fc.subarray([...schedule]).map((kept) => ({ ...drawn, schedule: kept }));
  });
}

/** A topology: the NAT preset (or none) in front of each side, access latencies, bandwidth, loss. */
export function topology(options: Pick<PlanOptions, 'protocol'> = {}): fc.Arbitrary<Topology> {
  return seed().map((s) => drawPlan(options.protocol ?? 'peer', s).topology);
}

/**
 * A fault schedule: link faults that start and heal (or stay), partitions that heal, on-path
 * adversaries. Default kinds: 'link', 'partition', 'adversary' ('stranger' needs the swarm's
 * rendezvous world). Put it in a simulator with applyFaults.
 */
export function faultSchedule(options: PlanOptions = {}): fc.Arbitrary<ScheduleEntry[]> {
  const kinds = options.kinds ?? ['link', 'partition', 'adversary'];
  return plan({ ...options, kinds }).map((p) => [...p.schedule]);
}
