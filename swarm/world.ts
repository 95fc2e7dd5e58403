// What every swarm world (rudp, punch, peer) offers the runner, and the topology pieces they
// share: a side behind a drawn NAT preset, base links, and fault links built from a plan.
import type { LinkConfig, Simulator } from '../runtime-sim/index.ts';
import type { Realm } from '../runtime-sim/realm.ts';
import type { SimRng } from '../runtime-sim/random.ts';
import type { LinkFault, Plan, Topology } from './plan.ts';
import type { CheckTally } from './guard.ts';

/** How a run ended: the workload succeeded, or a machine reported a typed error. */
export type Outcome = { readonly kind: 'success'; readonly at_ms: number } | { readonly kind: 'error'; readonly code: string; readonly at_ms: number };

export interface SwarmWorld {
  /** Checks every invariant that can be checked mid-run; returns how many it checked. */
  check(): number;
  /** The outcome, once there is one. */
  outcome(): Outcome | undefined;
  /** End-of-run checks (sha256 of what arrived against what was sent); returns how many. */
  finish(): number;
  /** The link a node had before any fault (faults restore it when they heal). */
  baseLink(node: string): LinkConfig | undefined;
  /** Runs a stranger that asks the rendezvous to punch to the accepting peer (punch/peer worlds). */
  stranger?(id: number, at_ms: number, rng: SimRng): void;
  /** Tables found missing (field renamed): reported, never silently passed. */
  readonly unread: Set<string>;
}

export interface WorldContext {
  readonly sim: Simulator;
  readonly plan: Plan;
  readonly tally: CheckTally;
}

export function fixedLink(ms: number): LinkConfig {
  return { latency: { kind: 'fixed', ms } };
}

/** A side's access link as drawn: latency, optional serialiser, optional steady loss. */
export function accessLink(topology: Topology, ms: number): LinkConfig {
  return {
    latency: { kind: 'fixed', ms },
    ...(topology.bandwidth_bps > 0 ? { bandwidth_bps: topology.bandwidth_bps, queue_bytes: 256 * 1024 } : {}),
    ...(topology.access_loss_p > 0 ? { loss: { kind: 'bernoulli' as const, p: topology.access_loss_p } } : {}),
  };
}

export function faultLink(f: LinkFault): LinkConfig {
  return {
    latency: { kind: 'fixed', ms: f.latency_ms },
    ...(f.jitter_ms > 0 ? { jitter_ms: f.jitter_ms } : {}),
    ...(f.loss_p > 0 ? { loss: { kind: 'bernoulli' as const, p: f.loss_p } } : {}),
    ...(f.duplicate_p > 0 ? { duplicate_p: f.duplicate_p } : {}),
    ...(f.reorder_p > 0 ? { reorder_p: f.reorder_p } : {}),
    ...(f.corrupt_p > 0 ? { corrupt_p: f.corrupt_p } : {}),
  };
}

export interface Side {
  readonly realm: Realm;
  readonly ip: string;
  /** Every address the side's datagrams can come from: its host IPs and its NAT's outside. */
  readonly ips: readonly string[];
}

/**
 * Puts host `name` ('a' or 'b') behind its drawn NAT (`<name>-nat`), or on the internet;
 * records the base links in `links`.
 */
export function addSide(sim: Simulator, topology: Topology, name: 'a' | 'b', links: Map<string, LinkConfig>): Side {
  const preset = name === 'a' ? topology.nat_a : topology.nat_b;
  const access_ms = name === 'a' ? topology.access_ms_a : topology.access_ms_b;
  const index = name === 'a' ? 1 : 2;
  if (preset === 'none') {
    const ip = `203.0.113.${50 + index}`;
    const link = accessLink(topology, access_ms);
    sim.addHost({ name, ips: [ip], link });
    links.set(name, link);
    return { realm: sim.internet, ip, ips: [ip] };
  }
  const natLink = accessLink(topology, access_ms);
  const external = `203.0.113.${10 + index}`;
  const nat = sim.addNat({ name: `${name}-nat`, preset, externalIps: [external], insideSubnet: `10.0.${index}.0/24`, link: natLink });
  links.set(`${name}-nat`, natLink);
  const ip = `10.0.${index}.2`;
  const hostLink = fixedLink(1);
  sim.addHost({ name, realm: nat.inside, ips: [ip], link: hostLink });
  links.set(name, hostLink);
  return { realm: nat.inside, ip, ips: [ip, ip.replace(/\.2$/, '.3'), external] };
}

/** The address a rebinding host moves to (another one in its LAN). */
export function rebindIp(side: Side): string | undefined {
  return side.ip.startsWith('10.') ? side.ip.replace(/\.2$/, '.3') : undefined;
}
