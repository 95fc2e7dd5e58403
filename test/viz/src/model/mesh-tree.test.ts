// The viewer's mesh models on hand-written traces: the dissemination tree of a broadcast names
// each peer's parent from the link address, keeps first deliveries only, separates pushed
// from GRAFT-fetched copies and counts duplicates; the lane subset keeps picked lanes,
// collapses the rest into one lane and drops datagrams between hidden peers.
import { describe, expect, it } from 'vitest';
import { broadcastsOf, childrenOf, disseminationTree, hasMesh } from '../../../../viz/src/model/mesh-tree.ts';
import { busiestNodes, nodesOf, othersLane, subsetTrace } from '../../../../viz/src/model/lane-subset.ts';
import type { ParsedTrace, TraceEvent, Topology } from '../../../../viz/src/trace/types.ts';

const topology: Topology = {
  nodes: ['a', 'b', 'c', 'd'].map((name, i) => ({ name, type: 'host' as const, ips: [`10.0.0.${i + 1}`], outside: [] })),
  realms: [],
};
const addr = (n: string): string => `10.0.0.${'abcd'.indexOf(n) + 1}:7400`;
const ev = (t: number, node: string, name: string, data: unknown): TraceEvent => ({ kind: 'event', t, node, name, data, line: t, raw: {} });
const msg = (t: number, node: string, from: string, hops: number, via: string, id = 'm1'): TraceEvent => ev(t, node, 'message', { type: 'message', id, flag: 'broadcast', hops, from: addr(from), via });

describe('mesh dissemination tree (viewer)', () => {
  const events: TraceEvent[] = [
    ev(10, 'a', 'sent', { type: 'sent', id: 'm1', flag: 'broadcast', msg_type: 'chat' }),
    ev(11, 'b', 'sent', { type: 'sent', id: 'w1', flag: 'whisper', msg_type: 'chat' }),
    msg(20, 'b', 'a', 1, 'push'),
    msg(25, 'c', 'b', 2, 'push'),
    ev(26, 'c', 'duplicate', { type: 'duplicate', id: 'm1', hops: 1, from: addr('a') }),
    msg(40, 'd', 'c', 3, 'graft'),
    msg(41, 'd', 'b', 3, 'push'), // a second `message` for d: not a first delivery
    ev(42, 'b', 'duplicate', { type: 'duplicate', id: 'm1', hops: 3, from: addr('d') }),
    msg(50, 'c', 'a', 1, 'push', 'other'),
  ];

  it('finds broadcasts only', () => {
    expect(hasMesh(events)).toBe(true);
    expect(broadcastsOf(events).map((b) => [b.id, b.root, b.t])).toEqual([['m1', 'a', 10]]);
    expect(hasMesh(events.filter((e) => e.kind === 'event' && e.name !== 'sent'))).toBe(false);
  });

  it('builds the tree of first deliveries with GRAFTs, hops and duplicates', () => {
    const tree = disseminationTree(events, topology, broadcastsOf(events)[0]!);
    expect(tree.nodes.map((n) => [n.name, n.parent, n.via, n.hops])).toEqual([
      ['a', undefined, 'root', 0],
      ['b', 'a', 'push', 1],
      ['c', 'b', 'push', 2],
      ['d', 'c', 'graft', 3],
    ]);
    expect(tree.grafts).toBe(1);
    expect(tree.duplicates).toBe(2);
    expect(tree.byName.get('c')!.duplicates).toEqual(['a']);
    expect(tree.byName.get('b')!.duplicates).toEqual(['d']);
    expect(tree.depth).toBe(3);
    expect(tree.span_ms).toBe(30);
    const kids = childrenOf(tree);
    expect(kids.get('a')!.map((n) => n.name)).toEqual(['b']);
    expect(kids.get('c')!.map((n) => n.name)).toEqual(['d']);
  });

  it('names a host behind a NAT by its mapping', () => {
    const natted: Topology = { nodes: [...topology.nodes, { name: 'nat-d', type: 'nat', ips: ['10.0.0.254'], outside: ['203.0.113.4'] }], realms: [] };
    const map: TraceEvent = { kind: 'nat-map', t: 1, node: 'nat-d', internal: addr('d'), external: '203.0.113.4:61000', line: 1, raw: {} };
    const evs = [map, events[0]!, ev(20, 'd', 'message', { id: 'm1', flag: 'broadcast', hops: 1, from: addr('a') }), ev(30, 'b', 'message', { id: 'm1', flag: 'broadcast', hops: 2, from: '203.0.113.4:61000' })];
    const tree = disseminationTree(evs, natted, broadcastsOf(evs)[0]!);
    expect(tree.byName.get('b')!.parent).toBe('d');
    // without the mapping, the NAT's address names the NAT
    expect(disseminationTree(evs.slice(1), natted, broadcastsOf(evs)[0]!).byName.get('b')!.parent).toBe('nat-d');
  });

  it('hangs a copy from an unknown address off the root', () => {
    const odd = [events[0]!, ev(20, 'b', 'message', { id: 'm1', flag: 'broadcast', hops: 4, from: '192.0.2.9:1' })];
    const tree = disseminationTree(odd, topology, broadcastsOf(odd)[0]!);
    expect(tree.byName.get('b')!.parent).toBe('192.0.2.9:1');
    expect(childrenOf(tree).get('a')!.map((n) => n.name)).toEqual(['b']);
  });
});

describe('lane subset (viewer peer picker)', () => {
  const dg = (t: number, kind: 'send' | 'deliver', node: string, id: number, src: string, dst: string): TraceEvent =>
    kind === 'send'
      ? { kind, t, node, id, src: addr(src), dst: addr(dst), bytes: 10, proto: 'mesh', line: t, raw: { node } }
      : { kind, t, node, id, src: addr(src), dst: addr(dst), bytes: 10, corrupted: false, line: t, raw: { node } };
  const trace: ParsedTrace = {
    header: { v: 1, world: 'sim', topology },
    events: [dg(1, 'send', 'a', 1, 'a', 'b'), dg(2, 'deliver', 'b', 1, 'a', 'b'), dg(3, 'send', 'c', 2, 'c', 'd'), dg(4, 'deliver', 'd', 2, 'c', 'd'), ev(5, 'c', 'x', {}), ev(6, 'a', 'y', {}), ev(7, 'a', 'z', {})],
    problems: [],
    problemsDropped: 0,
    unknownKinds: 0,
    lines: 8,
  };

  it('keeps picked lanes, collapses the rest, drops what only hidden peers saw', () => {
    const sub = subsetTrace(trace, new Set(['a']));
    const others = othersLane(3);
    expect(sub.events.map((e) => [e.t, e.node])).toEqual([
      [1, 'a'],
      [2, others],
      [6, 'a'],
      [7, 'a'],
    ]);
    expect(sub.events[1]!.raw.node).toBe('b');
    expect(sub.header!.topology.nodes.map((n) => n.name)).toEqual(['a', others]);
    expect(subsetTrace(trace, new Set(nodesOf(trace)))).toBe(trace);
  });

  it('picks the busiest nodes', () => {
    expect(busiestNodes(trace, 2)).toEqual(['a', 'c']);
  });
});
