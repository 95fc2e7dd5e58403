// The dissemination tree of one mesh broadcast, rebuilt from the peers' own events
// (protocol/mesh/events.ts): `sent` at the root, one `message` per peer for its first
// delivery (the link it came over, hop count, pushed on a tree link or fetched by GRAFT), and
// `duplicate` for every later copy. Links are addresses; the trace's topology names them.
// Pure (no DOM), so the mesh panel and the tests share it.
import type { TraceEvent, Topology } from '../trace/types.ts';

export interface Broadcast {
  readonly id: string;
  readonly root: string;
  readonly t: number;
  readonly msg_type: string;
}

export interface TreeNode {
  readonly name: string;
  /** undefined for the root, or a sender whose address no topology node owns */
  readonly parent: string | undefined;
  /** time of the first delivery (the root: the send) */
  readonly t: number;
  /** hops the copy travelled (root 0) */
  readonly hops: number;
  readonly via: 'root' | 'push' | 'graft';
  /** later copies this peer received, by sender */
  readonly duplicates: string[];
}

export interface DisseminationTree {
  readonly broadcast: Broadcast;
  /** root first, then by delivery time */
  readonly nodes: readonly TreeNode[];
  readonly byName: ReadonlyMap<string, TreeNode>;
  readonly duplicates: number;
  readonly grafts: number;
  readonly depth: number;
  /** time from the send to the last first delivery */
  readonly span_ms: number;
}

function field(data: unknown, key: string): unknown {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
}

/** True when the trace holds mesh broadcasts (the panel stays hidden otherwise). */
export function hasMesh(events: readonly TraceEvent[]): boolean {
  return events.some((e) => e.kind === 'event' && e.name === 'sent' && field(e.data, 'flag') === 'broadcast' && typeof field(e.data, 'id') === 'string');
}

export function broadcastsOf(events: readonly TraceEvent[]): Broadcast[] {
  const out: Broadcast[] = [];
  for (const e of events) {
    if (e.kind !== 'event' || e.name !== 'sent' || field(e.data, 'flag') !== 'broadcast') continue;
    const id = field(e.data, 'id');
    if (typeof id === 'string') out.push({ id, root: e.node, t: e.t, msg_type: String(field(e.data, 'msg_type') ?? '') });
  }
  return out;
}

function ipOf(address: string): string {
  return address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':') > 0 ? address.lastIndexOf(':') : address.length);
}

/** Address ("ip:port" or "[v6]:port") -> node name, from the topology's IPs; a NAT's external
 * address names the host behind it when a `nat-map` event says which internal one it maps. */
export function addressNamer(topology: Topology, events: readonly TraceEvent[] = []): (address: string) => string {
  const byIp = new Map<string, string>();
  for (const n of topology.nodes) for (const ip of [...n.ips, ...n.outside]) byIp.set(ip, n.name);
  const internalOf = new Map<string, string>();
  for (const e of events) if (e.kind === 'nat-map') internalOf.set(e.external, e.internal);
  return (address) => {
    const inside = internalOf.get(address);
    const host = inside === undefined ? undefined : byIp.get(ipOf(inside));
    return host ?? byIp.get(ipOf(address)) ?? address;
  };
}

export function disseminationTree(events: readonly TraceEvent[], topology: Topology, broadcast: Broadcast): DisseminationTree {
  const name = addressNamer(topology, events);
  const nodes: TreeNode[] = [{ name: broadcast.root, parent: undefined, t: broadcast.t, hops: 0, via: 'root', duplicates: [] }];
  const byName = new Map<string, TreeNode>([[broadcast.root, nodes[0]!]]);
  let duplicates = 0;
  let grafts = 0;
  let depth = 0;
  let last = broadcast.t;
  for (const e of events) {
    if (e.kind !== 'event' || e.t < broadcast.t || field(e.data, 'id') !== broadcast.id) continue;
    const from = field(e.data, 'from');
    if (e.name === 'message' && field(e.data, 'flag') === 'broadcast' && !byName.has(e.node)) {
      const hops = Number(field(e.data, 'hops') ?? 0);
      const via = field(e.data, 'via') === 'graft' ? 'graft' : 'push';
      const n: TreeNode = { name: e.node, parent: typeof from === 'string' && from !== '' ? name(from) : undefined, t: e.t, hops: Number.isFinite(hops) ? hops : 0, via, duplicates: [] };
      nodes.push(n);
      byName.set(e.node, n);
      if (via === 'graft') grafts++;
      depth = Math.max(depth, n.hops);
      last = Math.max(last, e.t);
    } else if (e.name === 'duplicate') {
      const n = byName.get(e.node);
      duplicates++;
      if (n !== undefined && typeof from === 'string') n.duplicates.push(name(from));
    }
  }
  return { broadcast, nodes, byName, duplicates, grafts, depth, span_ms: last - broadcast.t };
}

/** Children lists (by parent name) with a parent that is not in the tree hung off the root. */
export function childrenOf(tree: DisseminationTree): Map<string, TreeNode[]> {
  const kids = new Map<string, TreeNode[]>();
  for (const n of tree.nodes) {
    if (n.via === 'root') continue;
    const p = n.parent !== undefined && tree.byName.has(n.parent) && n.parent !== n.name ? n.parent : tree.broadcast.root;
    const list = kids.get(p) ?? [];
    list.push(n);
    kids.set(p, list);
  }
  return kids;
}
