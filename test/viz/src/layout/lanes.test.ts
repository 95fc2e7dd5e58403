// Tests for lane ordering: hosts sit beside their NAT, public nodes in the middle, CGNAT
// chains nest, and nodes seen only in events get lanes too.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { layoutLanes } from '../../../../viz/src/layout/lanes.ts';
import type { Topology, TopologyNode } from '../../../../viz/src/trace/types.ts';

const host = (name: string, realm: string, type: 'host' | 'server' = 'host'): TopologyNode => ({ name, type, ips: [], outside: [], realm });
const nat = (name: string, realm: string, inside: string): TopologyNode => ({ name, type: 'nat', ips: [], outside: [], realm, inside });

describe('layoutLanes', () => {
  it('builds the a | nat-a | server | nat-b | b ladder', () => {
    const topology: Topology = {
      nodes: [host('a', 'lan-a'), host('b', 'lan-b'), nat('nat-a', 'internet', 'lan-a'), host('s', 'internet', 'server'), nat('nat-b', 'internet', 'lan-b')],
      realms: [{ name: 'internet' }, { name: 'lan-a', gateway: 'nat-a' }, { name: 'lan-b', gateway: 'nat-b' }],
    };
    const lanes = layoutLanes(topology, ['a', 'extra']);
    expect(lanes.map((l) => l.name)).toEqual(['a', 'nat-a', 's', 'nat-b', 'b', 'extra']);
    expect(lanes.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lanes[0]!.gateway).toBe('nat-a');
    expect(lanes[0]!.depth).toBe(1);
  });

  it('nests CGNAT chains found through `inside` when realms lack a gateway', () => {
    const topology: Topology = {
      nodes: [host('h', 'home'), nat('home-nat', 'carrier', 'home'), nat('cgnat', 'internet', 'carrier'), host('s', 'internet', 'server')],
      realms: [],
    };
    expect(layoutLanes(topology, []).map((l) => l.name)).toEqual(['h', 'home-nat', 'cgnat', 's']);
  });

  it('splits the homes behind one carrier NAT around it, so no home path crosses the other home (issue 14 defect 5)', () => {
    // nat/cgnat's topology: two homes behind one carrier NAT, two servers
    const topology: Topology = {
      nodes: [nat('cgn', 'internet', 'cgn-lan'), nat('home-a', 'cgn-lan', 'home-a-lan'), nat('home-c', 'cgn-lan', 'home-c-lan'), host('s1', 'internet', 'server'), host('s2', 'internet', 'server'), host('a', 'home-a-lan'), host('c', 'home-c-lan')],
      realms: [{ name: 'internet' }, { name: 'cgn-lan', gateway: 'cgn' }, { name: 'home-a-lan', gateway: 'home-a' }, { name: 'home-c-lan', gateway: 'home-c' }],
    };
    const names = layoutLanes(topology, []).map((l) => l.name);
    expect(names).toEqual(['a', 'home-a', 'cgn', 'home-c', 'c', 's1', 's2']);
    const at = (n: string): number => names.indexOf(n);
    const between = (x: string, from: string, to: string): boolean => Math.min(at(from), at(to)) < at(x) && at(x) < Math.max(at(from), at(to));
    for (const [home, host, other] of [['home-a', 'a', ['c', 'home-c']], ['home-c', 'c', ['a', 'home-a']]] as const) {
      for (const o of other) expect(between(o, host, home) || between(o, home, 'cgn'), `${o} lies on ${host}'s way to cgn`).toBe(false);
    }
  });

  test.prop([fc.array(fc.record({ name: fc.string({ maxLength: 3 }), type: fc.constantFrom('host', 'nat', 'server'), realm: fc.string({ maxLength: 2 }), inside: fc.string({ maxLength: 2 }) }), { maxLength: 12 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 5 })])(
    'every distinct node gets exactly one lane, even in a malformed topology',
    (raw, extra) => {
      const nodes = raw.map((n) => ({ ...n, ips: [], outside: [] }) as TopologyNode);
      const realms = raw.map((n) => ({ name: n.inside, gateway: n.name }));
      const lanes = layoutLanes({ nodes, realms }, extra);
      const names = lanes.map((l) => l.name);
      expect(new Set(names).size).toBe(names.length);
      expect(new Set(names)).toEqual(new Set([...nodes.map((n) => n.name), ...extra]));
    },
  );
});
