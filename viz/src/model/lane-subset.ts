// The trace seen through a peer picker: the picked nodes keep their lanes, every other node
// collapses into one "others" lane. A datagram between two hidden nodes disappears, one
// between a picked and a hidden node is drawn to/from the others lane; hidden nodes' own
// marks (timers, app events, logs) go. Each event's `raw` keeps the true node, so the
// inspector still names it. Pure (no DOM).
import type { ParsedTrace, PacketId, TraceEvent, TopologyNode } from '../trace/types.ts';

/** Above this many lanes a trace opens with a pick of its busiest nodes (the rest collapsed). */
export const LANES_AUTO_MAX = 40;
/** How many nodes that automatic pick keeps. */
export const AUTO_PICK = 12;

export function othersLane(hidden: number): string {
  return `⋯ ${hidden} others`;
}

/** Every node that owns an event or a topology entry, in first-seen order (faults' "sim" aside). */
export function nodesOf(trace: ParsedTrace): string[] {
  const seen = new Set<string>();
  for (const n of trace.header?.topology.nodes ?? []) seen.add(n.name);
  for (const e of trace.events) if (e.kind !== 'fault') seen.add(e.node);
  return [...seen];
}

/** The `count` nodes with the most events (ties in first-seen order). */
export function busiestNodes(trace: ParsedTrace, count = AUTO_PICK): string[] {
  const n = new Map<string, number>();
  for (const name of nodesOf(trace)) n.set(name, 0);
  for (const e of trace.events) if (e.kind !== 'fault' && e.kind !== 'timer') n.set(e.node, (n.get(e.node) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name]) => name);
}

export function subsetTrace(trace: ParsedTrace, picked: ReadonlySet<string>): ParsedTrace {
  const all = nodesOf(trace);
  const hidden = all.filter((n) => !picked.has(n)).length;
  if (hidden === 0) return trace;
  const others = othersLane(hidden);
  // which packet ids touch a picked node (send, NAT hop, delivery or drop)
  const touching = new Set<PacketId>();
  for (const e of trace.events) if ((e.kind === 'send' || e.kind === 'nat' || e.kind === 'deliver' || e.kind === 'drop') && picked.has(e.node)) touching.add(e.id);
  const events: TraceEvent[] = [];
  for (const e of trace.events) {
    if (e.kind === 'fault' || picked.has(e.node)) {
      events.push(e);
      continue;
    }
    if ((e.kind === 'send' || e.kind === 'nat' || e.kind === 'deliver' || e.kind === 'drop') && touching.has(e.id)) events.push({ ...e, node: others });
  }
  const header = trace.header;
  const topology = header?.topology;
  const kept: TopologyNode[] = topology === undefined ? [] : topology.nodes.filter((n) => picked.has(n.name));
  const othersNode: TopologyNode = { name: others, type: 'host', ips: [], outside: [] };
  return {
    ...trace,
    header: header === undefined ? undefined : { ...header, topology: { nodes: [...kept, othersNode], realms: topology?.realms ?? [] } },
    events,
  };
}
