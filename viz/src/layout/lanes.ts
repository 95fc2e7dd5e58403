// Orders the lanes of the space-time diagram: one per node. Hosts sit beside the NAT that
// fronts their realm, so a datagram's path reads as a short ladder: a | nat-a | server |
// nat-b | b. NAT subtrees are split into a left half (children before the NAT) and a right
// half (NAT before its children) around the public nodes; the NATs nested in a carrier NAT
// (CGNAT homes) are split around it the same way, so the groups nest.

import type { NodeType, Topology, TopologyNode } from '../trace/types.ts';

export interface Lane {
  readonly name: string;
  readonly type: NodeType;
  readonly index: number;
  /** nesting depth: 0 for the public realm, +1 per NAT crossed */
  readonly depth: number;
  /** the NAT (or undefined for the public realm) whose inside holds this node */
  readonly gateway: string | undefined;
  readonly node: TopologyNode | undefined;
}

/** The NAT that owns a realm: the realm's gateway, or a NAT whose `inside` names it. */
function gatewayOf(topology: Topology, realm: string | undefined): string | undefined {
  if (realm === undefined) return undefined;
  const r = topology.realms.find((x) => x.name === realm);
  if (r?.gateway !== undefined) return r.gateway;
  return topology.nodes.find((n) => n.type === 'nat' && n.inside === realm)?.name;
}

/**
 * Lanes for the topology plus any node that only appears in events (real traces may have
 * no topology), in a left-to-right order that keeps each NAT beside its inside hosts.
 */
export function layoutLanes(topology: Topology, eventNodes: Iterable<string>): Lane[] {
  const nodes = topology.nodes;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const parentOf = new Map<string, string | undefined>();
  for (const n of nodes) {
    const gw = gatewayOf(topology, n.realm);
    // A NAT's own realm gateway being itself would loop; treat it as public.
    parentOf.set(n.name, gw !== undefined && gw !== n.name && byName.has(gw) ? gw : undefined);
  }
  const childrenOf = new Map<string | undefined, TopologyNode[]>();
  for (const n of nodes) {
    const p = parentOf.get(n.name);
    const list = childrenOf.get(p) ?? [];
    list.push(n);
    childrenOf.set(p, list);
  }

  const order: { node: TopologyNode; depth: number; gateway: string | undefined }[] = [];
  const placed = new Set<string>();
  // A NAT's group is contiguous, its hosts on the outer side. NATs nested inside it (homes
  // behind a carrier NAT) are split around it, half on each side, so a home's arrows reach
  // the carrier without crossing a sibling home's lanes: a | home-a | cgn | home-c | c.
  const place = (n: TopologyNode, depth: number, side: 'left' | 'right'): void => {
    if (placed.has(n.name)) return; // guards against cycles in a malformed topology
    placed.add(n.name);
    const kids = n.type === 'nat' ? (childrenOf.get(n.name) ?? []) : [];
    const hosts = kids.filter((k) => k.type !== 'nat');
    const nats = kids.filter((k) => k.type === 'nat');
    const inner = Math.floor(nats.length / 2);
    const self = { node: n, depth, gateway: parentOf.get(n.name) };
    if (side === 'left') {
      for (const k of hosts) place(k, depth + 1, 'left');
      for (const k of nats.slice(0, nats.length - inner)) place(k, depth + 1, 'left');
      order.push(self);
      for (const k of nats.slice(nats.length - inner)) place(k, depth + 1, 'right');
    } else {
      for (const k of nats.slice(0, inner)) place(k, depth + 1, 'left');
      order.push(self);
      for (const k of nats.slice(inner)) place(k, depth + 1, 'right');
      for (const k of hosts) place(k, depth + 1, 'right');
    }
  };
  const roots = childrenOf.get(undefined) ?? [];
  const rootNats = roots.filter((n) => n.type === 'nat');
  const rootOthers = roots.filter((n) => n.type !== 'nat');
  const leftCount = Math.ceil(rootNats.length / 2);
  rootNats.slice(0, leftCount).forEach((n) => place(n, 0, 'left'));
  // Servers first among the public nodes so they sit in the middle of the ladder.
  const publicNodes = [...rootOthers.filter((n) => n.type === 'server'), ...rootOthers.filter((n) => n.type !== 'server')];
  publicNodes.forEach((n) => place(n, 0, 'right'));
  rootNats.slice(leftCount).forEach((n) => place(n, 0, 'right'));
  // Anything left (a cycle in the topology) keeps file order at the end.
  for (const n of nodes) if (!placed.has(n.name)) place(n, 0, 'right');

  const lanes: Lane[] = order.map((o, index) => ({
    name: o.node.name,
    type: o.node.type,
    index,
    depth: o.depth,
    gateway: o.gateway,
    node: o.node,
  }));
  const known = new Set(lanes.map((l) => l.name));
  for (const name of eventNodes) {
    if (known.has(name)) continue;
    known.add(name);
    lanes.push({ name, type: 'host', index: lanes.length, depth: 0, gateway: undefined, node: undefined });
  }
  return lanes;
}
