// What one swarm seed runs, drawn from the seeded Rng only (VOPR's "swarm testing": every
// seed picks its own topology, workload, fault schedule and adversary, so seeds explore
// different corners instead of all running one average configuration). A Plan is plain data:
// the runner executes it, and the shrinker re-runs it with fewer schedule entries.
import { NAT_PRESET_NAMES, type NatPresetName } from '../runtime-sim/nat/presets.ts';
import { rootRng, type SimRng } from '../runtime-sim/random.ts';
import { ADVERSARY_ACTIONS, type AdversaryAction } from '../runtime-sim/adversary.ts';

export const SWARM_PROTOCOLS = ['punch', 'rudp', 'peer', 'mesh'] as const;
export type SwarmProtocol = (typeof SWARM_PROTOCOLS)[number];

/** A link's faults while a schedule entry holds (each drawn per seed, TigerBeetle's ranges). */
export interface LinkFault {
  readonly latency_ms: number;
  readonly jitter_ms: number;
  readonly loss_p: number;
  readonly duplicate_p: number;
  readonly reorder_p: number;
  readonly corrupt_p: number;
}

/**
 * One entry of a fault schedule. `id` is its index in the seed's drawn schedule and names
 * its hosts and random streams, so dropping other entries (shrinking) leaves it unchanged.
 */
export type ScheduleEntry = ScheduleKind & { readonly id: number };

type ScheduleKind =
  /** `node`'s link has `fault` from at_ms until until_ms (absent: the change stays). */
  | { readonly kind: 'link'; readonly node: string; readonly at_ms: number; readonly until_ms?: number; readonly fault: LinkFault }
  /** Datagrams between the two sides are cut from at_ms until until_ms (a partition that heals). */
  | { readonly kind: 'partition'; readonly a: readonly string[]; readonly b: readonly string[]; readonly one_way: boolean; readonly at_ms: number; readonly until_ms: number }
  /** An on-path host on the internet mutating what it sees (runtime-sim/adversary.ts). */
  | { readonly kind: 'adversary'; readonly actions: readonly AdversaryAction[]; readonly p: number; readonly delay_ms_max: number; readonly injections_max: number; readonly at_ms: number; readonly until_ms: number }
  /** A registered stranger asks the rendezvous to punch to the accepting peer (punch and peer worlds). */
  | { readonly kind: 'stranger'; readonly at_ms: number };

export interface Workload {
  /** Bytes the initiator streams to the other side (rudp and peer worlds). */
  readonly transfer_bytes: number;
  /** rudp world: a stream, or the same bytes cut into messages. */
  readonly mode: 'stream' | 'message';
  readonly message_bytes: number;
  /** rudp world: unreliable datagrams sent alongside. */
  readonly datagrams: number;
  /** When the initiator's host moves to a new address behind its NAT (NAT rebinding). */
  readonly rebind_at_ms?: number;
  /** rudp world: when the initiator crashes and restarts with fresh state on a new port. */
  readonly restart_at_ms?: number;
}

export interface Topology {
  /** NAT in front of the initiator ('none': on the internet). */
  readonly nat_a: NatPresetName | 'none';
  /** NAT in front of the other side (punch and peer worlds; the rudp server is public). */
  readonly nat_b: NatPresetName | 'none';
  readonly access_ms_a: number;
  readonly access_ms_b: number;
  readonly server_ms: number;
  /** Serialisation rate of each side's access link (0: unlimited); queues make times fractional. */
  readonly bandwidth_bps: number;
  /** Loss on each side's access link for the whole run (schedule entries add more). */
  readonly access_loss_p: number;
}

export interface Plan {
  readonly protocol: SwarmProtocol;
  readonly seed: number;
  readonly topology: Topology;
  readonly workload: Workload;
  readonly schedule: readonly ScheduleEntry[];
  /** Virtual time by which the run must have reached success or a typed error. */
  readonly bound_ms: number;
}

/** Schedule entries drawn per seed, at most. */
export const schedule_entries_max = 6;
/** Most faults start while the workload runs (its first seconds); some much later. */
const fault_window_ms = 6_000;
const fault_window_late_ms = 40_000;
const partition_ms_max = 15_000;
/** Virtual-time bounds per world: handshake (20 s) + idle (30 s) timers with room for faults. */
export const bound_ms: Readonly<Record<SwarmProtocol, number>> = { rudp: 240_000, punch: 120_000, peer: 300_000, mesh: 200_000 };

/** The seed's name for every stream it derives (plan and simulator). */
export function seedName(protocol: SwarmProtocol, seed: number): string {
  return `swarm:${protocol}:${seed}`;
}

function pick<T>(rng: SimRng, items: readonly T[]): T {
  return items[rng.nextInt(0, items.length - 1)]!;
}

/** A probability in [0, max], often exactly 0 (most links are clean in any given window). */
function probability(rng: SimRng, max: number): number {
  return rng.chance(0.4) ? 0 : Math.round(rng.nextFloat() * max * 1000) / 1000;
}

/**
 * A window's faults. A change that never heals is milder (loss up to 5%): liveness is only
 * owed once the network is usable again (VOPR checks convergence after healing too), and a
 * megabyte through a link that loses 30% for ever legitimately outlasts any fixed bound.
 */
function drawFault(rng: SimRng, heals: boolean): LinkFault {
  return {
    latency_ms: rng.nextInt(0, 80),
    jitter_ms: rng.chance(0.5) ? 0 : rng.nextInt(1, 30),
    loss_p: probability(rng, heals ? 0.3 : 0.05),
    duplicate_p: probability(rng, 0.5),
    reorder_p: probability(rng, 0.3),
    corrupt_p: probability(rng, heals ? 0.05 : 0.01),
  };
}

function nodesOf(protocol: SwarmProtocol, topology: Topology): { links: string[]; sides: [string[], string[]][] } {
  const links: string[] = [];
  const natA = topology.nat_a === 'none' ? [] : ['a-nat'];
  const natB = topology.nat_b === 'none' ? [] : ['b-nat'];
  if (protocol === 'mesh') {
    // Five mesh peers on public addresses (swarm/world-mesh.ts): cuts split them 2|3 or 1|4.
    links.push('a', 'b', 'c', 'd', 'e');
    return { links, sides: [[['a', 'b'], ['c', 'd', 'e']], [['a'], ['b', 'c', 'd', 'e']], [['c'], ['a', 'b', 'd', 'e']]] };
  }
  if (protocol === 'rudp') {
    links.push('a', 'b', ...natA);
    return { links, sides: [[['a'], ['b']]] };
  }
  links.push('a', 'b', 'rendezvous', ...natA, ...natB);
  return { links, sides: [[['a'], ['b']], [['a', 'b'], ['rendezvous']], [['a'], ['rendezvous']], [['b'], ['rendezvous']]] };
}

function drawEntry(rng: SimRng, protocol: SwarmProtocol, topology: Topology): ScheduleKind {
  const { links, sides } = nodesOf(protocol, topology);
  const at_ms = rng.nextInt(0, rng.chance(0.8) ? fault_window_ms : fault_window_late_ms);
  const roll = rng.nextFloat();
  if (roll < 0.5) {
    const heals = rng.chance(0.7);
    const fault = drawFault(rng, heals);
    const node = pick(rng, links);
    return heals ? { kind: 'link', node, at_ms, until_ms: at_ms + rng.nextInt(500, 20_000), fault } : { kind: 'link', node, at_ms, fault };
  }
  if (roll < 0.72) {
    const [a, b] = pick(rng, sides);
    return { kind: 'partition', a, b, one_way: rng.chance(0.3), at_ms, until_ms: at_ms + rng.nextInt(100, partition_ms_max) };
  }
  if (roll < 0.9 || protocol === 'rudp') {
    const count = rng.nextInt(1, ADVERSARY_ACTIONS.length);
    const actions = [...ADVERSARY_ACTIONS].filter(() => rng.chance(count / ADVERSARY_ACTIONS.length));
    if (actions.length === 0) actions.push(pick(rng, ADVERSARY_ACTIONS));
    return {
      kind: 'adversary',
      actions,
      p: Math.round((0.01 + rng.nextFloat() * 0.3) * 1000) / 1000,
      delay_ms_max: rng.nextInt(0, 2_000),
      injections_max: rng.nextInt(1, 200),
      at_ms: Math.min(at_ms, rng.nextInt(0, 2_000)),
      until_ms: at_ms + rng.nextInt(1_000, 60_000),
    };
  }
  return { kind: 'stranger', at_ms: rng.nextInt(0, 20_000) };
}

export function drawPlan(protocol: SwarmProtocol, seed: number): Plan {
  const rng = rootRng(`${seedName(protocol, seed)}:plan`);
  const natA = rng.chance(0.15) ? 'none' : pick(rng, NAT_PRESET_NAMES);
  const natB = protocol === 'rudp' || rng.chance(0.15) ? 'none' : pick(rng, NAT_PRESET_NAMES);
  const topology: Topology = {
    nat_a: natA,
    nat_b: natB,
    access_ms_a: rng.nextInt(1, 60),
    access_ms_b: rng.nextInt(1, 60),
    server_ms: rng.nextInt(1, 40),
    bandwidth_bps: rng.chance(0.3) ? 0 : pick(rng, [1e6, 5e6, 20e6, 100e6]),
    access_loss_p: rng.chance(0.5) ? 0 : Math.round(rng.nextFloat() * 0.1 * 1000) / 1000,
  };
  const sizes = [0, 1, 1_000, 16 * 1024, 64 * 1024, 200_000, 1024 * 1024];
  const workload: Workload = {
    transfer_bytes: pick(rng, sizes) + rng.nextInt(0, 1_500),
    mode: rng.chance(0.3) ? 'message' : 'stream',
    message_bytes: rng.nextInt(1, 20_000),
    datagrams: rng.chance(0.5) ? 0 : rng.nextInt(1, 50),
    ...(rng.chance(0.3) ? { rebind_at_ms: rng.nextInt(100, 30_000) } : {}),
    ...(protocol === 'rudp' && rng.chance(0.2) ? { restart_at_ms: rng.nextInt(100, 20_000) } : {}),
  };
  const schedule: ScheduleEntry[] = [];
  const entries = rng.nextInt(0, schedule_entries_max);
  for (let id = 0; id < entries; id++) schedule.push({ ...drawEntry(rng, protocol, topology), id });
  return { protocol, seed, topology, workload, schedule, bound_ms: bound_ms[protocol] };
}
