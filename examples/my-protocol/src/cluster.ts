// A heartbeat cluster in peerlab's simulator: hosts n1..nN on the simulated internet, each
// running one HeartbeatNode on port 7000 that knows every other member. Scenarios and tests
// build on it and read the leaders back.
import { addr, type Addr } from 'peerlab/core';
import type { LinkConfig, MachineHandle, Simulator } from 'peerlab/sim';
import { HeartbeatNode, type HeartbeatCommand, type HeartbeatEvent } from './heartbeat-node.ts';

export const HEARTBEAT_PORT = 7000;
/** TEST-NET-2 (RFC 5737): documentation addresses for the members. */
const MEMBER_NET = '198.51.100.';

export interface ClusterOptions {
  readonly size: number;
  readonly link?: LinkConfig;
  readonly interval_ms?: number;
  readonly timeout_ms?: number;
}

export interface Member {
  readonly name: string;
  readonly id: number;
  readonly addr: Addr;
  readonly node: HeartbeatNode;
  readonly handle: MachineHandle<HeartbeatCommand, HeartbeatEvent>;
}

export interface Cluster {
  readonly members: readonly Member[];
  /** The links the hosts were given (applyFaults restores them when a fault heals). */
  readonly links: ReadonlyMap<string, LinkConfig>;
  /** The leader each member follows now, in member order. */
  leaders(): number[];
  /** The one leader every running member follows, or undefined while they disagree. */
  agreed(members?: readonly Member[]): number | undefined;
}

export function startCluster(sim: Simulator, options: ClusterOptions): Cluster {
  const link: LinkConfig = options.link ?? { latency: { kind: 'fixed', ms: 10 } };
  const ids = Array.from({ length: options.size }, (_, i) => i + 1);
  const addrs = ids.map((id) => addr(`${MEMBER_NET}${id}`, HEARTBEAT_PORT));
  const links = new Map<string, LinkConfig>();
  const members = ids.map((id, i): Member => {
    const name = `n${id}`;
    sim.addHost({ name, ips: [addrs[i]!.ip], link });
    links.set(name, link);
    const peers = ids.filter((other) => other !== id).map((other) => ({ id: other, addr: addrs[other - 1]! }));
    const node = new HeartbeatNode({ id, peers, interval_ms: options.interval_ms, timeout_ms: options.timeout_ms });
    return { name, id, addr: addrs[i]!, node, handle: sim.run(name, node, { port: HEARTBEAT_PORT }) };
  });
  const leaders = () => members.map((m) => m.node.leader);
  const agreed = (some: readonly Member[] = members) => {
    const set = new Set(some.map((m) => m.node.leader));
    return set.size === 1 ? [...set][0] : undefined;
  };
  return { members, links, leaders, agreed };
}
